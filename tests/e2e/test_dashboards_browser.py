"""The dashboards in a real browser: each reviewer's page draws its charts from the server and shows their tables."""
import pytest

SERVER_SETUP = [("demo", "history")]


@pytest.mark.parametrize("account", ["demo_unit", "demo_supervisor", "demo_committee", "demo_authority"])
def test_each_dashboard_draws_its_charts_offline(visit, account):
    reviewer = visit(account)
    reviewer.login(account)
    reviewer.goto("/dashboard/")
    page = reviewer.page
    assert page.locator(".zp-figure").count() >= 6
    charts = page.locator(".zp-chart-box svg")
    assert charts.count() >= 5
    assert charts.first.bounding_box()["width"] > 200
    reviewer.shot("charts")
    # The table view opens in place and carries the same figure.
    page.locator("#figure-state summary").click()
    table = page.locator("#figure-state table.zp-figure-table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() >= 1
    reviewer.shot("table")
