"""The applicant's forms: 业务申请, the declaration path (免责声明 → 门类 → 职称 → 专业), the edit page and the
evaluation wizard (申请信息 → 业绩成果 → 学术成果 → 材料清单 → 提交), all writing through drafts and the engine."""
from __future__ import annotations

from flask import flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import APP_STATE_LABELS, BUSINESS_TYPE_LABELS, AppState, Application, BusinessType, FINAL_STATES
from app.scope import clause_for
from app.security import roles as r
from app.services import dictionaries, portal
from app.views import application_display as shown
from app.views import application_fields as fields
from app.views.applications import EDITABLE, apply_event, owned, passed_message, return_notice
from app.views.profile_display import section_tables
from app.workflow import checks, drafts
from app.workflow.forms import TITLED, WITH_RECORDS

# Types started through the 免责声明 and the cascading choice of what is applied for (seed 003 二.4).
DECLARED = (BusinessType.evaluation, BusinessType.entrusted)
DESCRIPTIONS = {
    BusinessType.unit_change: _l("Move your personnel management unit to a new unit; the new unit reviews the "
                                 "change."),
    BusinessType.recognition: _l("Apply for a title by assessment (initial recognition); your unit, the supervising "
                                 "department and the HRSS authority review it. Includes the list of paper materials."),
    BusinessType.evaluation: _l("Apply for title evaluation by a review committee; choose your professional work, "
                                "achievements and academic output, and list the paper materials."),
    BusinessType.out_of_province: _l("Have a title obtained in another province confirmed in Guangdong; needs a "
                                     "summary of your work in Guangdong of at least 500 characters."),
    BusinessType.reissue: _l("Apply for a new certificate when yours is lost, damaged or its information changed."),
    BusinessType.entrusted: _l("Apply for evaluation by a committee of another province; choose your professional "
                               "work, achievements and academic output, and list the paper materials."),
}
LIST_LIMIT = 100
RECORD_STEPS = {"achievements": ("achievement", "achievement_ids"), "publications": ("publication", "publication_ids")}


def _kind_arg(raw) -> BusinessType | None:
    try:
        return BusinessType(raw)
    except ValueError:
        return None


def _own_drafts() -> dict[BusinessType, Application]:
    """The user's latest draft of each type (offered to be continued instead of starting another)."""
    found = {}
    for application in db.session.scalars(
        select(Application).where(Application.user_id == g.user.id, clause_for(Application),
                                  Application.state == AppState.draft)
        .order_by(Application.id.desc()).limit(LIST_LIMIT)
    ):
        found.setdefault(application.business_type, application)
    return found


def _open_ones() -> dict[BusinessType, Application]:
    found = {}
    for application in db.session.scalars(
        select(Application).where(Application.user_id == g.user.id, clause_for(Application),
                                  Application.state.not_in(FINAL_STATES + (AppState.draft,)))
        .order_by(Application.id.desc()).limit(LIST_LIMIT)
    ):
        found.setdefault(application.business_type, application)
    return found


