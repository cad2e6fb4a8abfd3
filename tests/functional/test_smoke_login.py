"""Every demo account signs in and sees its own Chinese menus."""
import pytest

from app.services.demo import DEMO_ACCOUNTS

# The menu labels each role must see (Chinese) and must not see.
EXPECTED_MENUS = {
    "demo_admin": (["系统管理", "机构管理", "数据字典"], []),
    "demo_authority": (["机构信息", "数据字典", "系统管理", "操作日志", "变更记录"], ["在线用户", "回收站"]),
    "demo_supervisor": (["机构信息", "本机构及下属机构"], ["系统管理", "数据字典"]),
    "demo_unit": (["机构信息", "本机构及下属机构"], ["系统管理", "数据字典"]),
    "demo_committee": (["机构信息"], ["系统管理", "数据字典"]),
    "demo_expert": (["机构信息"], ["系统管理", "数据字典", "机构人员"]),
    "demo_provider": (["机构信息"], ["系统管理", "数据字典"]),
    "demo_applicant": ([], ["系统管理", "数据字典", "机构信息"]),
}


def test_login_page_is_chinese(shared_app):
    page = shared_app.test_client().get("/login/").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh"' in page


def test_anonymous_home_is_the_portal_with_its_login_box(shared_app):
    response = shared_app.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'action="/login/"' in page and "系统登录" in page


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.username)
def test_demo_account_sees_its_menus(shared_app, browser_factory, account):
    browser = browser_factory(shared_app, account.username)
    page = browser.get("/").get_data(as_text=True)
    assert "欢迎" in page
    visible, hidden = EXPECTED_MENUS[account.username]
    for label in visible:
        assert label in page, f"{account.username} should see {label}"
    for label in hidden:
        assert label not in page, f"{account.username} should not see {label}"


def test_wrong_password_is_refused_in_chinese(shared_app, browser_factory):
    browser = browser_factory(shared_app)
    response = browser.login("demo_unit", "wrong-password1")
    page = browser.get("/login/").get_data(as_text=True)
    assert response.status_code in (302, 303)
    assert "登录失败" in page or "用户名或密码" in page or "无效" in page
