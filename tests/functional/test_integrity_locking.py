"""Optimistic locking on the editing screens and APIs: two people load the same row, the first save wins, the
second is refused with 记录已被他人修改，请刷新后重试 and changes nothing."""
from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from app.extensions import db
from app.models import Application, ApplicationMaterial, BasicInfo, BusinessType, DictItem, DictType, Education, Org
from factories import UNIT_A, api_token, user

STALE = "已被他人修改，请刷新后重试"
RECOGNITION_FORM = {"education_basis": "21", "graduation_date": "2002-07-01", "work_years": "20",
                    "current_work": "信息系统架构设计", "commitment": True}


class _Form(HTMLParser):
    """The fields of the first POST form whose action matches (or the first one): name → value."""

    def __init__(self, marker: str | None) -> None:
        super().__init__()
        self.marker, self.inside, self.done, self.fields = marker, False, False, {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and (a.get("method") or "").lower() == "post" \
                and (self.marker is None or self.marker in (a.get("action") or "") or not a.get("action")):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_of(html: str, marker: str | None = None) -> dict:
    parser = _Form(marker)
    parser.feed(html)
    return parser.fields


def both_load(browsers, url, marker=None) -> list[dict]:
    forms = []
    for browser in browsers:
        page = browser.get(url)
        assert page.status_code == 200, url
        forms.append(form_of(page.get_data(as_text=True), marker))
    return forms


def test_fab_edit_screen_refuses_a_stale_save(app, browser_factory):
    """The generic ModelView edit (dictionary values, orgs, …) carries seen_version."""
    with app.app_context():
        item = db.session.scalar(select(DictItem).join(DictType).where(DictType.code == "ethnicity")
                                 .order_by(DictItem.id).limit(1))
        pk, before = item.id, item.label
    first, second = browser_factory(app, "demo_admin"), browser_factory(app, "demo_admin")
    url = f"/dictionary-items/edit/{pk}"
    one, two = both_load([first, second], url)
    assert one.get("seen_version") and one["seen_version"] == two["seen_version"]
    one["label"], two["label"] = before + "甲", before + "乙"
    assert first.post(url, one).status_code == 302
    refused = second.post(url, two)
    assert refused.status_code == 200 and STALE in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DictItem, pk).label == before + "甲"


def test_org_edit_refuses_a_stale_save(app, browser_factory):
    with app.app_context():
        pk = db.session.scalar(select(Org.id).where(Org.name == UNIT_A))
    first, second = browser_factory(app, "demo_admin"), browser_factory(app, "demo_admin")
    url = f"/admin/orgs/edit/{pk}"
    one, two = both_load([first, second], url)
    assert one.get("seen_version")
    one["remarks"], two["remarks"] = "第一次保存", "第二次保存"
    assert first.post(url, one).status_code == 302
    refused = second.post(url, two)
    assert STALE in refused.get_data(as_text=True)
    with app.app_context():
        org = db.session.get(Org, pk)
        assert org.remarks == "第一次保存" and org.version == int(one["seen_version"]) + 1


def test_profile_section_edit_and_delete_refuse_a_stale_form(app, browser_factory):
    with app.app_context():
        record = db.session.scalar(select(Education).where(Education.user_id == user("demo_applicant").id)
                                   .order_by(Education.id).limit(1))
        pk, school = record.id, record.school
        record.status = record.status.__class__.draft  # editable
        db.session.commit()
    first, second = browser_factory(app, "demo_applicant"), browser_factory(app, "demo_applicant")
    url = f"/profile/education/edit/{pk}"
    one, two = both_load([first, second], url)
    one["school"], two["school"] = "第一次保存大学", "第二次保存大学"
    assert first.post(url, one).status_code == 302
    refused = second.post(url, two)
    assert STALE in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Education, pk).school == "第一次保存大学" != school
    # A delete from a page loaded before the save is refused too.
    second.post(f"/profile/education/delete/{pk}", {"seen_version": two["seen_version"]})
    with app.app_context():
        assert db.session.get(Education, pk) is not None


def test_profile_basic_refuses_a_stale_save(app, browser_factory):
    with app.app_context():
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user("demo_applicant").id))
        basic.status = basic.status.__class__.draft
        db.session.commit()
    first, second = browser_factory(app, "demo_applicant"), browser_factory(app, "demo_applicant")
    one, two = both_load([first, second], "/profile/basic")
    assert one.get("version")
    one["native_place"], two["native_place"] = "广东韶关", "广东深圳"
    assert first.post("/profile/basic", one).status_code == 302
    refused = second.post("/profile/basic", two)
    assert STALE in refused.get_data(as_text=True)
    with app.app_context():
        db.session.expire_all()
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user("demo_applicant").id))
        assert basic.native_place == "广东韶关"


def _draft() -> int:
    application = Application(business_type=BusinessType.recognition, user_id=user("demo_applicant").id,
                              series="GC", title="GC_4", form=dict(RECOGNITION_FORM))
    application.materials.append(ApplicationMaterial(name="学历证书复印件", copies=1))
    db.session.add(application)
    db.session.commit()
    return application.id


def test_application_draft_screen_refuses_a_stale_save(app, browser_factory):
    with app.app_context():
        app_id = _draft()
    first, second = browser_factory(app, "demo_applicant"), browser_factory(app, "demo_applicant")
    url = f"/applications/{app_id}/edit"
    one, two = both_load([first, second], url, marker="edit")
    assert one.get("version")
    one["field_current_work"], two["field_current_work"] = "第一次暂存", "第二次暂存"
    one["action"] = two["action"] = "save"
    assert first.post(url, one).status_code == 302
    refused = second.post(url, two, follow_redirects=True)
    assert STALE in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, app_id).form["current_work"] == "第一次暂存"


def test_apis_refuse_a_stale_version(app):
    client = app.test_client()
    headers = api_token(client, "demo_applicant", "Demo@2026zp")
    with app.app_context():
        app_id = _draft()
        version = db.session.get(Application, app_id).version
        record = db.session.scalar(select(Education).where(Education.user_id == user("demo_applicant").id)
                                   .order_by(Education.id).limit(1))
        record.status = record.status.__class__.draft
        db.session.commit()
        record_id, record_version = record.id, record.version
    # Application drafts: "version" in the body (or If-Match).
    ok = client.put(f"/api/v1/applications/{app_id}", json={"form": dict(RECOGNITION_FORM, current_work="甲"),
                                                           "version": version}, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    stale = client.put(f"/api/v1/applications/{app_id}", json={"form": dict(RECOGNITION_FORM, current_work="乙")},
                       headers=dict(headers, **{"If-Match": str(version)}))
    assert stale.status_code == 409 and STALE in stale.get_json()["message"]
    with app.app_context():
        assert db.session.get(Application, app_id).form["current_work"] == "甲"
    # Profile records.
    ok = client.put(f"/api/v1/profile-education/{record_id}", json={"school": "甲大学", "version": record_version},
                    headers=headers)
    assert ok.status_code == 200, ok.get_json()
    stale = client.put(f"/api/v1/profile-education/{record_id}", json={"school": "乙大学", "version": record_version},
                       headers=headers)
    assert stale.status_code == 409 and STALE in stale.get_json()["message"]
    with app.app_context():
        assert db.session.get(Education, record_id).school == "甲大学"
