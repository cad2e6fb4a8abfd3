"""The flow chart of each business is drawn from its table: every transition is an edge, every state a box."""
import xml.etree.ElementTree as ET

import pytest

from app.models import BusinessType
from app.workflow import chart, engine

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("kind", list(BusinessType))
def test_chart_matches_the_transition_table(shared_app, kind):
    with shared_app.app_context():
        table = engine.business(kind)
        root = ET.fromstring(chart.flow_chart_svg(table))
    drawn = {(g.get("data-event"), g.get("data-from"), g.get("data-to"))
             for g in root.iter(f"{SVG}g") if g.get("class") == "zp-edge"}
    boxes = {g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("class") == "zp-state"}
    for transition in table.transitions:
        for source in transition.sources:
            assert any(event == transition.event and origin == source.value for event, origin, _to in drawn), \
                (transition.event, source)
            if transition.target is not None:
                assert (transition.event, source.value, transition.target.value) in drawn
            assert source.value in boxes
    expected = {(e.event, e.source.value, e.target.value) for e in chart.edges(table)}
    assert drawn == expected
    assert {state.value for state in table.chain} <= boxes


def test_resubmission_returns_to_every_level_that_can_return(shared_app):
    with shared_app.app_context():
        table = engine.business(BusinessType.recognition)
        targets = {e.target.value for e in chart.edges(table) if e.event == "resubmit"}
    assert targets == {"unit_review", "supervisor_review", "authority_confirm"}


def test_cli_prints_the_chart_and_runs_the_tick(shared_app):
    runner = shared_app.test_cli_runner()
    graph = runner.invoke(args=["workflow", "graph", "evaluation"])
    assert graph.exit_code == 0 and graph.output.startswith("<svg") and "评委会" in graph.output
    tick = runner.invoke(args=["workflow", "tick"])
    assert tick.exit_code == 0 and "0 transitions applied" in tick.output


@pytest.mark.parametrize("username", ["demo_applicant", "demo_unit", "demo_committee", "demo_expert"])
def test_every_role_reads_the_charts_page_drawn_from_the_table(shared_app, browser_factory, username):
    browser = browser_factory(shared_app, username)
    page = browser.get("/flow-charts/?type=entrusted").get_data(as_text=True)
    assert 'data-business="entrusted"' in page and 'data-event="record_pass"' in page
    assert "用人单位审核人" in page and "系统（时限）" in page  # the legend names the acting roles in Chinese
    assert browser.get("/flow-charts/?type=nonsense").status_code == 404


def test_anonymous_visitors_do_not_reach_the_charts(shared_app):
    response = shared_app.test_client().get("/flow-charts/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