class ApplicationFormView(BaseView):
    """/applications/new, /declare, /options and each application's edit and wizard pages."""

    route_base = "/applications"
    class_permission_name = r.APPLICATION
    method_permission_name = {
        "new": "read", "options": "read", "start": "write", "declare": "write", "edit": "write",
        "achievements": "write", "publications": "write", "materials": "write", "confirm": "write",
    }
    default_view = "new"

    # ----- 业务申请 -----

    @expose("/new")
    @has_access
    def new(self):
        """The six businesses, each with its description and a start (or continue) button."""
        return self.render_template(
            "applications/new.html", title=_("New application"), kinds=BUSINESS_TYPE_LABELS,
            descriptions=DESCRIPTIONS, drafts=_own_drafts(), open_ones=_open_ones(), declared=DECLARED,
            states=APP_STATE_LABELS, guidance=portal.guidance(),
        )

    @expose("/start", methods=["POST"])
    @has_access
    def start(self):
        kind = _kind_arg(request.form.get("business_type"))
        if kind is None:
            flash(_("Please choose a business."), "danger")
            return redirect(url_for(".new"))
        existing = _own_drafts().get(kind)
        if existing is not None:
            flash(_("You already have a draft of this business; continue it."), "info")
            return redirect(url_for(".edit", pk=existing.id))
        if kind in DECLARED:
            return redirect(url_for(".declare", type=kind.value))
        application = drafts.save_draft(None, g.user, {"business_type": kind.value})
        return redirect(url_for(".edit", pk=application.id))

    @expose("/declare", methods=["GET", "POST"])
    @has_access
    def declare(self):
        """免责声明 and the cascading choice; 同意此协议并报名 creates the draft with series, title and specialty."""
        kind = _kind_arg(request.values.get("type"))
        if kind not in DECLARED:
            flash(_("Please choose a business."), "danger")
            return redirect(url_for(".new"))
        choice = {name: (request.values.get(name) or "").strip() or None
                  for name in ("series", "title", "category", "specialty")}
        if request.method == "GET" and not choice["series"]:
            choice["series"] = fields.profile_series(g.user.id)
        errors: dict = {}
        existing = _own_drafts().get(kind)
        if request.method == "POST" and request.form.get("agree") == "1":
            if existing is not None:
                flash(_("You already have a draft of this business; continue it."), "info")
                return redirect(url_for(".edit", pk=existing.id))
            errors = fields.check_selection(**choice, required=True)
            if not errors:
                try:
                    application = drafts.save_draft(None, g.user, {
                        "business_type": kind.value, "series": choice["series"], "title": choice["title"],
                        "specialty": choice["specialty"],
                    })
                except ValidationFailed as failure:
                    errors = failure.errors
                else:
                    flash(_("Your declaration was started; fill in the application information."), "success")
                    return redirect(url_for(".edit", pk=application.id))
        current = fields.current_title(g.user.id)
        return self.render_template(
            "applications/declare.html", title=str(BUSINESS_TYPE_LABELS[kind]), kind=kind, choice=choice,
            errors=errors, labels=fields.selection_labels(), existing=existing,
            current_label=dictionaries.label("title", current) or _("None"),
            series_options=fields.series_options(), titles=fields.title_options(choice["series"], current),
            categories=fields.category_options(choice["series"]),
            specialties=fields.specialty_options(choice["category"]), guidance=portal.guidance(),
        )

    @expose("/options")
    @has_access
    def options(self):
        """The options of one cascading select, as JSON: ?dict=title&series=GC, specialty_category, specialty."""
        name = request.args.get("dict", "")
        key = (request.args.get("series") or request.args.get("parent") or "").strip()[:32]
        if name == "title":
            results = fields.title_options(key, fields.current_title(g.user.id))
        elif name == "specialty_category":
            results = fields.category_options(key)
        elif name == "specialty":
            results = fields.specialty_options(key)
        else:
            return jsonify(message=_("Not a valid choice.")), 400
        return jsonify(results=results)

    # ----- the edit page (申请信息) -----

    def _editable_or_redirect(self, application: Application):
        if application.state not in EDITABLE:
            flash(_("The application is under review and cannot be changed now.") if not application.is_final
                  else _("The application is closed (%(state)s) and can no longer be changed.",
                         state=shown.state_label(application.state)), "warning")
            return redirect(url_for("ApplicationView.show", pk=application.id))
        return None

    def _page(self, template: str, application: Application, step: str, **context):
        notice = return_notice(application)
        return self.render_template(
            template, title=shown.type_label(application), application=application, notice=notice,
            comments=notice["comments"] if notice else {}, steps=fields.wizard_steps(application), step=step,
            previous_step=fields.step_after(application, step, -1), next_step=fields.step_after(application, step, 1),
            event="resubmit" if application.state == AppState.returned else "submit",
            type_label=shown.type_label(application), **context,
        )

    @expose("/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, pk: int):
        """申请信息: the type's fields, what is applied for, 破格, materials; 暂存, 下一步 and 提交."""
        application = owned(pk)
        refused = self._editable_or_redirect(application)
        if refused:
            return refused
        kind = application.business_type
        errors: dict = {}
        problems: list[str] = []
        if request.method == "POST":
            state = fields.posted_state(kind, request.form)
            errors, problems, done = self._save_and_go(application, state)
            if done is not None:
                return done
        else:
            state = fields.state_of(application)
        current = fields.current_title(application.user_id)
        return self._page(
            "applications/edit.html", application, "info", state=state, errors=errors, problems=problems,
            fields=fields.field_views(kind, state["form"], errors), titled=kind in TITLED,
            with_exception=kind in fields.WITH_EXCEPTION, with_materials=fields.has_materials_editor(application),
            labels=fields.selection_labels(), series_options=fields.series_options(),
            titles=fields.title_options(state["series"], current),
            categories=fields.category_options(state["series"]),
            specialties=fields.specialty_options(state["category"]),
            current_label=dictionaries.label("title", current) or _("None"),
        )

    def _save_and_go(self, application: Application, state: dict):
        """暂存 the posted page, then go where the button asked; (errors, problems, response or None)."""
        kind = application.business_type
        action = request.form.get("action", "save")
        errors = fields.check_selection(state["series"], state["title"], state["category"], state["specialty"],
                                        required=False) if kind in TITLED else {}
        if errors:
            return errors, fields.labelled_messages(kind, errors), None
        try:
            drafts.save_draft(application, g.user, fields.draft_data(
                kind, state, with_materials=fields.has_materials_editor(application)),
                seen_version=request.form.get("version", type=int))
        except ValidationFailed as failure:
            return failure.errors, fields.labelled_messages(kind, failure.errors), None
        except DomainError as error:
            flash(str(error), "danger")
            return {}, [], redirect(url_for("ApplicationView.show", pk=application.id))
        problems, response = self._after_save(application, "info", action)
        return {}, problems, response

    def _after_save(self, application: Application, step: str, action: str):
        """Follow the button of a saved step: next or previous step, submit, or stay (暂存); (problems, response)."""
        if action in ("next", "previous"):
            endpoint = fields.step_after(application, step, 1 if action == "next" else -1)
            if endpoint:
                return [], redirect(url_for(endpoint, pk=application.id))
        if action == "submit":
            event = "resubmit" if application.state == AppState.returned else "submit"
            # The save just checked the posted version and moved it on: submit at the saved one.
            problems = apply_event(application, event, application.version)
            if problems:
                db.session.refresh(application)
                return [_("Your input was saved, but the application was not submitted:")] + problems, None
            flash(passed_message(), "success")
            return [], redirect(url_for("ApplicationView.show", pk=application.id))
        flash(_("Saved as a draft (not submitted yet)."), "success")
        return [], redirect(url_for(f"ApplicationFormView.{'edit' if step == 'info' else step}", pk=application.id))

    # ----- the evaluation wizard -----

    def _wizard(self, pk: int):
        application = owned(pk)
        if application.business_type not in WITH_RECORDS:
            return application, redirect(url_for(".edit", pk=application.id))
        return application, self._editable_or_redirect(application)

    def _records_step(self, pk: int, step: str):
        application, refused = self._wizard(pk)
        if refused:
            return refused
        section, key = RECORD_STEPS[step]
        chosen = {record.id for record in getattr(application, step)}
        if request.method == "POST":
            record_id = request.form.get("record_id", type=int)
            if record_id is not None:
                wanted = chosen | {record_id} if request.form.get("op") == "select" else chosen - {record_id}
                try:
                    drafts.save_draft(application, g.user, {key: sorted(wanted)})
                except (ValidationFailed, DomainError) as error:
                    messages = fields.labelled_messages(application.business_type, error.errors) \
                        if isinstance(error, ValidationFailed) else [str(error)]
                    for message in messages:
                        flash(message, "danger")
            action = request.form.get("action")
            endpoint = fields.step_after(application, step, 1 if action == "next" else -1) if action else None
            return redirect(url_for(endpoint or f".{step}", pk=application.id))
        table = next(t for t in section_tables(application.user_id) if t.code == section)
        return self._page("applications/records_step.html", application, step, table=table, chosen=chosen,
                          selected=[row for row in table.rows if row.record.id in chosen])

    @expose("/<int:pk>/achievements", methods=["GET", "POST"])
    @has_access
    def achievements(self, pk: int):
        """选择专技工作及业绩成果: 选定 / 取消选定 the profile's records."""
        return self._records_step(pk, "achievements")

    @expose("/<int:pk>/publications", methods=["GET", "POST"])
    @has_access
    def publications(self, pk: int):
        """选择学术成果."""
        return self._records_step(pk, "publications")

    @expose("/<int:pk>/materials", methods=["GET", "POST"])
    @has_access
    def materials(self, pk: int):
        """提交的纸质材料清单 of the wizard."""
        application, refused = self._wizard(pk)
        if refused:
            return refused
        problems: list[str] = []
        if request.method == "POST":
            lines = fields.posted_state(application.business_type, request.form)["materials"]
            try:
                drafts.save_draft(application, g.user, {"materials": lines},
                                  seen_version=request.form.get("version", type=int))
            except ValidationFailed as failure:
                problems = fields.labelled_messages(application.business_type, failure.errors)
            except DomainError as error:
                flash(str(error), "danger")
                return redirect(url_for("ApplicationView.show", pk=application.id))
            else:
                problems, response = self._after_save(application, "materials", request.form.get("action", "save"))
                if response is not None:
                    return response
        else:
            lines = [{"name": m.name, "copies": m.copies} for m in application.materials]
        return self._page("applications/materials_step.html", application, "materials", lines=lines,
                          problems=problems)

    @expose("/<int:pk>/confirm", methods=["GET", "POST"])
    @has_access
    def confirm(self, pk: int):
        """提交: what will be submitted, the automatic check run now, and the submit button."""
        application, refused = self._wizard(pk)
        if refused:
            return refused
        problems: list[str] = []
        if request.method == "POST":
            event = "resubmit" if application.state == AppState.returned else "submit"
            problems = apply_event(application, event, request.form.get("version", type=int)) or []
            if not problems:
                flash(passed_message(), "success")
                return redirect(url_for("ApplicationView.show", pk=application.id))
            db.session.refresh(application)
        return self._page(
            "applications/confirm.html", application, "confirm", facts=shown.info_facts(application),
            records=shown.record_tables(application), precheck=checks.run(application), problems=problems,
        )
