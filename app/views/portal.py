"""The public portal (seed 001's 首页 政策法规 办事指南 通知公告 常见问题 文件下载) and the admin's article screens.

Anyone may read a public article and download its files; a draft or a future-dated article is 404 to everyone
but the administrators, who manage articles (SPEC §10: admin-managed; the authority has no grant here).
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import ARTICLE_CATEGORY_LABELS, GUIDANCE_SLUGS, PORTAL_CATEGORIES, Article, ArticleCategory, ArticleFile
from app.security import roles as r
from app.services import attachments, audit, paging, portal
from app.services.workdays import local_today
from app.views.base import flash_failure

PAGE_SIZE = 20
EVENT_LABELS = {
    "publish": lambda: _("Publish"), "unpublish": lambda: _("Withdraw from publication"),
    "pin": lambda: _("Pin to the top"), "unpin": lambda: _("Unpin"),
}


def _category(code: str) -> ArticleCategory:
    try:
        category = ArticleCategory(code)
    except ValueError:
        abort(404)
    if category not in PORTAL_CATEGORIES:
        abort(404)
    return category


def _search_text() -> str:
    return (request.args.get("q") or "").strip()[:100]


def _page_of(query, order):
    """(rows, total, page, pages) of the requested page of the query."""
    found = paging.page_of(query.order_by(*order), request.args.get("page", 1, type=int), PAGE_SIZE)
    return found.rows, found.count, found.page, found.pages


def may_manage() -> bool:
    """Whether the current user manages articles (and so may preview unpublished ones)."""
    user = g.get("user")
    if user is None or not user.is_authenticated:
        return False
    return current_app.appbuilder.sm.has_access("can_edit", r.ARTICLE)


def visible_article(article_id: int) -> Article:
    """An article the current visitor may read: public, or any when they manage articles; 404 otherwise."""
    article = db.session.get(Article, article_id)
    if article is None or not ((portal.is_public(article) and article.category in PORTAL_CATEGORIES)
                               or may_manage()):
        abort(404)
    return article


def send_attachment(attachment):
    try:
        data = attachments.read(attachment)
    except FileNotFoundError:
        abort(404)
    audit.download(attachment, attachment.original_name)
    return send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name, max_age=0)


def portal_context() -> dict:
    """What every portal page needs: the navigation and the labels."""
    return {"categories": list(PORTAL_CATEGORIES), "category_labels": ARTICLE_CATEGORY_LABELS,
            "today": local_today(), "business_url": business_url()}


def business_url() -> str:
    """网上业务: the login page for a visitor, the applicant's 办理事项跟踪, or a staff member's 首页."""
    user = g.get("user")
    if user is None or not user.is_authenticated:
        return current_app.appbuilder.get_url_for_login
    if any(role.name == r.APPLICANT for role in user.roles):
        return url_for("ApplicationView.tracking")
    return url_for("HomeView.index")


class PortalView(BaseView):
    """/portal/: the public columns, an article and its files (no login)."""

    route_base = "/portal"
    default_view = "column"

    @expose("/<string:code>/")
    def column(self, code):
        category = _category(code)
        text = _search_text()
        query = select(Article).where(Article.category == category, portal.public_clause())
        if text:
            query = query.where(Article.title.contains(text, autoescape=True))
        rows, total, page, pages = _page_of(query, portal.public_order())
        return self.render_template("portal/column.html", title=str(ARTICLE_CATEGORY_LABELS[category]),
                                    category=category, rows=rows, total=total, page=page, pages=pages, q=text,
                                    **portal_context())

    @expose("/articles/<int:article_id>")
    def article(self, article_id):
        article = visible_article(article_id)
        return self.render_template("portal/article.html", title=article.title, article=article,
                                    paragraphs=[p for p in article.body.split("\n") if p.strip()],
                                    public=portal.is_public(article), **portal_context())

    @expose("/files/<int:file_id>")
    def download(self, file_id):
        attached = db.session.get(ArticleFile, file_id)
        if attached is None:
            abort(404)
        visible_article(attached.article_id)
        return send_attachment(attached.attachment)


# ----- the administrator's screens -----
FORM_FIELDS = ("category", "title", "body", "publish_date")


def _form_input() -> portal.ArticleInput:
    return portal.ArticleInput(
        **{name: request.form.get(name, "") for name in FORM_FIELDS},
        published=request.form.get("published") in ("y", "1", "on"),
        pinned=request.form.get("pinned") in ("y", "1", "on"))


class ArticleAdminView(BaseView):
    """/admin/articles/: 门户内容管理 — list, search, add, edit, publish, pin, attachments, delete."""

    route_base = "/admin/articles"
    class_permission_name = r.ARTICLE
    method_permission_name = {"index": "list", "add": "add", "edit": "edit", "act": "edit", "upload": "edit",
                              "delete_file": "edit", "delete": "delete", "guidance": "edit"}
    default_view = "index"

    def _article(self, article_id: int) -> Article:
        article = db.session.get(Article, article_id)
        if article is None:
            abort(404)
        return article

    @expose("/")
    @has_access
    def index(self):
        text = _search_text()
        code = request.args.get("category", "")
        query = select(Article)
        if text:
            query = query.where(Article.title.contains(text, autoescape=True))
        if code in ArticleCategory._value2member_map_:
            query = query.where(Article.category == ArticleCategory(code))
        else:
            code = ""
        rows, total, page, pages = _page_of(query, (Article.pinned.desc(), Article.publish_date.desc(),
                                                    Article.id.desc()))
        return self.render_template("portal/admin_list.html", title=_("Portal articles"), rows=rows, total=total,
                                    page=page, pages=pages, q=text, category_code=code,
                                    is_public=portal.is_public, guidance_slugs=GUIDANCE_SLUGS,
                                    all_categories=list(ArticleCategory), **portal_context())

    @expose("/guidance/<string:slug>", methods=["POST"])
    @has_access
    def guidance(self, slug):
        """填表说明 / 报名说明: open the singleton for editing, creating it (unpublished) the first time."""
        if slug not in GUIDANCE_SLUGS:
            abort(404)
        article = portal.ensure_guidance(slug, g.user)
        return redirect(url_for(".edit", article_id=article.id))

    def _form_page(self, article, values, errors=None, status=200):
        title = _("Edit article") if article else _("Add article")
        return self.render_template("portal/admin_form.html", title=title, article=article, values=values,
                                    errors=errors or {}, events=EVENT_LABELS, is_public=portal.is_public,
                                    max_files=portal.MAX_FILES, **portal_context()), status

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if request.method == "GET":
            return self._form_page(None, {"publish_date": local_today().isoformat(),
                                          "category": request.args.get("category", "")})
        try:
            article = portal.save(None, _form_input(), g.user, request.files.getlist("files"))
        except ValidationFailed as failure:
            return self._form_page(None, request.form, failure.errors, 400)
        except DomainError as error:
            flash_failure(error)
            return self._form_page(None, request.form, {}, 400)
        flash(_("The article was saved."), "success")
        return redirect(url_for(".edit", article_id=article.id))

    @expose("/<int:article_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, article_id):
        article = self._article(article_id)
        if request.method == "GET":
            values = {name: getattr(article, name) for name in FORM_FIELDS}
            values.update(category=article.category.value, publish_date=article.publish_date.isoformat(),
                          published=article.published, pinned=article.pinned)
            return self._form_page(article, values)
        try:
            portal.save(article.id, _form_input(), g.user, request.files.getlist("files"),
                        seen_version=request.form.get("version", type=int))
        except ValidationFailed as failure:
            return self._form_page(self._article(article_id), request.form, failure.errors, 400)
        except DomainError as error:
            flash_failure(error)
            return self._form_page(self._article(article_id), request.form, {}, 409)
        flash(_("The article was saved."), "success")
        return redirect(url_for(".edit", article_id=article_id))

    @expose("/<int:article_id>/act", methods=["POST"])
    @has_access
    def act(self, article_id):
        article = self._article(article_id)
        event = request.form.get("event", "")
        try:
            portal.set_flag(article.id, event, g.user, request.form.get("version", type=int))
        except DomainError as error:
            flash_failure(error)
        else:
            flash(_("Done: %(what)s.", what=EVENT_LABELS[event]()), "success")
        return redirect(request.form.get("back") == "list" and url_for(".index") or url_for(".edit", article_id=article_id))

    @expose("/<int:article_id>/files", methods=["POST"])
    @has_access
    def upload(self, article_id):
        article = self._article(article_id)
        try:
            portal.add_files(article.id, request.files.getlist("files"), g.user, request.form.get("version", type=int))
        except DomainError as error:
            flash_failure(error)
        else:
            flash(_("The attachments were added."), "success")
        return redirect(url_for(".edit", article_id=article_id))

    @expose("/<int:article_id>/files/<int:file_id>/delete", methods=["POST"])
    @has_access
    def delete_file(self, article_id, file_id):
        article = self._article(article_id)
        try:
            portal.delete_file(article.id, file_id, g.user, request.form.get("version", type=int))
        except DomainError as error:
            flash_failure(error)
        else:
            flash(_("The attachment was deleted."), "success")
        return redirect(url_for(".edit", article_id=article_id))

    @expose("/<int:article_id>/delete", methods=["POST"])
    @has_access
    def delete(self, article_id):
        article = self._article(article_id)
        try:
            portal.delete(article.id, g.user, request.form.get("version", type=int))
        except DomainError as error:
            flash_failure(error)
            return redirect(url_for(".edit", article_id=article_id))
        flash(_("The article was deleted."), "success")
        return redirect(url_for(".index"))
