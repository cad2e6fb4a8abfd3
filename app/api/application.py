"""REST API of the title businesses: the applicant's drafts and every actor's transitions, through `apply`."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import APP_STATE_LABELS, BUSINESS_TYPE_LABELS, AppState, Application, BusinessType
from app.scope.policy import clause_for
from app.scope.resolve import request_user
from app.security import roles as r
from app.services.audit import client_ip
from app.workflow import drafts, engine, tick

MAX_PAGE_SIZE = 100


def summary(application: Application) -> dict:
    """The list view of an application."""
    return {
        "id": application.id, "business_type": application.business_type.value,
        "business_type_label": str(BUSINESS_TYPE_LABELS[application.business_type]),
        "state": application.state.value, "state_label": str(APP_STATE_LABELS[application.state]),
        "series": application.series, "title": application.title, "level": application.level,
        "unit_id": application.unit_id, "committee_id": application.committee_id,
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
        "correction_deadline": application.correction_deadline.isoformat() if application.correction_deadline else None,
        "version": application.version,
    }


def detail(application: Application, actor) -> dict:
    """Everything the actor may see of one application, with the actions open to them now."""
    data = summary(application)
    data.update({
        "form": application.form, "exceptional": application.exceptional,
        "exceptional_reason": application.exceptional_reason,
        "materials": [{"name": m.name, "copies": m.copies} for m in application.materials],
        "achievement_ids": [a.id for a in application.achievements],
        "publication_ids": [p.id for p in application.publications],
        "history": [{
            "at": event.at.isoformat(), "event": event.event, "role": event.actor_role, "from": event.from_state,
            "to": event.to_state, "reason": event.reason, "section_comments": event.section_comments,
        } for event in application.events],
        "actions": [{"event": t.event, "label": str(t.label), "reason_required": t.reason_required}
                    for t in engine.available(application, actor)],
    })
    return data


class ApplicationApi(BaseApi):
    """/api/v1/applications/: list and read within scope, 暂存 drafts, fire transitions."""

    resource_name = "applications"
    class_permission_name = r.APPLICATION_API
    method_permission_name = {"list_all": "get", "get_one": "get", "create": "post", "change": "put",
                              "fire": "act"}
    allow_browser_login = False

    def _scoped(self, pk: int) -> Application | None:
        application = db.session.scalar(select(Application).where(Application.id == pk, clause_for(Application)))
        if application is not None:
            tick.catch_up(application)  # time-driven transitions are applied when a record is read
        return application

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def list_all(self):
        """Applications in the caller's scope, newest first; `state` and `business_type` filter."""
        query = select(Application).where(clause_for(Application))
        for name, enum in (("state", AppState), ("business_type", BusinessType)):
            value = request.args.get(name)
            if value:
                try:
                    query = query.where(getattr(Application, name) == enum(value))
                except ValueError:
                    return self.response_400(message=_("Not a valid choice."))
        page = max(request.args.get("page", 0, type=int), 0)
        size = min(max(request.args.get("page_size", 20, type=int), 1), MAX_PAGE_SIZE)
        count = db.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = db.session.scalars(query.order_by(Application.id.desc()).offset(page * size).limit(size))
        return self.response(200, count=count, result=[summary(a) for a in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def get_one(self, pk: int):
        application = self._scoped(pk)
        if application is None:
            return self.response_404()
        return self.response(200, result=detail(application, request_user()))

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """暂存 a new draft of the caller's own."""
        return self._save(None)

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    def change(self, pk: int):
        application = self._scoped(pk)
        if application is None or application.user_id != request_user().id:
            return self.response_404()
        return self._save(application)

    def _save(self, application):
        if not isinstance(request.get_json(silent=True), dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        try:
            saved = drafts.save_draft(application, request_user(), request.json, seen_version=_seen_version())
        except ValidationFailed as failure:
            return self.response_422(message=failure.errors)
        except DomainError as error:
            return self.response(409, message=str(error))
        return self.response(201 if application is None else 200, result=detail(saved, request_user()))

    @expose("/<int:pk>/events/<event>", methods=["POST"])
    @protect()
    @safe
    def fire(self, pk: int, event: str):
        """Fire a transition: body {version, reason, section_comments}; refusals carry every reason."""
        application = self._scoped(pk)
        if application is None:
            return self.response_404()
        body = request.get_json(silent=True)
        body = body if isinstance(body, dict) else {}
        comments = body.get("section_comments") if isinstance(body.get("section_comments"), dict) else {}
        try:
            changed = engine.apply(
                application.id, event, request_user(), seen_version=body.get("version"),
                reason=str(body.get("reason") or ""), section_comments=comments, ip=client_ip(),
            )
        except engine.AlreadyHandled as error:
            return self.response(409, message=str(error))
        except ValidationFailed as failure:
            db.session.rollback()
            return self.response_422(message=failure.errors)
        except DomainError as error:
            db.session.rollback()
            return self.response(403, message=str(error))
        return self.response(200, result=detail(changed, request_user()))


def _seen_version() -> int | None:
    """The version the client loaded: the body's "version" or an If-Match header (optimistic locking)."""
    body = request.get_json(silent=True)
    raw = body.get("version") if isinstance(body, dict) else None
    if raw is None:
        raw = (request.headers.get("If-Match") or "").strip('W/" ') or None
    try:
        return int(raw) if raw is not None and not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        return -1  # never a real version: refused as stale
