"""The browser harness itself: the login page loads everything from the server and a demo account signs in."""


def test_login_page_is_served_whole_from_the_server(visit):
    anonymous = visit("anonymous")
    anonymous.goto("/login/")
    assert anonymous.page.locator("input[name=username]").is_visible()
    anonymous.shot("login")
    anonymous.login("demo_applicant")
    assert "/login" not in anonymous.page.url
    assert anonymous.page.locator("a[href*='logout']").count() == 1
    # The navbar names the person in Chinese order (family name first), not FAB's "given family".
    assert "测试人" in anonymous.page.locator(".navbar").inner_text()
    anonymous.shot("home")
