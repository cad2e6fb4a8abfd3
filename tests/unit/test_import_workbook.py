"""The pure parts of the Excel imports: cell parsers, the file checks, headers, the template, the error workbook,
the staging of uploads and the initial passwords.
"""
from __future__ import annotations

import datetime as dt
import io
import time

import openpyxl
import pytest
from flask import Flask
from flask_babel import Babel

from app.services import passwords
from app.services.imports import staging, workbook
from app.services.imports.workbook import CellError, FileRejected, ImportColumn

COLUMNS = [
    ImportColumn("name", "名称", workbook.text(10), required=True),
    ImportColumn("kind", "类型", workbook.choice(lambda: [("a", "甲"), ("b", "乙")]),
                 options=lambda: [("a", "甲"), ("b", "乙")]),
    ImportColumn("when", "日期", workbook.date),
    ImportColumn("many", "多选", workbook.multi(lambda: [("x", "一"), ("y", "二")])),
    ImportColumn("count", "数量", workbook.integer, default=0),
    ImportColumn("long", "长列表", workbook.text(10),
                 options=lambda: [(str(i), f"选项{i:03d}") for i in range(80)], as_text=True),
]


@pytest.fixture
def app(tmp_path):
    app = Flask(__name__)
    app.config.update(UPLOAD_FOLDER=str(tmp_path), IMPORT_MAX_ROWS=3, IMPORT_MAX_BYTES=200_000,
                      IMPORT_STAGING_MINUTES=1)
    Babel(app)
    with app.app_context():
        yield app


def book(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_text_keeps_whole_numbers_and_refuses_long_or_rounded_ones():
    parse = workbook.text(18)
    assert parse("  abc ") == "abc" and parse("") is None and parse(None) is None
    assert parse(13800000000.0) == "13800000000"
    with pytest.raises(CellError):
        parse(4.40106198801011e17)       # an ID number Excel turned into a float
    with pytest.raises(CellError):
        parse("x" * 19)


def test_dates_integers_choices_and_yes_no():
    assert workbook.date(dt.datetime(2020, 5, 6, 0, 0)) == dt.date(2020, 5, 6)
    assert workbook.date("2020/05/06") == dt.date(2020, 5, 6)
    with pytest.raises(CellError):
        workbook.date("6 May")
    assert workbook.integer(3.0) == 3 and workbook.integer(" 7 ") == 7
    with pytest.raises(CellError):
        workbook.integer("3.5")
    pick = workbook.choice(lambda: [("a", "甲"), ("b", "乙"), ("c", "乙")])
    assert pick("甲") == "a" and pick("c") == "c"
    with pytest.raises(CellError, match="乙"):
        pick("乙")                          # two values share the label: the code is needed
    with pytest.raises(CellError):
        pick("丙")
    assert workbook.multi(lambda: [("x", "一"), ("y", "二")])("一，二、一") == ["x", "y"]
    assert workbook.yes_no("否") is False and workbook.yes_no(None) is None
    with pytest.raises(CellError):
        workbook.yes_no("也许")


def test_the_container_check_looks_at_the_bytes_not_the_name(app):
    for data in (b"", b"a,b\n1,2\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, b"PK\x03\x04broken"):
        with pytest.raises(FileRejected):
            workbook.check_container(data)
    workbook.check_container(book([["名称"]]))
    app.config["IMPORT_MAX_BYTES"] = 1000
    with pytest.raises(FileRejected, match="KB"):
        workbook.check_container(book([["名称"]]))


def test_read_checks_headers_skips_blank_rows_and_limits_rows(app):
    headers = [column.header for column in COLUMNS]
    sheet = workbook.read(book([headers, ["甲公司", "乙", "2021-01-02", "一", None], [None] * 6,
                                ["", "丙", "bad"]]), COLUMNS, "x")
    assert [row.number for row in sheet.rows] == [2, 4]
    first, second = sheet.rows
    assert first.values == {"name": "甲公司", "kind": "b", "when": dt.date(2021, 1, 2), "many": ["x"],
                            "count": 0, "long": None}
    assert {header for header, _message in second.problems} == {"名称", "类型", "日期"}
    with pytest.raises(FileRejected):
        workbook.read(book([headers[:-1]] + [["a"]]), COLUMNS, "x")
    with pytest.raises(FileRejected):
        workbook.read(book([headers + ["名称"], ["a"]]), COLUMNS, "x")
    with pytest.raises(FileRejected):
        workbook.read(book([headers]), COLUMNS, "x")
    with pytest.raises(FileRejected):
        workbook.read(book([headers] + [[f"r{i}"] for i in range(4)]), COLUMNS, "x")


def test_template_and_error_workbook_round_trip(app):
    wb = openpyxl.load_workbook(io.BytesIO(workbook.template(COLUMNS, "数据", ["第一条说明"])))
    sheet = wb["数据"]
    formulas = {str(v.sqref)[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert formulas["B"] == '"甲,乙"'
    assert formulas["F"] == "'lists'!$A$2:$A$81"
    assert wb["lists"].sheet_state == "hidden" and sheet.column_dimensions["F"].number_format == "@"
    assert wb["说明"]["A1"].value == "第一条说明"
    # The filled-in template is read back as it was written.
    sheet["A2"], sheet["B2"] = "甲公司", "甲"
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = workbook.read(buffer.getvalue(), COLUMNS, "数据").rows
    assert rows[0].number == 2 and rows[0].values["kind"] == "a"
    errors = workbook.error_workbook(COLUMNS, "数据", rows, {2: ["「名称」已存在"]})
    back = openpyxl.load_workbook(io.BytesIO(errors)).active
    assert [c.value for c in back[1]][-1] == "错误说明" and back["A2"].value == "甲公司"
    assert "「名称」已存在" in back.cell(row=2, column=len(COLUMNS) + 1).value


def test_staging_binds_the_file_to_user_and_kind_and_expires(app):
    token = staging.save(b"data", user_id=7, kind="orgs", errors={3: ["x"]}, rows=2)
    assert staging.load(token, user_id=8, kind="orgs") is None
    assert staging.load(token, user_id=7, kind="staff") is None
    assert staging.load("../" + token, user_id=7, kind="orgs") is None
    data, meta = staging.load(token, user_id=7, kind="orgs")
    assert data == b"data" and meta["errors"] == {3: ["x"]}
    staging.discard(token)
    assert staging.load(token, user_id=7, kind="orgs") is None
    old = staging.save(b"old", user_id=7, kind="orgs", errors={}, rows=1)
    app.config["IMPORT_STAGING_MINUTES"] = 0
    time.sleep(0.01)
    assert staging.sweep() == 1 and staging.load(old, user_id=7, kind="orgs") is None


def test_initial_passwords_meet_the_policy_and_differ():
    made = {passwords.generate_initial() for _ in range(200)}
    assert len(made) == 200
    assert all(not passwords.policy_problems(p) and len(p) == 12 for p in made)
