"""The portal and the applicant's 首页 in a real browser: articles, the login box, messages."""


def test_a_visitor_reads_the_portal_then_signs_in_from_its_login_box(visit):
    person = visit("applicant")
    person.goto("/")
    page = person.page
    for column in ("通知公告", "政策法规", "办事指南", "常见问题", "文件下载"):
        assert page.locator(".zp-portal-column", has_text=column).count() >= 1
    assert page.locator(".zp-portal-verify form").is_visible()
    person.shot("portal")

    page.locator(".zp-portal-column#column-notice .zp-portal-list a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1, h2, h3").first.inner_text().strip() != ""
    person.shot("article")

    person.goto("/")
    page.fill("#portal-username", "demo_applicant")
    page.fill("#portal-password", "Demo@2026zp")
    page.locator(".zp-portal-login [type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".zp-home-profile").is_visible()
    assert page.locator(".zp-home-ce").count() == 1
    messages = page.locator(".zp-home-messages")
    assert "条未读" in messages.inner_text()
    person.shot("home")

    # The demo's profile review left messages; opening one from the home page marks it read.
    unread_before = page.locator(".zp-home-messages li.zp-unread").count()
    assert unread_before >= 1
    page.locator(".zp-home-messages li.zp-unread .zp-message-subject").first.click()
    page.wait_for_load_state("networkidle")
    person.goto("/messages/")
    person.shot("messages")
    person.goto("/")
    assert page.locator(".zp-home-messages li.zp-unread").count() == unread_before - 1
