"""The personal profile (个人信息维护): 基本信息 and the record sections, each record reviewed on its own."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.models.mixins import SoftDeleteMixin, TimestampMixin, VersionedMixin


class RecordStatus(enum.Enum):
    """完成情况 of one profile record."""

    draft = "draft"
    unit_review = "unit_review"
    supervisor_review = "supervisor_review"
    approved = "approved"
    returned = "returned"


RECORD_STATUS_LABELS = {
    RecordStatus.draft: _l("To be submitted"),
    RecordStatus.unit_review: _l("Under review (unit)"),
    RecordStatus.supervisor_review: _l("Under review (supervisor)"),
    RecordStatus.approved: _l("Approved"),
    RecordStatus.returned: _l("Returned"),
}
UNDER_REVIEW = (RecordStatus.unit_review, RecordStatus.supervisor_review)


class ProfileRecordMixin(TimestampMixin, VersionedMixin):
    """Owner and review state shared by every profile record."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[RecordStatus] = mapped_column(
        Enum(RecordStatus, name="record_status", native_enum=False, length=20),
        nullable=False, default=RecordStatus.draft,
    )
    review_comment: Mapped[str | None] = mapped_column(String(500))

    @declared_attr
    def user_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy's declared_attr signature
        return mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805
        args = [Index(f"ix_{cls.__tablename__}_user_status", "user_id", "status")]
        own = getattr(cls, "__annotations__", {})
        if "end_date" in own:  # validate_record refuses an end before the start; so does the database
            args.append(CheckConstraint("end_date IS NULL OR end_date >= start_date",
                                        name=f"ck_{cls.__tablename__}_dates"))
        if "hours" in own:
            args.append(CheckConstraint("hours > 0", name=f"ck_{cls.__tablename__}_hours"))
        return tuple(args)

    @property
    def locked(self) -> bool:
        """Records under review cannot be changed or deleted."""
        return self.status in UNDER_REVIEW


class AttachedMixin:
    """A record with one optional PDF attachment."""

    @declared_attr
    def attachment_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))

    @declared_attr
    def attachment(cls):  # noqa: N805
        return relationship("Attachment", lazy="joined")


class AssessmentResult(enum.Enum):
    """年度考核结果."""

    excellent = "excellent"
    competent = "competent"
    basically_competent = "basically_competent"
    incompetent = "incompetent"


ASSESSMENT_LABELS = {
    AssessmentResult.excellent: _l("Excellent"),
    AssessmentResult.competent: _l("Competent"),
    AssessmentResult.basically_competent: _l("Basically competent"),
    AssessmentResult.incompetent: _l("Incompetent"),
}


class BasicInfo(ProfileRecordMixin, Model):
    """基本信息: one per person; name, sex, 证件 and birth date come from the account."""

    __tablename__ = "profile_basic"
    # One row per person: a unique index on the owner instead of the sections' (owner, status) index.
    __table_args__ = (Index("uq_profile_basic_user", "user_id", unique=True),)

    ethnicity: Mapped[str | None] = mapped_column(String(8))
    native_place: Mapped[str | None] = mapped_column(String(60))
    political_status: Mapped[str | None] = mapped_column(String(8))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))
    highest_education: Mapped[str | None] = mapped_column(String(8))
    highest_degree: Mapped[str | None] = mapped_column(String(8))
    major_studied: Mapped[str | None] = mapped_column(String(100))
    graduated_school: Mapped[str | None] = mapped_column(String(100))
    graduation_date: Mapped[dt.date | None] = mapped_column(Date)
    work_start_date: Mapped[dt.date | None] = mapped_column(Date)
    title_series: Mapped[str | None] = mapped_column(String(20))
    specialty: Mapped[str | None] = mapped_column(String(20))
    specialty_years: Mapped[int | None] = mapped_column(Integer)
    # No current title (当前职称为无) is stored as NULL; its date is then the date work started.
    current_title: Mapped[str | None] = mapped_column(String(20))
    current_title_date: Mapped[dt.date | None] = mapped_column(Date)
    annual_assessment: Mapped[AssessmentResult | None] = mapped_column(
        Enum(AssessmentResult, name="assessment_result", native_enum=False, length=24)
    )
    foreign_language: Mapped[str | None] = mapped_column(String(100))
    archive_unit: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(6))
    # active_history: the unit-change rule compares with the stored unit even after an expiry.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True, active_history=True)

    user = relationship("AppUser", lazy="joined")
    unit = relationship("Org", lazy="joined")
    photo = relationship("Attachment", lazy="joined")



class Education(AttachedMixin, SoftDeleteMixin, ProfileRecordMixin, Model):
    """学历教育."""

    __tablename__ = "profile_education"

    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(100), nullable=False)
    major: Mapped[str] = mapped_column(String(100), nullable=False)
    education: Mapped[str] = mapped_column(String(8), nullable=False)
    degree: Mapped[str | None] = mapped_column(String(8))
    study_mode: Mapped[str] = mapped_column(String(20), nullable=False)


class WorkExperience(AttachedMixin, SoftDeleteMixin, ProfileRecordMixin, Model):
    """工作经历."""

    __tablename__ = "profile_work"

    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    employer: Mapped[str] = mapped_column(String(100), nullable=False)
    post: Mapped[str] = mapped_column(String(60), nullable=False)
    duty: Mapped[str | None] = mapped_column(String(60))
    witness: Mapped[str | None] = mapped_column(String(30))


