"""REST API for the applicant's own profile, with the same rules and scope as the screens."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.api.errors import translate_errors
from app.bounded_request import INT_MAX, INT_MIN
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import (
    Achievement, BasicInfo, Education, ExamScore, Honour, OrgKind, OrgStatus, Position, Publication, Training,
    WorkExperience,
)
from app.models.soft_delete import soft_delete
from app.scope.filters import OWN
from app.scope.resolve import request_user
from app.security import roles as r
from app.workflow import profile as rules

READ_ONLY = ["id", "status", "review_comment", "created_at", "updated_at", "version"]


class ProfileRecordApi(ModelRestApi):
    """One profile section as a REST resource: own records only, rules of app.workflow.profile."""

    class_permission_name = r.PROFILE_API
    method_permission_name = {
        "get_list": "get", "get": "get", "post": "post", "put": "put", "delete": "delete", "info": "get",
    }
    allow_browser_login = False  # JWT only: the API takes no CSRF token, so no session cookie either
    base_filters = OWN
    max_page_size = 100
    editable: list[str] = []
    # The unit picker's choices: active units only, never every org (FAB_NOTES 4).
    add_query_rel_fields = edit_query_rel_fields = {
        "unit": [["kind", FilterEqual, OrgKind.unit], ["status", FilterEqual, OrgStatus.active]],
    }

    def __init__(self):
        self.add_columns = list(self.editable)
        self.edit_columns = list(self.editable)
        self.show_columns = READ_ONLY + list(self.editable)
        self.list_columns = self.show_columns
        self.order_columns = ["id", "created_at"]
        super().__init__()

    # ----- writes go through the profile rules; every refusal is a Chinese message by field -----
    def _body_problem(self):
        """Why the JSON body cannot be used (None when it can): not an object, or a related record named by
        something other than an id an integer column can hold (FAB's loader fails on those with a 500)."""
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        wrong = {name: [_("Not a valid choice.")] for name, value in request.json.items()
                 if self.datamodel.is_relation(name) and value is not None
                 and not (type(value) is int and INT_MIN <= value <= INT_MAX)}
        return self.response_422(message=wrong) if wrong else None

    def post_headless(self):
        problem = self._body_problem()
        if problem is not None:
            return problem
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as error:
            return self.response_422(message=translate_errors(error.messages))
        item.user_id = request_user().id
        return self._save(item, 201)

    def put_headless(self, pk):
        problem = self._body_problem()
        if problem is not None:
            return problem
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        payload = dict(request.json)
        seen = _seen_version(payload)
        if seen is not None and seen != item.version:  # optimistic locking: "version" in the body or If-Match
            return self.response(409, message=_("The record was changed by someone else; please refresh and try again."))
        try:
            rules.check_changeable(item)
            item = self.edit_model_schema.load(self._merge_update_item(item, payload), instance=item)
        except ValidationError as error:
            db.session.rollback()
            return self.response_422(message=translate_errors(error.messages))
        except DomainError as error:
            db.session.rollback()
            return self.response(409, message=str(error))
        return self._save(item, 200)

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            rules.prepare_delete(item)
            soft_delete(item, request_user().id)  # to the recycle bin (回收站)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            return self.response(409, message=str(error))
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            return self.response(409, message=_("The record was changed by someone else; please refresh and try again."))
        return self.response(200, message=_("Deleted."))

    def _save(self, item, status: int):
        try:
            rules.validate_record(item, request_user())
            rules.mark_changed(item)
            db.session.add(item)
            db.session.commit()
        except ValidationFailed as failure:
            db.session.rollback()
            return self.response_422(message=failure.errors)
        except DomainError as error:
            db.session.rollback()
            return self.response(409, message=str(error))
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            return self.response(409, message=_("The record was changed by someone else; please refresh and try again."))
        return self.response(status, id=item.id, result=self.show_model_schema.dump(item))


def _seen_version(payload) -> int | None:
    """The version the client loaded (taken out of the body), or the If-Match header; None when not given."""
    raw = payload.pop("version", None) if isinstance(payload, dict) else None
    if raw is None:
        raw = (request.headers.get("If-Match") or "").strip('W/" ') or None
    if raw is None:
        return None
    try:
        return int(raw) if not isinstance(raw, bool) else -1
    except (TypeError, ValueError):
        return -1  # never a real version: refused as stale


def _api(model, name: str, editable: list[str]) -> type:
    """A ProfileRecordApi subclass for one section at /api/v1/profile-<name>/."""
    return type(
        f"Profile{model.__name__}Api",
        (ProfileRecordApi,),
        {
            "resource_name": f"profile-{name}",
            "datamodel": SQLAInterface(model, db.session),
            "editable": editable,
            "__doc__": f"The signed-in applicant's {name} records.",
        },
    )


PROFILE_APIS = (
    _api(BasicInfo, "basic", [
        "ethnicity", "native_place", "political_status", "highest_education", "highest_degree", "major_studied",
        "graduated_school", "graduation_date", "work_start_date", "title_series", "specialty", "specialty_years",
        "current_title", "current_title_date", "annual_assessment", "foreign_language", "archive_unit",
        "postcode", "unit",
    ]),
    _api(Education, "education",
         ["start_date", "end_date", "school", "major", "education", "degree", "study_mode"]),
    _api(WorkExperience, "work", ["start_date", "end_date", "employer", "post", "duty", "witness"]),
    _api(Position, "position", [
        "employer_full_name", "employer_nature", "supervising_department", "current_post", "post_since",
        "qualification_name", "approving_authority", "qualification_date", "appointed_title", "appointed_date",
        "sanction", "sanction_date", "societies", "societies_since",
    ]),
    _api(Training, "training", ["start_date", "end_date", "content", "organiser", "hours"]),
    _api(ExamScore, "exam", ["exam_category", "exam_name", "score", "exam_date", "certificate_no"]),
    _api(Achievement, "achievement", [
        "start_date", "end_date", "completion_form", "project_name", "own_work", "completion_status",
        "effect_evaluation", "own_role", "project_level", "appraisal_conclusion", "award_name", "award_grade",
        "award_rank", "award_date", "category",
    ]),
    _api(Publication, "publication", [
        "kind", "title", "publisher", "serial_no", "published_on", "author_rank", "is_representative",
    ]),
    _api(Honour, "honour", ["description", "awarded_on"]),
)
