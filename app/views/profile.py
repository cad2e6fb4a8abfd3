"""The applicant's profile pages: the overview, 基本信息, submission, the unit search and file downloads."""
from __future__ import annotations

import io

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import Attachment, BasicInfo, Org, OrgKind, OrgStatus, ProfileReviewEvent
from app.scope import clause_for
from app.security import roles as r
from app.services import attachments, audit, recycle_bin
from app.services.audit import client_ip
from app.views.base import STALE_MESSAGE, attach_errors
from app.views.profile_display import basic_facts, basic_status, section_tables
from app.views.profile_forms import BasicInfoForm, unit_option_text
from app.workflow import profile as rules
from app.workflow import profile_review

UNIT_SEARCH_LIMIT = 20


def history_of(user_id: int, limit: int = 50) -> list[ProfileReviewEvent]:
    """The latest review events of one person's profile."""
    return list(db.session.scalars(
        select(ProfileReviewEvent).where(ProfileReviewEvent.profile_user_id == user_id)
        .order_by(ProfileReviewEvent.at.desc(), ProfileReviewEvent.id.desc()).limit(limit)
    ))


class ProfileView(BaseView):
    """个人信息维护: every section with its 完成情况, and 提交人事管理单位审核."""

    route_base = "/profile"
    class_permission_name = r.PROFILE
    method_permission_name = {"index": "read", "basic": "write", "submit": "write", "units": "read",
                              "recycle_bin": "read", "restore": "write"}
    default_view = "index"

    def _basic(self) -> BasicInfo | None:
        return db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == g.user.id))

    @expose("/")
    @has_access
    def index(self):
        user = g.user
        basic = self._basic()
        return self.render_template(
            "profile/index.html",
            title=_("Personal information"),
            user=user,
            basic=basic,
            basic_status=basic_status(basic),
            facts=basic_facts(user, basic),
            tables=section_tables(user.id),
            completeness=rules.completeness(user.id),
            review=profile_review.open_review(user.id),
            history=history_of(user.id),
        )

    @expose("/basic", methods=["GET", "POST"])
    @has_access
    def basic(self):
        user = g.user
        record = self._basic()
        if record is not None and record.locked:
            flash(_("This record is under review and cannot be changed now."), "warning")
            return redirect(url_for(".index"))
        unit_locked = rules.unit_locked(user.id)
        form = BasicInfoForm(obj=record) if request.method == "GET" else BasicInfoForm()
        if form.validate_on_submit() and self._save_basic(form, record, unit_locked):
            flash(_("The basic information was saved; submit it to your unit for review."), "success")
            return redirect(url_for(".index"))
        return self.render_template(
            "profile/basic.html", title=_("Basic information"), form=form, record=record,
            facts=basic_facts(user, None), unit_locked=unit_locked,
            status=basic_status(record),
        )

    def _save_basic(self, form: BasicInfoForm, record: BasicInfo | None, unit_locked: bool) -> bool:
        user = g.user
        seen = request.form.get("version", type=int)
        if record is not None and seen is not None and seen != record.version:
            flash(str(STALE_MESSAGE), "danger")  # saved elsewhere since this form was loaded: nothing is changed
            return False
        if record is None:
            record = BasicInfo(user_id=user.id)
            db.session.add(record)
        kept_unit = record.unit_id
        form.fill(record)
        if unit_locked:
            record.unit_id = kept_unit  # settled; only the unit-change business moves it
        try:
            rules.validate_record(record, user)
            rules.mark_changed(record)
            upload = request.files.get("photo")
            if upload is not None and upload.filename:
                previous = record.photo
                record.photo = attachments.store("photo", upload, user.id, attachments.PHOTO)
                attachments.discard(previous)
            db.session.commit()
        except ValidationFailed as failure:
            db.session.rollback()
            attach_errors(form, failure)
            return False
        except StaleDataError:
            db.session.rollback()
            flash(str(STALE_MESSAGE), "danger")
            return False
        return True

    @expose("/recycle-bin")
    @has_access
    def recycle_bin(self):
        """回收站: the person's deleted profile records, each with 恢复."""
        return self.render_template("recycle_bin.html", title=_("Recycle bin of my profile records"),
                                    entries=recycle_bin.own_deleted(g.user), restore_endpoint="ProfileView.restore",
                                    back=url_for(".index"))

    @expose("/recycle-bin/<code>/<int:pk>/restore", methods=["POST"])
    @has_access
    def restore(self, code: str, pk: int):
        try:
            recycle_bin.restore_own(code, pk, g.user)
        except LookupError:
            abort(404)
        except DomainError as error:
            flash(str(error), "danger")
            return redirect(url_for(".recycle_bin"))
        flash(_("The record was restored."), "success")
        return redirect(url_for(".recycle_bin"))

    @expose("/submit", methods=["POST"])
    @has_access
    def submit(self):
        try:
            profile_review.submit(g.user, ip=client_ip())
        except DomainError as error:
            flash(str(error), "danger")
        else:
            flash(_("Your profile was submitted to your personnel management unit for review."), "success")
        return redirect(url_for(".index"))

    @expose("/units")
    @has_access
    def units(self):
        """Active units whose name contains the search text (for the unit picker)."""
        text = (request.args.get("q") or "").strip()[:50]
        if not text:
            return jsonify(results=[])
        units = db.session.scalars(
            select(Org).where(
                Org.kind == OrgKind.unit, Org.status == OrgStatus.active,
                Org.name.contains(text, autoescape=True),
            ).order_by(Org.name).limit(UNIT_SEARCH_LIMIT)
        )
        return jsonify(results=[
            {"id": unit.id, "text": unit_option_text(unit, rules.supervising_org(unit))} for unit in units
        ])


class ProfileFileView(BaseView):
    """Downloads of profile attachments and photos, only within the user's scope (FAB_NOTES 5)."""

    route_base = "/profile-files"
    class_permission_name = r.PROFILE_FILE
    method_permission_name = {"download": "read"}

    @expose("/<int:attachment_id>")
    @has_access
    def download(self, attachment_id: int):
        attachment = db.session.scalar(
            select(Attachment).where(Attachment.id == attachment_id, clause_for(Attachment))
        )
        if attachment is None:
            abort(404)
        try:
            data = attachments.read(attachment)
        except FileNotFoundError:
            abort(404)
        inline = attachment.content_type.startswith("image/") and request.args.get("inline") == "1"
        if not inline:  # a photo shown on a page is not a download
            audit.download(attachment, attachment.original_name)
        return send_file(
            io.BytesIO(data), mimetype=attachment.content_type, as_attachment=not inline,
            download_name=attachment.original_name, max_age=0,
        )