class EmployerNature(enum.Enum):
    """Whether the employer is an enterprise or a public institution (企业/事业)."""

    enterprise = "enterprise"
    institution = "institution"
    government = "government"
    other = "other"


EMPLOYER_NATURE_LABELS = {
    EmployerNature.enterprise: _l("Enterprise"),
    EmployerNature.institution: _l("Public institution"),
    EmployerNature.government: _l("Government agency"),
    EmployerNature.other: _l("Other"),
}


class Position(SoftDeleteMixin, ProfileRecordMixin, Model):
    """任职情况 (seed 003 §8)."""

    __tablename__ = "profile_position"

    employer_full_name: Mapped[str] = mapped_column(String(100), nullable=False)
    employer_nature: Mapped[EmployerNature] = mapped_column(
        Enum(EmployerNature, name="employer_nature", native_enum=False, length=16), nullable=False
    )
    supervising_department: Mapped[str | None] = mapped_column(String(100))
    current_post: Mapped[str] = mapped_column(String(100), nullable=False)
    post_since: Mapped[dt.date] = mapped_column(Date, nullable=False)
    qualification_name: Mapped[str | None] = mapped_column(String(60))
    approving_authority: Mapped[str | None] = mapped_column(String(100))
    qualification_date: Mapped[dt.date | None] = mapped_column(Date)
    appointed_title: Mapped[str | None] = mapped_column(String(60))
    appointed_date: Mapped[dt.date | None] = mapped_column(Date)
    sanction: Mapped[str | None] = mapped_column(String(200))
    sanction_date: Mapped[dt.date | None] = mapped_column(Date)
    societies: Mapped[str | None] = mapped_column(String(200))
    societies_since: Mapped[dt.date | None] = mapped_column(Date)


class Training(SoftDeleteMixin, ProfileRecordMixin, Model):
    """继续教育及培训."""

    __tablename__ = "profile_training"

    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    content: Mapped[str] = mapped_column(String(200), nullable=False)
    organiser: Mapped[str] = mapped_column(String(100), nullable=False)
    hours: Mapped[float] = mapped_column(Numeric(6, 1), nullable=False)


class ExamScore(SoftDeleteMixin, ProfileRecordMixin, Model):
    """考试成绩."""

    __tablename__ = "profile_exam"

    exam_category: Mapped[str] = mapped_column(String(30), nullable=False)
    exam_name: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[str] = mapped_column(String(20), nullable=False)
    exam_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    certificate_no: Mapped[str | None] = mapped_column(String(50))


class AchievementCategory(enum.Enum):
    """The three groups of the 审核表 (seed 003 §11)."""

    ordinary = "ordinary"
    major_problem = "major_problem"
    awarded = "awarded"


ACHIEVEMENT_CATEGORY_LABELS = {
    AchievementCategory.ordinary: _l("Ordinary project"),
    AchievementCategory.major_problem: _l("Led project solving a major technical problem"),
    AchievementCategory.awarded: _l("Award-winning project"),
}


class Achievement(AttachedMixin, SoftDeleteMixin, ProfileRecordMixin, Model):
    """专业技术工作及业绩成果."""

    __tablename__ = "profile_achievement"

    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    completion_form: Mapped[str] = mapped_column(String(20), nullable=False)
    project_name: Mapped[str] = mapped_column(String(200), nullable=False)
    own_work: Mapped[str] = mapped_column(Text, nullable=False)
    completion_status: Mapped[str | None] = mapped_column(String(200))
    effect_evaluation: Mapped[str | None] = mapped_column(Text)
    own_role: Mapped[str | None] = mapped_column(String(200))
    project_level: Mapped[str | None] = mapped_column(String(20))
    appraisal_conclusion: Mapped[str | None] = mapped_column(String(200))
    award_name: Mapped[str | None] = mapped_column(String(100))
    award_grade: Mapped[str | None] = mapped_column(String(30))
    award_rank: Mapped[int | None] = mapped_column(Integer)
    award_date: Mapped[dt.date | None] = mapped_column(Date)
    category: Mapped[AchievementCategory] = mapped_column(
        Enum(AchievementCategory, name="achievement_category", native_enum=False, length=16),
        nullable=False, default=AchievementCategory.ordinary,
    )


class PublicationKind(enum.Enum):
    """论文 / 著作 / 省部级技术标准 (seed 003 §12)."""

    paper = "paper"
    book = "book"
    standard = "standard"


PUBLICATION_KIND_LABELS = {
    PublicationKind.paper: _l("Paper"),
    PublicationKind.book: _l("Book"),
    PublicationKind.standard: _l("Provincial or ministerial technical standard"),
}


class Publication(AttachedMixin, SoftDeleteMixin, ProfileRecordMixin, Model):
    """学术成果."""

    __tablename__ = "profile_publication"

    kind: Mapped[PublicationKind] = mapped_column(
        Enum(PublicationKind, name="publication_kind", native_enum=False, length=10), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    publisher: Mapped[str] = mapped_column(String(100), nullable=False)
    serial_no: Mapped[str | None] = mapped_column(String(50))
    published_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    author_rank: Mapped[int] = mapped_column(Integer, nullable=False)
    is_representative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Honour(AttachedMixin, SoftDeleteMixin, ProfileRecordMixin, Model):
    """荣誉称号."""

    __tablename__ = "profile_honour"

    description: Mapped[str] = mapped_column(String(200), nullable=False)
    awarded_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
