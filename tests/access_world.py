"""The access sweep's world: the demo province plus one person, unit, provider and committee outside every demo
actor's reach except the admin's and the authority's (the province), each with one record of every kind.

`build(app)` returns {kind: id} of those foreign records, and `OWN` kinds built from the demo actors' own data.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.inspection import inspect

import factories as f
from app.documents import archive
from app.extensions import db
from app.models import (
    Achievement, ArchivedDocument, Application, AppState, Attachment, BusinessType, CeRecord, OrgKind, ReviewBatch,
)
from app.models.account import AppealStatus, PasswordAppeal
from app.models.ce import CeCertificate, UnitBinding
from app.models.certificate import Certificate
from app.models.credit import CreditRecord, CreditSubjectType
from app.models.message import Message
from app.models.mixins import utcnow
from app.models.objection import Objection
from app.models.profile import (
    BasicInfo, Education, ExamScore, Honour, Position, Publication, Training, WorkExperience,
)
from app.models.profile_review import ProfileReview
from app.models.training import ClassStatus, Enrolment, EnrolmentStatus, TrainingClass
from app.services import attachments
from app.services.workdays import local_today

OUTSIDER = "outsider_x"
MARKER = "域外某"  # the outsider's full name: it must never show on a page of someone who may not see it
PROVIDER_2 = "域外继续教育学院"
COMMITTEE_2 = "域外高级职称评审委员会"

PROFILE_KINDS = {
    "education": Education, "work": WorkExperience, "position": Position, "training": Training,
    "exam": ExamScore, "achievement": Achievement, "publication": Publication, "honour": Honour,
}


def clone(row, **changes):
    """A copy of a mapped row with a new primary key and the given column values."""
    mapper = inspect(type(row))
    values = {c.key: getattr(row, c.key) for c in mapper.column_attrs if c.key != "id"}
    values.update(changes)
    copy = type(row)(**values)
    db.session.add(copy)
    db.session.flush()
    return copy


def build(app) -> dict[str, int]:
    with app.app_context():
        ids: dict[str, int] = {}
        applicant = f.user("demo_applicant")
        outsider = f.make_person(OUTSIDER, "Demo@2026zp",
                                 f.UNIT_C, birth="19790101")
        outsider.last_name, outsider.first_name = MARKER[0], MARKER[1:]
        unit_c = f.org(f.UNIT_C)
        authority = f.org(f.AUTHORITY)
        ids["user"] = outsider.id
        ids["basic"] = db.session.scalar(select(BasicInfo.id).where(BasicInfo.user_id == outsider.id))
        # one of every profile record, copied from demo_applicant's, with a file of the outsider's
        source_attachment = db.session.scalar(select(Attachment).where(Attachment.owner_id == applicant.id).limit(1))
        attachment = clone(source_attachment, owner_id=outsider.id,
                           storage_key=attachments.write(f.pdf_bytes(MARKER)))
        ids["attachment"] = attachment.id
        for kind, model in PROFILE_KINDS.items():
            row = db.session.scalar(select(model).where(model.user_id == applicant.id).limit(1))
            changes = {"user_id": outsider.id}
            if hasattr(row, "attachment_id"):
                changes["attachment_id"] = attachment.id
            ids[kind] = clone(row, **changes).id
        review = db.session.scalar(select(ProfileReview).limit(1))
        ids["profile_review"] = clone(review, user_id=outsider.id, unit_id=unit_c.id,
                                      supervisor_id=f.org(f.SUPERVISOR_2).id).id
        # an application in the other supervisor's review, with its archived forms and an objection
        application = Application(
            business_type=BusinessType.recognition, user_id=outsider.id, state=AppState.supervisor_review,
            series="GC", title="GC_4", level="4", form={}, unit_id=unit_c.id,
            supervisor_id=f.org(f.SUPERVISOR_2).id, authority_id=authority.id,
            submitted_at=utcnow() - dt.timedelta(days=3), state_entered_at=utcnow() - dt.timedelta(days=2),
        )
        db.session.add(application)
        db.session.flush()
        archive.capture(application, outsider, utcnow())
        db.session.flush()
        ids["application"] = application.id
        ids["archived_document"] = db.session.scalar(select(ArchivedDocument.id).where(
            ArchivedDocument.application_id == application.id).limit(1))
        objection = Objection(application_id=application.id, phase="unit_publicity", raised_by=MARKER,
                              content=MARKER)
        db.session.add(objection)
        # a message, a CE record, a binding, a CE certificate, an appeal of the outsider's
        message = db.session.scalar(select(Message).limit(1))
        ids["message"] = clone(message, recipient_id=outsider.id, dedupe_key=None, read_at=None).id
        ce = db.session.scalar(select(CeRecord).where(CeRecord.user_id == applicant.id).limit(1))
        ids["ce_record"] = clone(ce, user_id=outsider.id, unit_id=unit_c.id).id
        binding = db.session.scalar(select(UnitBinding).limit(1))
        ids["binding"] = clone(binding, user_id=outsider.id, unit_id=unit_c.id).id
        ce_certificate = CeCertificate(number="CE-X-000001", verification_code="ABCDEFGH", holder_id=outsider.id,
                                       holder_name=MARKER, year=local_today().year - 1, **_ce_certificate_extra())
        db.session.add(ce_certificate)
        appeal = PasswordAppeal(user_id=outsider.id, contact_phone="13900000009", reason=MARKER,
                                expected_password_hash="x", status=AppealStatus.pending)
        db.session.add(appeal)
        # a certificate and a 失信记录 of the outsider's, recorded by the other supervisor
        certificate = Certificate(number="GD-X-000001", verification_code="XYZ123", holder_id=outsider.id,
                                  holder_name=MARKER, series="GC", title="GC_4", level="4",
                                  issuer_id=authority.id, issued_on=local_today())
        db.session.add(certificate)
        credit = CreditRecord(subject_type=CreditSubjectType.person, subject_name=MARKER,
                              subject_number=outsider.id_number, user_id=outsider.id, content=MARKER,
                              decision=MARKER, valid_from=local_today(),
                              valid_until=local_today() + dt.timedelta(days=365),
                              recorder_org_id=f.org(f.SUPERVISOR_2).id)
        db.session.add(credit)
        # another provider's class with the outsider's enrolment; another committee's batch
        provider = f.make_org(PROVIDER_2, OrgKind.provider, f.AUTHORITY)
        training_class = TrainingClass(
            provider_org_id=provider.id, name=MARKER + "培训班", course_name=MARKER, course_type="01",
            learning_form="face_to_face", days=2, start_date=local_today() + dt.timedelta(days=30), hours=16,
            capacity=10, status=ClassStatus.draft,
        )
        db.session.add(training_class)
        db.session.flush()
        enrolment = Enrolment(class_id=training_class.id, user_id=outsider.id, status=EnrolmentStatus.pending)
        db.session.add(enrolment)
        committee = f.make_org(COMMITTEE_2, OrgKind.committee, f.AUTHORITY)
        batch = ReviewBatch(committee_id=committee.id, name=MARKER + "评审批次", series="GC", level="4",
                            opens_on=local_today() - dt.timedelta(days=5),
                            closes_on=local_today() + dt.timedelta(days=5))
        db.session.add(batch)
        db.session.flush()
        ids.update(objection=objection.id, ce_certificate=ce_certificate.id, appeal=appeal.id,
                   certificate=certificate.id, credit=credit.id, training_class=training_class.id,
                   enrolment=enrolment.id, batch=batch.id, org=unit_c.id, provider=provider.id,
                   committee=committee.id)
        db.session.commit()
        ids.update(_global_ids())
        db.session.remove()
        return ids


# Kinds every actor of an endpoint's group may see (platform-wide data, no scope).
GLOBAL_KINDS = {"dict_type", "dict_item", "ce_policy", "role", "permission", "viewmenu", "permissionview",
                "operation_log", "change_log", "login_log", "article", "article_file"}


def _global_ids() -> dict[str, int]:
    from app.models import ChangeLog, DictItem, DictType, LoginLog, OperationLog
    from app.models.ce import CePolicy
    from app.models.portal import Article, ArticleFile

    sm = db.session
    first = lambda column: sm.scalar(select(column).order_by(column).limit(1))  # noqa: E731
    from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu
    return {
        "dict_type": first(DictType.id), "dict_item": first(DictItem.id), "ce_policy": first(CePolicy.id),
        "role": first(Role.id), "permission": first(Permission.id),
        "viewmenu": first(ViewMenu.id), "permissionview": first(PermissionView.id),
        "operation_log": first(OperationLog.id), "change_log": first(ChangeLog.id), "login_log": first(LoginLog.id), "article": first(Article.id),
        "article_file": first(ArticleFile.id),
    }


def _ce_certificate_extra() -> dict:
    """Required columns of CeCertificate beyond number, code, user and year (read from the model)."""
    extra = {}
    for column in CeCertificate.__table__.columns:
        if column.nullable or column.default is not None or column.primary_key:
            continue
        if column.name in ("number", "verification_code", "holder_id", "holder_name", "year"):
            continue
        python_type = column.type.python_type
        extra[column.name] = (False if python_type is bool else MARKER if python_type is str else 0 if python_type in (int, float)
                              else local_today() if python_type is dt.date else utcnow())
    return extra


def build_own(app) -> dict[str, int]:
    """Records of the demo actors' own: an application of demo_applicant in its unit's review, a class of the
    demo provider's; the rest comes from the demo data."""
    with app.app_context():
        applicant = f.user("demo_applicant")
        application = Application(
            business_type=BusinessType.recognition, user_id=applicant.id, state=AppState.unit_review, series="GC",
            title="GC_4", level="4", form={}, unit_id=f.org(f.UNIT_A).id, supervisor_id=f.org(f.SUPERVISOR_1).id,
            authority_id=f.org(f.AUTHORITY).id, submitted_at=utcnow() - dt.timedelta(days=1),
            state_entered_at=utcnow() - dt.timedelta(days=1),
        )
        db.session.add(application)
        training_class = TrainingClass(
            provider_org_id=f.org(f.PROVIDER).id, name="本机构培训班", course_name="本机构课程", course_type="01",
            learning_form="face_to_face", days=2, start_date=local_today() + dt.timedelta(days=30), hours=16,
            capacity=10, status=ClassStatus.draft,
        )
        db.session.add(training_class)
        db.session.commit()
        first = lambda model, *where: db.session.scalar(select(model.id).where(*where).order_by(model.id).limit(1))  # noqa: E731
        own = {
            "application": application.id, "training_class": training_class.id,
            "achievement": first(Achievement, Achievement.user_id == applicant.id),
            "education": first(Education, Education.user_id == applicant.id),
            "ce_record": first(CeRecord, CeRecord.user_id == applicant.id),
            "message": first(Message, Message.recipient_id == applicant.id),
            "profile_review": first(ProfileReview, ProfileReview.user_id == applicant.id),
            "batch": first(ReviewBatch, ReviewBatch.committee_id == f.org(f.COMMITTEE).id),
            "org": f.org(f.UNIT_A).id, "user": f.user("demo_unit").id,
        }
        db.session.remove()
        return own
