"""结业名单导入: a provider's Excel list (证件号码, 姓名) of the learners who completed one of its classes.

Each row goes through app/workflow/training.py `mark_completed`, the rule the 结业 button uses; the runner commits
all rows or none.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import AppUser, Enrolment, EnrolmentStatus, TrainingClass
from app.services import identity
from app.services.imports.runner import Context, ImportKind
from app.services.imports.workbook import ImportColumn, text
from app.workflow import training


class CompletionImport(ImportKind):
    """结业名单导入 of one class."""

    sheet_title = "结业名单"
    unique_keys = (("id_number",),)
    notes = [
        _l("Fill in one learner who completed the class per row below the header row; do not change the headers."),
        _l("Each learner must have a confirmed enrolment in this class, and the name must match the ID number."),
        _l("Each completion records the class hours as an approved continuing-education record of the learner."),
        _l("The import is all or nothing: when any row has an error, no row is imported."),
    ]
    columns = [
        ImportColumn("id_number", "证件号码", text(32), required=True, as_text=True, width=24,
                     note=_l("The learner's ID number, as registered.")),
        ImportColumn("name", "姓名", text(64), required=True, width=14, note=_l("The learner's name.")),
    ]
    example: list[dict] = []

    def __init__(self, training_class: TrainingClass):
        self.class_id = training_class.id
        self.code = f"class-completions-{training_class.id}"
        self.title = _l("Import the completion list of %(name)s", name=training_class.name)

    def apply(self, values: dict, ctx: Context):
        training_class = db.session.get(TrainingClass, self.class_id)
        if training_class is None or training_class.provider_org_id not in training.provider_org_ids(ctx.actor):
            raise DomainError(_("The training class does not exist or is not one of your organisation's classes."))
        number = identity.normalise(values.get("id_number"))
        person = db.session.scalar(select(AppUser).where(AppUser.id_number == number))
        if person is None:
            raise ValidationFailed({"id_number": [_("No learner with this ID number is enrolled in the class.")]})
        enrolments = list(db.session.scalars(select(Enrolment).where(
            Enrolment.class_id == self.class_id, Enrolment.user_id == person.id).order_by(Enrolment.id.desc())))
        if not enrolments:
            raise ValidationFailed({"id_number": [_("No learner with this ID number is enrolled in the class.")]})
        name = (values.get("name") or "").replace(" ", "").replace("\u3000", "")
        if name != person.full_name.replace(" ", ""):
            raise ValidationFailed({"name": [_("The name does not match the ID number.")]})
        done = next((e for e in enrolments if e.completed_at is not None), None)
        if done is not None:
            raise ValidationFailed({"id_number": [_("The learner has already completed this class.")]})
        confirmed = next((e for e in enrolments if e.status == EnrolmentStatus.confirmed), None)
        if confirmed is None:
            raise ValidationFailed({"id_number": [_("The learner's enrolment was not confirmed.")]})
        try:
            return training.mark_completed(confirmed, ctx.actor)
        except DomainError as refused:
            if isinstance(refused, ValidationFailed):
                raise
            raise ValidationFailed({"id_number": [str(refused)]}) from None
