"""The public portal and its articles: what anonymous visitors see, the admin's article screens (bad input,
optimistic locking, attachments), who may reach them, and the login box of the portal."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, ArticleCategory, ArticleFile, Attachment
from app.services.workdays import local_today
from factories import pdf_bytes, user
from test_i18n_pages import SOURCE, visible_text

DOCX = "专业技术资格评审申报材料清单.docx"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def make_article(title: str, category=ArticleCategory.notice, days_ago: int = 1, published: bool = True,
                 pinned: bool = False, files: list[tuple[str, bytes, str]] = ()) -> int:
    from app.services import attachments

    admin = user("demo_admin")
    article = Article(category=category, title=title, body=f"{title}\n第二段<script>alert(1)</script>",
                      publish_date=local_today() - dt.timedelta(days=days_ago), published=published, pinned=pinned,
                      created_by_id=admin.id, updated_by_id=admin.id)
    for name, data, content_type in files:
        article.files.append(ArticleFile(attachment=Attachment(
            owner_id=admin.id, storage_key=attachments.write(data), original_name=name, content_type=content_type,
            size=len(data), sha256="0" * 64)))
    db.session.add(article)
    db.session.commit()
    return article.id


def file_ids(article_id: int) -> list[int]:
    return list(db.session.scalars(select(ArticleFile.id).where(ArticleFile.article_id == article_id)
                                   .order_by(ArticleFile.id)))


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "files"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# ----- the anonymous portal -----

def test_anonymous_home_is_the_portal_with_navigation_login_box_and_verification(shared_app):
    page = text_of(shared_app.test_client().get("/"))
    nav = page[page.index("zp-portal-nav"):]
    order = [nav.index(label) for label in ("首页", "网上业务", "政策法规", "办事指南", "通知公告", "常见问题", "文件下载")]
    assert order == sorted(order)
    for text in ("账号或证件号码", "密码", "登录", "注册新用户", "单位用户注册", "忘记密码", "找回用户名", "证书查验"):
        assert text in page, text
    assert 'action="/login/"' in page and 'action="/verify/"' in page and 'name="csrf_token"' in page
    assert 'href="/register/"' in page and 'href="/unit-register/"' in page
    # The demo articles: seed 001's titles; the draft and the future-dated notice stay hidden.
    assert "关于明确当前专业技术资格申报评审若干问题的通知" in page and "业务申请时提示个人信息不完整怎么办？" in page
    assert "（草稿）" not in page and "（待发布）" not in page
    assert "http://" not in page and "https://" not in page
    assert not {line for line in visible_text(page) if line in SOURCE and line != "English"}


def test_hidden_articles_and_their_files_are_404_for_visitors_and_non_admins(app, browser_factory):
    with app.app_context():
        draft = make_article("草稿通知甲", published=False, files=[("a.pdf", pdf_bytes(), "application/pdf")])
        future = make_article("未来通知乙", days_ago=-3, files=[("b.pdf", pdf_bytes(), "application/pdf")])
        public = make_article("公开通知丙", files=[("c.pdf", pdf_bytes("c"), "application/pdf")])
        draft_file, future_file, public_file = file_ids(draft)[0], file_ids(future)[0], file_ids(public)[0]
    anonymous = app.test_client()
    column = text_of(anonymous.get("/portal/notice/"))
    assert "公开通知丙" in column and "草稿通知甲" not in column and "未来通知乙" not in column
    for client in (anonymous, browser_factory(app, "demo_applicant"), browser_factory(app, "demo_authority")):
        for url in (f"/portal/articles/{draft}", f"/portal/articles/{future}", f"/portal/files/{draft_file}",
                    f"/portal/files/{future_file}", "/portal/articles/999999", "/portal/files/999999",
                    "/portal/nosuchcolumn/"):
            assert client.get(url).status_code == 404, url
    shown = anonymous.get(f"/portal/articles/{public}")
    assert shown.status_code == 200
    # The body is plain text: paragraphs, markup escaped.
    assert "<p>第二段&lt;script&gt;alert(1)&lt;/script&gt;</p>" in text_of(shown)
    download = anonymous.get(f"/portal/files/{public_file}")
    assert download.status_code == 200 and download.data == pdf_bytes("c")
    assert "attachment" in download.headers["Content-Disposition"]
    # The administrator previews a draft with a warning.
    admin = browser_factory(app, "demo_admin")
    assert "仅管理员可见" in text_of(admin.get(f"/portal/articles/{draft}"))
    assert admin.get(f"/portal/files/{draft_file}").status_code == 200


def test_pinned_first_then_newest_and_search_and_pages(app):
    with app.app_context():
        old_pinned = make_article("置顶的旧政策", ArticleCategory.policy, days_ago=400, pinned=True)
        newest = make_article("最新的政策", ArticleCategory.policy, days_ago=0)
        for index in range(25):
            make_article(f"批量政策{index:02d}", ArticleCategory.policy, days_ago=100 + index)
    client = app.test_client()
    page = text_of(client.get("/portal/policy/"))
    titles = re.findall(r'href="/portal/articles/(\d+)"', page)
    assert titles[0] == str(old_pinned) and titles[1] == str(newest) and len(titles) == 20
    second = text_of(client.get("/portal/policy/?page=2"))
    assert "批量政策24" in second and "置顶的旧政策" not in second
    found = text_of(client.get("/portal/policy/?q=批量政策1"))
    assert len(re.findall(r'href="/portal/articles/', found)) == 10
    assert client.get("/portal/policy/?page=abc").status_code == 200
    home = text_of(client.get("/"))
    column = home[home.index('id="column-policy"'):home.index('id="column-guide"')]
    assert column.index("置顶的旧政策") < column.index("最新的政策")


def test_demo_download_article_has_word_and_excel_files(shared_app):
    with shared_app.app_context():
        article = db.session.scalar(select(Article).where(Article.category == ArticleCategory.download))
        assert sorted(f.attachment.original_name for f in article.files) == sorted([DOCX, "申报人员名单模板.xlsx"])
        assert db.session.scalar(select(func.count()).select_from(Article).where(Article.pinned.is_(True))) == 1


# ----- the administrator's article screens -----

def _form(**changes):
    values = {"category": "notice", "title": "关于开展年度评审的通知", "body": "第一段\n第二段",
              "publish_date": local_today().isoformat(), "published": "y"}
    values.update(changes)
    return values


def test_admin_adds_an_article_with_files_publishes_pins_and_deletes(app, browser_factory):
    from app.services import demo_portal

    admin = browser_factory(app, "demo_admin")
    response = admin.post("/admin/articles/add", {**_form(), "files": [
        (io.BytesIO(pdf_bytes()), "通知.pdf"), (io.BytesIO(demo_portal._docx()), "表格.docx"),
        (io.BytesIO(demo_portal._xlsx()), "名单.xlsx")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.title == "关于开展年度评审的通知"))
        assert article.published and not article.pinned and article.created_by.username == "demo_admin"
        assert sorted(f.attachment.content_type.rsplit(".", 1)[-1] for f in article.files) == [
            "application/pdf", "document", "sheet"]
        article_id, version = article.id, article.version
    assert len(stored_files(app)) == 3
    assert "关于开展年度评审的通知" in text_of(app.test_client().get("/portal/notice/"))
    listed = text_of(admin.get("/admin/articles/?q=年度评审&category=notice"))
    assert "关于开展年度评审的通知" in listed and "已公开" in listed
    admin.post(f"/admin/articles/{article_id}/act", {"event": "pin", "version": version})
    admin.post(f"/admin/articles/{article_id}/act", {"event": "unpublish", "version": version + 1})
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.pinned and not article.published
        version = article.version
        first_file = file_ids(article_id)[0]
        first_attachment = db.session.get(ArticleFile, first_file).attachment_id
    assert app.test_client().get(f"/portal/articles/{article_id}").status_code == 404
    admin.post(f"/admin/articles/{article_id}/files/{first_file}/delete", {"version": version})
    with app.app_context():
        assert len(file_ids(article_id)) == 2 and db.session.get(Attachment, first_attachment) is None
        version = db.session.get(Article, article_id).version
    assert len(stored_files(app)) == 2
    admin.post(f"/admin/articles/{article_id}/delete", {"version": version})
    with app.app_context():
        assert db.session.get(Article, article_id) is None
        # Soft deletion (回收站): the row and its files stay, so the administrator can restore it.
        kept = db.session.get(Article, article_id, execution_options={"include_deleted": True})
        assert kept is not None and kept.deleted_at is not None
    assert len(stored_files(app)) == 2


@pytest.mark.parametrize("changes, field, message", [
    ({"title": ""}, "title", "请输入标题"),
    ({"title": "长" * 201}, "title", "最多 200 个字符"),
    ({"category": "nonsense"}, "category", "请选择"),
    ({"publish_date": "2026-13-45"}, "publish_date", "不是有效的日期"),
    ({"publish_date": ""}, "publish_date", "请输入"),
    ({"files": [(io.BytesIO(b"MZ not a document"), "病毒.docx")]}, "files", "病毒.docx"),
])
def test_bad_input_gives_field_messages_and_writes_nothing(app, browser_factory, changes, field, message):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        before = (db.session.scalar(select(func.count()).select_from(Article)),
                  db.session.scalar(select(func.count()).select_from(Attachment)))
    good_file = {"files": [(io.BytesIO(pdf_bytes()), "好的.pdf")]} if field != "files" else {}
    response = admin.post("/admin/articles/add", {**_form(**changes), **good_file}, content_type="multipart/form-data")
    assert response.status_code == 400
    page = text_of(response)
    assert message in page and "zp-field-error" in page
    with app.app_context():
        after = (db.session.scalar(select(func.count()).select_from(Article)),
                 db.session.scalar(select(func.count()).select_from(Attachment)))
    assert after == before and stored_files(app) == []


def test_a_stale_edit_is_refused_and_keeps_the_other_change(app, browser_factory):
    with app.app_context():
        article_id = make_article("原标题")
        version = db.session.get(Article, article_id).version
    first, second = browser_factory(app, "demo_admin"), browser_factory(app, "demo_admin")
    assert first.post(f"/admin/articles/{article_id}/edit", {**_form(title="甲改的标题"), "version": version}
                      ).status_code == 302
    refused = second.post(f"/admin/articles/{article_id}/edit", {**_form(title="乙改的标题"), "version": version})
    assert refused.status_code == 409 and "已被他人修改" in text_of(refused)
    stale_pin = second.post(f"/admin/articles/{article_id}/act", {"event": "pin", "version": version},
                            follow_redirects=True)
    assert "已被他人修改" in text_of(stale_pin)
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.title == "甲改的标题" and not article.pinned and article.version == version + 1
    # A bad file on an existing article leaves it and its files as they were.
    refused = second.post(f"/admin/articles/{article_id}/files", {"version": version + 1, "files": [
        (io.BytesIO(b"PK\x03\x04 broken zip"), "坏的.xlsx")]}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "坏的.xlsx" in text_of(refused)
    with app.app_context():
        assert file_ids(article_id) == [] and db.session.get(Article, article_id).version == version + 1
    assert stored_files(app) == []


ADMIN_ROUTES = [("get", "/admin/articles/"), ("get", "/admin/articles/add"), ("post", "/admin/articles/add"),
                ("get", "/admin/articles/{id}/edit"), ("post", "/admin/articles/{id}/edit"),
                ("post", "/admin/articles/{id}/act"), ("post", "/admin/articles/{id}/files"),
                ("post", "/admin/articles/{id}/files/{file}/delete"), ("post", "/admin/articles/{id}/delete")]
OTHERS = ["demo_authority", "demo_supervisor", "demo_unit", "demo_committee", "demo_expert", "demo_provider",
          "demo_applicant", None]


@pytest.mark.parametrize("actor", OTHERS)
def test_only_the_admin_reaches_the_article_screens(app, browser_factory, actor):
    with app.app_context():
        article_id = make_article("受保护的通知", files=[("x.pdf", pdf_bytes(), "application/pdf")])
        version = db.session.get(Article, article_id).version
        file_id = file_ids(article_id)[0]
    browser = browser_factory(app, actor)
    for method, pattern in ADMIN_ROUTES:
        for ident in (article_id, 999999):
            url = pattern.format(id=ident, file=file_id)
            data = {**_form(title="被篡改"), "event": "unpin", "version": version}
            response = browser.get(url) if method == "get" else browser.post(url, data)
            assert response.status_code in (302, 403, 404), (actor, method, url)
            if response.status_code == 302:
                assert not urlparse(response.headers["Location"]).path.startswith("/admin/articles")
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.title == "受保护的通知" and article.version == version and file_ids(article_id) == [file_id]
    admin = browser_factory(app, "demo_admin")
    assert admin.get("/admin/articles/").status_code == 200
    assert admin.get("/admin/articles/999999/edit").status_code == 404


def test_the_admin_menu_lists_the_article_screen_in_chinese(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    assert "门户内容管理" in text_of(admin.get("/"))
    for url in ("/admin/articles/", "/admin/articles/add"):
        page = text_of(admin.get(url))
        assert not {line for line in visible_text(page) if line in SOURCE and line != "English"}, url


# ----- the portal's login box -----

def test_the_portal_login_box_signs_in_and_a_bad_password_shows_the_message(app, browser_factory):
    browser = browser_factory(app)
    home = text_of(browser.get("/"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    refused = browser.client.post("/login/", data={"username": "demo_applicant", "password": "Wrong2026pw",
                                                   "csrf_token": token})
    assert refused.status_code == 302 and "/login/" in refused.headers["Location"]
    assert "账号或密码错误" in text_of(browser.get(refused.headers["Location"]))
    token = re.search(r'name="csrf_token" value="([^"]+)"', text_of(browser.get("/"))).group(1)
    signed = browser.client.post("/login/?next=/applications/tracking", data={
        "username": "demo_applicant", "password": "Demo@2026zp", "csrf_token": token})
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/applications/tracking")
    home = text_of(browser.get("/"))
    assert "欢迎" in home and "zp-home-applicant" in home


def test_the_portal_login_box_shows_the_captcha_when_it_is_on(app_with):
    app = app_with(CAPTCHA_ENABLED=True)
    page = text_of(app.test_client().get("/"))
    assert 'name="captcha"' in page and "/captcha/image.png" in page


def test_online_business_leads_to_login_or_to_the_applicants_tracking(app, browser_factory):
    assert 'href="/login/">网上业务' in text_of(app.test_client().get("/portal/faq/"))
    applicant = browser_factory(app, "demo_applicant")
    assert 'href="/applications/tracking">网上业务' in text_of(applicant.get("/portal/faq/"))


# ----- 申报须知 (填表说明, 报名说明) in the declaration workspace -----

def test_guidance_tabs_show_the_admins_text_on_the_declaration_pages(app, browser_factory):
    applicant = browser_factory(app, "demo_applicant")
    for url in ("/applications/new", "/applications/declare?type=evaluation"):
        page = text_of(applicant.get(url))
        assert "填表说明" in page and "报名说明" in page and "申报人须逐级申报" in page, url
    admin = browser_factory(app, "demo_admin")
    opened = admin.post("/admin/articles/guidance/declaration_instructions", {})
    assert opened.status_code == 302
    article_id = int(re.search(r"/admin/articles/(\d+)/edit", opened.headers["Location"]).group(1))
    with app.app_context():
        version = db.session.get(Article, article_id).version
    # The category cannot be changed away from 申报须知, nor can a normal article be put into it.
    admin.post(f"/admin/articles/{article_id}/edit", {**_form(category="notice", body="新的报名说明第一条\n第二条"),
                                                      "title": "报名说明", "version": version})
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.category == ArticleCategory.guidance and article.slug == "declaration_instructions"
        version = article.version
    assert "新的报名说明第一条" in text_of(applicant.get("/applications/new"))
    refused = admin.post("/admin/articles/add", _form(category="guidance"))
    assert refused.status_code == 400 and "请从列表中选择栏目" in text_of(refused)
    # It is not a portal column, cannot be deleted, and withdrawn it leaves the declaration pages.
    assert app.test_client().get("/portal/guidance/").status_code == 404
    assert app.test_client().get(f"/portal/articles/{article_id}").status_code == 404
    admin.post(f"/admin/articles/{article_id}/delete", {"version": version})
    admin.post(f"/admin/articles/{article_id}/act", {"event": "unpublish", "version": version})
    with app.app_context():
        assert db.session.get(Article, article_id) is not None
    page = text_of(applicant.get("/applications/new"))
    assert "新的报名说明第一条" not in page and "填表说明" in page
    assert admin.post("/admin/articles/guidance/nonsense", {}).status_code == 404
    assert applicant.post("/admin/articles/guidance/form_instructions", {}).status_code in (302, 403)
