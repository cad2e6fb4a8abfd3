"""Training classes (培训班, seed 002 培训班报名申请 / 培训班情况查看): a provider's class, its subjects and enrolments."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import TimestampMixin, VersionedMixin, utcnow


class ClassStatus(enum.Enum):
    """班级状态: 未发布 → 接受报名 → 报名截止 → 已开班 → 已结班."""

    draft = "draft"
    open = "open"
    closed = "closed"
    started = "started"
    finished = "finished"


CLASS_STATUS_LABELS = {
    ClassStatus.draft: _l("Class not published"),
    ClassStatus.open: _l("Class accepting enrolments"),
    ClassStatus.closed: _l("Class enrolment closed"),
    ClassStatus.started: _l("Class started"),
    ClassStatus.finished: _l("Class finished"),
}

LEARNING_FORMS = ("face_to_face", "online")  # 培训组织形式


class TrainingClass(TimestampMixin, VersionedMixin, Model):
    """培训班: a course a provider (施教机构) runs on given dates for at most 拟招人数 learners."""

    __tablename__ = "training_class"
    __table_args__ = (
        Index("ix_training_class_listing", "status", "start_date"),
        Index("ix_training_class_course_type", "course_type", "start_date"),
        Index("ix_training_class_provider", "provider_org_id", "status"),
        # 报名成功 never exceeds 拟招人数: the conditional UPDATE of the counter is backed by this CHECK.
        CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="ck_training_class_seats"),
        CheckConstraint("capacity > 0 AND days > 0 AND hours >= 0", name="ck_training_class_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), nullable=False)  # 施教机构
    name: Mapped[str] = mapped_column(String(200), nullable=False)  # 培训班名称
    course_name: Mapped[str] = mapped_column(String(200), nullable=False)  # 培训课程名称
    course_type: Mapped[str] = mapped_column(String(20), nullable=False)  # dictionary course_type
    learning_form: Mapped[str] = mapped_column(String(20), nullable=False)  # 培训组织形式 (LEARNING_FORMS)
    days: Mapped[int] = mapped_column(Integer, nullable=False)  # 培训天数
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)  # 计划开班日期
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), nullable=False)  # 学时
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)  # 拟招人数
    head_teacher: Mapped[str | None] = mapped_column(String(50))  # 班主任姓名
    teachers: Mapped[str | None] = mapped_column(String(200))  # 授课老师姓名
    exam_type: Mapped[str | None] = mapped_column(String(50))  # 考试类型
    schedule: Mapped[str | None] = mapped_column(Text)  # 课程具体时间安排
    location: Mapped[str | None] = mapped_column(String(200))  # 学习地点
    status: Mapped[ClassStatus] = mapped_column(
        Enum(ClassStatus, name="class_status", native_enum=False, length=10), nullable=False,
        default=ClassStatus.draft,
    )
    confirmed_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 报名成功 enrolments

    provider = relationship("Org", lazy="joined")
    subjects = relationship("TrainingClassSubject", back_populates="training_class",
                            order_by="TrainingClassSubject.position", cascade="all, delete-orphan",
                            passive_deletes=True)

    @property
    def status_label(self) -> str:
        return str(CLASS_STATUS_LABELS[self.status])

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=max(self.days, 1) - 1)

    def __str__(self) -> str:
        return self.name


class TrainingClassSubject(Model):
    """科目信息: one subject of a class, in order."""

    __tablename__ = "training_class_subject"
    __table_args__ = (UniqueConstraint("class_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # 序号
    name: Mapped[str] = mapped_column(String(200), nullable=False)  # 科目名称

    training_class = relationship("TrainingClass", back_populates="subjects")


class EnrolmentStatus(enum.Enum):
    """报名状态: 已报名待确认 → 报名成功 / 报名失败 / 已取消."""

    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"
    cancelled = "cancelled"


ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.pending: _l("Enrolled, awaiting confirmation"),
    EnrolmentStatus.confirmed: _l("Enrolment succeeded"),
    EnrolmentStatus.rejected: _l("Enrolment failed"),
    EnrolmentStatus.cancelled: _l("Enrolment cancelled"),
}

# One live (pending or confirmed) enrolment per person and class, enforced by the database.
_LIVE_ENROLMENT = "status IN ('pending', 'confirmed')"


class Enrolment(TimestampMixin, VersionedMixin, Model):
    """报名: a person's place in a class, the provider's decision and the 结业 that earned the hours."""

    __tablename__ = "enrolment"
    __table_args__ = (
        Index("uq_enrolment_live", "class_id", "user_id", unique=True,
              sqlite_where=sa_text(_LIVE_ENROLMENT), postgresql_where=sa_text(_LIVE_ENROLMENT)),
        Index("ix_enrolment_class_status", "class_id", "status"),
        Index("ix_enrolment_user", "user_id", "enrolled_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[EnrolmentStatus] = mapped_column(
        Enum(EnrolmentStatus, name="enrolment_status", native_enum=False, length=10), nullable=False,
        default=EnrolmentStatus.pending,
    )
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)  # 报名日期
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # 结业
    ce_record_id: Mapped[int | None] = mapped_column(ForeignKey("ce_record.id", ondelete="SET NULL"), unique=True)

    training_class = relationship("TrainingClass", lazy="joined")
    user = relationship("AppUser", foreign_keys=[user_id])
    decided_by = relationship("AppUser", foreign_keys=[decided_by_id])
    ce_record = relationship("CeRecord")

    @property
    def status_label(self) -> str:
        return str(ENROLMENT_STATUS_LABELS[self.status])
