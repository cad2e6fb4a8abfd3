"""逐级申报: the next titles from the shipped title ladder, across series, tracks and entry levels."""
import pytest

from app.workflow.ladder import next_titles


@pytest.mark.parametrize("current, series, expected", [
    ("GC_2", "GC", {"GC_3"}),
    ("GC_3", "GC", {"GC_4"}),
    ("GC_5", "GC", set()),
    (None, "GC", {"GC_1"}),
    (None, "GXJS", {"GXJS_2"}),
    ("GXJS_3", "GXJS", {"GXJS_4"}),
    ("WSJS_HL_3", "WSJS", {"WSJS_HL_4"}),
    ("NY_1", "NY", {"NY_NX_2", "NY_XM_2", "NY_SY_2"}),
    ("NY_NX_4", "NY", {"NY_NX_5", "NY_TG_5"}),
    (None, "NY", {"NY_1"}),
    ("GC_3", "GXJS", {"GXJS_2"}),  # a title of another series counts as none in this one
])
def test_next_titles(shared_app, current, series, expected):
    with shared_app.app_context():
        assert next_titles(current, series) == expected


def test_no_title_in_a_series_with_parallel_tracks_opens_each_entry(shared_app):
    with shared_app.app_context():
        assert next_titles(None, "WSJS") == {"WSJS_YL_1", "WSJS_YX_1", "WSJS_HL_1", "WSJS_JS_1"}
