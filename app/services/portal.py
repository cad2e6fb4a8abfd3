"""Portal articles: who sees what (published, from the publish date on), and the admin's changes.

Every change validates first and raises one ValidationFailed naming the fields, then commits once with its
operation-log row; a file stored during a refused change is removed again by the attachments service.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm.exc import StaleDataError

from app.errors import DomainError, ErrorCollector, ValidationFailed
from app.extensions import db
from app.models import GUIDANCE_SLUGS, PORTAL_CATEGORIES, Article, ArticleCategory, ArticleFile, AppUser
from app.models.mixins import utcnow
from app.models.soft_delete import soft_delete
from app.services import attachments, audit
from app.services.workdays import local_today

MAX_TITLE = 200
MAX_BODY = 20000
MAX_FILES = 10


class StaleArticle(DomainError):
    """The article was changed by someone else since the form was shown."""


def stale() -> StaleArticle:
    return StaleArticle(_("This article was changed by someone else in the meantime; nothing was saved. "
                          "Please review the current version and try again."))


def public_clause(today: dt.date | None = None) -> ColumnElement[bool]:
    """Articles anyone may read: published, and on or after their publish date."""
    return and_(Article.published.is_(True), Article.publish_date <= (today or local_today()))


def is_public(article: Article) -> bool:
    return bool(article.published and article.publish_date <= local_today())


def public_order() -> tuple:
    """Pinned first, then the newest."""
    return (Article.pinned.desc(), Article.publish_date.desc(), Article.id.desc())


def latest(per_category: int = 6) -> dict[ArticleCategory, list[Article]]:
    """The latest public articles of each column (one query per column: a fixed number)."""
    return {
        category: list(db.session.scalars(
            select(Article).where(Article.category == category, public_clause())
            .order_by(*public_order()).limit(per_category)))
        for category in PORTAL_CATEGORIES
    }


def guidance() -> list[tuple[str, Article]]:
    """The published 申报须知 (填表说明, 报名说明) shown in the declaration workspace, in tab order."""
    found = {article.slug: article for article in db.session.scalars(
        select(Article).where(Article.slug.in_(list(GUIDANCE_SLUGS)), public_clause()))}
    return [(str(label), found[slug]) for slug, label in GUIDANCE_SLUGS.items() if slug in found]


def ensure_guidance(slug: str, actor: AppUser) -> Article:
    """The 申报须知 singleton of the slug, created (unpublished, empty) when it does not exist yet; commits."""
    if slug not in GUIDANCE_SLUGS:
        raise DomainError(_("Unknown operation."))
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        article = Article(category=ArticleCategory.guidance, slug=slug, title=str(GUIDANCE_SLUGS[slug]), body="",
                          publish_date=local_today(), published=False, created_by_id=actor.id,
                          updated_by_id=actor.id)
        db.session.add(article)
        db.session.flush()
        audit.record("article.add", article, actor=actor)
        db.session.commit()
    return article


@dataclass(frozen=True)
class ArticleInput:
    """The article form as typed (strings), checked by `save`."""

    category: str = ""
    title: str = ""
    body: str = ""
    publish_date: str = ""
    published: bool = False
    pinned: bool = False


def _checked(data: ArticleInput, uploads: list, fixed: ArticleCategory | None = None
             ) -> tuple[ArticleCategory | None, str, str, dt.date | None]:
    errors = ErrorCollector()
    category = fixed
    if fixed is None:
        try:
            category = ArticleCategory((data.category or "").strip())
        except ValueError:
            category = None
        if category not in PORTAL_CATEGORIES:
            errors.add("category", _("Category: please choose one of the listed categories."))
    title = (data.title or "").strip()
    if not title:
        errors.add("title", _("Title: please enter the title."))
    elif len(title) > MAX_TITLE:
        errors.add("title", _("Title: at most %(n)d characters.", n=MAX_TITLE))
    body = (data.body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        errors.add("body", _("Text: at most %(n)d characters.", n=MAX_BODY))
    publish_date = None
    raw = (data.publish_date or "").strip()
    if not raw:
        errors.add("publish_date", _("Publish date: please enter the date from which the article is public."))
    else:
        try:
            publish_date = dt.date.fromisoformat(raw)
        except ValueError:
            errors.add("publish_date", _("Publish date: not a valid date (use YYYY-MM-DD)."))
        else:
            if not dt.date(2000, 1, 1) <= publish_date <= dt.date(2099, 12, 31):
                errors.add("publish_date", _("Publish date: the date must lie between 2000 and 2099."))
    if len(uploads) > MAX_FILES:
        errors.add("files", _("Attachments: at most %(n)d files at a time.", n=MAX_FILES))
    errors.raise_if_any()
    return category, title, body, publish_date


def _store_files(article: Article, uploads: list, actor: AppUser) -> None:
    """Check and store every upload; ValidationFailed on the field `files` naming the refused file."""
    if len(article.files) + len(uploads) > MAX_FILES:
        raise ValidationFailed({"files": [_("Attachments: an article may have at most %(n)d files.", n=MAX_FILES)]})
    for upload in uploads:
        try:
            stored = attachments.store("files", upload, actor.id, attachments.PORTAL_FILE)
        except ValidationFailed as failure:
            name = attachments.clean_name(upload.filename)
            raise ValidationFailed({"files": [_("Attachment %(name)s: %(problem)s", name=name, problem=message)
                                              for message in failure.errors.get("files", [])]}) from None
        article.files.append(ArticleFile(attachment=stored))


def get(article_id: int) -> Article | None:
    return db.session.get(Article, article_id)


def _existing(article_id: int, seen_version: int | None) -> Article:
    article = get(article_id)
    if article is None:
        raise DomainError(_("The article does not exist."))
    if seen_version is None or seen_version != article.version:
        raise stale()
    return article


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise stale() from None


def save(article_id: int | None, data: ArticleInput, actor: AppUser, uploads: list | None = None,
         seen_version: int | None = None) -> Article:
    """Add (article_id None) or change an article, with any new files; commits. ValidationFailed / StaleArticle."""
    uploads = [upload for upload in (uploads or []) if upload is not None and upload.filename]
    try:
        article = _existing(article_id, seen_version) if article_id is not None else None
        # A 申报须知 singleton keeps its column; no other article can be put into it.
        fixed = ArticleCategory.guidance if article is not None and article.slug else None
        category, title, body, publish_date = _checked(data, uploads, fixed)
        if article is None:
            article = Article(created_by_id=actor.id, files=[])
            db.session.add(article)
        article.category, article.title, article.body, article.publish_date = category, title, body, publish_date
        article.published, article.pinned = bool(data.published), bool(data.pinned)
        article.updated_by_id, article.updated_at = actor.id, utcnow()  # the row changes: its version moves
        _store_files(article, uploads, actor)
        db.session.flush()
        audit.record("article.add" if article_id is None else "article.edit", article, actor=actor)
        _commit()
    except DomainError:
        db.session.rollback()
        raise
    return article


FLAGS = {"publish": ("published", True), "unpublish": ("published", False), "pin": ("pinned", True),
         "unpin": ("pinned", False)}


def set_flag(article_id: int, event: str, actor: AppUser, seen_version: int | None) -> Article:
    """发布 / 取消发布 / 置顶 / 取消置顶; commits."""
    if event not in FLAGS:
        raise DomainError(_("Unknown operation."))
    try:
        article = _existing(article_id, seen_version)
        column, value = FLAGS[event]
        setattr(article, column, value)
        article.updated_by_id, article.updated_at = actor.id, utcnow()  # the row changes: its version moves
        audit.record(f"article.{event}", article, actor=actor)
        _commit()
    except DomainError:
        db.session.rollback()
        raise
    return article


def add_files(article_id: int, uploads: list, actor: AppUser, seen_version: int | None) -> Article:
    """Attach more files to an article; commits. ValidationFailed on `files` when one is refused (none kept)."""
    uploads = [upload for upload in uploads if upload is not None and upload.filename]
    try:
        article = _existing(article_id, seen_version)
        if not uploads:
            raise ValidationFailed({"files": [_("Attachments: please choose at least one file.")]})
        _store_files(article, uploads, actor)
        article.updated_by_id, article.updated_at = actor.id, utcnow()  # the row changes: its version moves
        audit.record("article.files.add", article, actor=actor, detail=", ".join(
            attachments.clean_name(upload.filename) for upload in uploads))
        _commit()
    except DomainError:
        db.session.rollback()
        raise
    return article


def delete_file(article_id: int, file_id: int, actor: AppUser, seen_version: int | None) -> Article:
    """Remove one attached file (the stored file goes after the commit)."""
    try:
        article = _existing(article_id, seen_version)
        found = next((f for f in article.files if f.id == file_id), None)
        if found is None:
            raise DomainError(_("The attachment does not exist."))
        name = found.attachment.original_name
        attachment = found.attachment
        article.files.remove(found)
        attachments.discard(attachment)
        article.updated_by_id, article.updated_at = actor.id, utcnow()  # the row changes: its version moves
        audit.record("article.files.delete", article, actor=actor, detail=name)
        _commit()
    except DomainError:
        db.session.rollback()
        raise
    return article


def delete(article_id: int, actor: AppUser, seen_version: int | None) -> None:
    """Delete an article (soft: the admin can restore it from the recycle bin)."""
    try:
        article = _existing(article_id, seen_version)
        if article.slug:
            raise DomainError(_("The declaration guidance cannot be deleted; withdraw it from publication instead."))
        audit.record("article.delete", article, actor=actor, detail=article.title[:200])
        soft_delete(article, actor.id)  # to the recycle bin (回收站): files kept for a restore
        _commit()
    except DomainError:
        db.session.rollback()
        raise


def count_public(category: ArticleCategory) -> int:
    return db.session.scalar(select(func.count()).select_from(Article)
                             .where(Article.category == category, public_clause())) or 0
