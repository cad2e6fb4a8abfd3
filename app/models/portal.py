"""Portal articles (通知公告, 政策法规, 办事指南, 常见问题, 文件下载) and their attached files (SPEC §10)."""
from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.mixins import SoftDeleteMixin, TimestampMixin, VersionedMixin


class ArticleCategory(enum.Enum):
    """The portal's columns, in the order of the navigation of seed 001."""

    policy = "policy"
    guide = "guide"
    notice = "notice"
    faq = "faq"
    download = "download"
    guidance = "guidance"  # 申报须知: the two singletons shown in the declaration workspace (seed 003)


PORTAL_CATEGORIES = (ArticleCategory.policy, ArticleCategory.guide, ArticleCategory.notice, ArticleCategory.faq,
                     ArticleCategory.download)
# The singletons of 申报须知 by slug, in the order of seed 003's tabs.
GUIDANCE_SLUGS = {
    "form_instructions": _l("Form-filling instructions"),
    "declaration_instructions": _l("Declaration instructions"),
}

ARTICLE_CATEGORY_LABELS = {
    ArticleCategory.policy: _l("Policies and regulations"),
    ArticleCategory.guide: _l("Service guide"),
    ArticleCategory.notice: _l("Notices and announcements"),
    ArticleCategory.faq: _l("Frequently asked questions"),
    ArticleCategory.download: _l("File downloads"),
    ArticleCategory.guidance: _l("Declaration guidance"),
}


class Article(SoftDeleteMixin, TimestampMixin, VersionedMixin, Model):
    """One article: public from its publish date on while it is published; pinned ones come first."""

    __tablename__ = "article"
    __table_args__ = (Index("ix_article_public", "category", "published", "publish_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[ArticleCategory] = mapped_column(
        Enum(ArticleCategory, name="article_category", native_enum=False, length=12), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    publish_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    slug: Mapped[str | None] = mapped_column(String(40), unique=True)  # a 申报须知 singleton (GUIDANCE_SLUGS)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))

    created_by = relationship("AppUser", foreign_keys=[created_by_id])
    updated_by = relationship("AppUser", foreign_keys=[updated_by_id])
    files = relationship("ArticleFile", back_populates="article", order_by="ArticleFile.id",
                         cascade="all, delete-orphan", lazy="selectin")

    def __str__(self) -> str:
        return self.title


class ArticleFile(Model):
    """A stored file (app/services/attachments.py) attached to an article."""

    __tablename__ = "article_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), nullable=False, index=True)
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), nullable=False, unique=True
    )

    article = relationship("Article", back_populates="files")
    attachment = relationship("Attachment", lazy="joined")
