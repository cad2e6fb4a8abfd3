"""Soft deletion with restore (回收站) and the immutable 提交时版本 of submitted applications."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from app.extensions import db
from app.models import (
    Application, ApplicationMaterial, ApplicationSnapshot, Article, BasicInfo, DictItem,
    DictType, Education, RecordStatus,
)
from app.workflow import engine
from factories import submitted_recognition, user



def test_applicant_deletes_a_profile_record_and_restores_it(app, browser_factory):
    with app.app_context():
        record = db.session.scalar(select(Education).where(Education.user_id == user("demo_applicant").id)
                                   .order_by(Education.id).limit(1))
        record.status = RecordStatus.draft
        record.school = "回收站测试学院"
        db.session.commit()
        pk, school = record.id, record.school
    applicant = browser_factory(app, "demo_applicant")
    applicant.post(f"/profile/education/delete/{pk}")
    with app.app_context():
        # Hidden from every ordinary query, kept in the table with who and when.
        assert db.session.get(Education, pk) is None
        raw = db.session.execute(text("SELECT deleted_at, deleted_by_id FROM profile_education WHERE id = :id"),
                                 {"id": pk}).one()
        assert raw.deleted_at is not None and raw.deleted_by_id == user("demo_applicant").id
    # Gone from the profile's records; the 变更记录 timeline below them still tells of the deletion.
    records = applicant.get("/profile/").get_data(as_text=True).split("change-timeline")[0]
    assert school not in records
    assert applicant.get(f"/profile/education/edit/{pk}").status_code == 404
    binned = applicant.get("/profile/recycle-bin").get_data(as_text=True)
    assert school in binned and "恢复" in binned
    # Nobody else sees or restores it.
    other = browser_factory(app, "demo_unit")
    assert other.post(f"/profile/recycle-bin/education/{pk}/restore").status_code in (302, 403, 404)
    with app.app_context():
        assert db.session.get(Education, pk) is None
    restored = applicant.post(f"/profile/recycle-bin/education/{pk}/restore", follow_redirects=True)
    assert restored.status_code == 200
    with app.app_context():
        assert db.session.get(Education, pk).school == school
    assert school in applicant.get("/profile/").get_data(as_text=True)
    # A GET never restores.
    assert applicant.get(f"/profile/recycle-bin/education/{pk}/restore").status_code == 405


def test_admin_restores_a_deleted_article_and_dictionary_value(app, browser_factory):
    admin = browser_factory(app, "demo_admin")
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug.is_(None)).order_by(Article.id).limit(1))
        article_id, title, version = article.id, article.title, article.version
        kind = DictType(code="zz_test", name="测试字典")
        db.session.add(kind)
        db.session.flush()
        item = DictItem(type_id=kind.id, code="T1", label="测试值甲", sort_order=1, active=True)
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    admin.post(f"/admin/articles/{article_id}/delete", {"version": version})
    admin.post(f"/dictionary-items/delete/{item_id}")
    with app.app_context():
        assert db.session.get(Article, article_id) is None and db.session.get(DictItem, item_id) is None
    assert title not in app.test_client().get("/portal/").get_data(as_text=True)
    binned = admin.get("/recycle-bin/").get_data(as_text=True)
    assert title in binned and "测试值甲" in binned
    # Only the administrator has the recycle bin.
    assert browser_factory(app, "demo_authority").get("/recycle-bin/").status_code in (302, 403)
    admin.post(f"/recycle-bin/article/{article_id}/restore")
    admin.post(f"/recycle-bin/dict_item/{item_id}/restore")
    with app.app_context():
        assert db.session.get(Article, article_id).deleted_at is None
        assert db.session.get(DictItem, item_id).label == "测试值甲"
    assert title not in admin.get("/recycle-bin/").get_data(as_text=True)


def test_reviewers_see_the_version_as_submitted_whatever_changes_later(app, browser_factory):
    with app.app_context():
        app_id = submitted_recognition()
        snapshot = db.session.scalar(select(ApplicationSnapshot).where(ApplicationSnapshot.application_id == app_id))
        assert snapshot.submission == 1
        data = snapshot.data
        assert ["学历证书复印件", 1] == [data["materials"][0]["name"], data["materials"][0]["copies"]]
        assert any("信息系统架构设计" in value for _label, value in data["info"])
        basic = db.session.scalar(select(BasicInfo).where(BasicInfo.user_id == user("demo_applicant").id))
        old_school = basic.graduated_school
        assert any(old_school in value for _label, value in data["basic"])
        # The applicant edits the profile after submitting.
        basic.graduated_school = "后来改名大学"
        db.session.commit()
    page = browser_factory(app, "demo_unit").get(f"/review/applications/{app_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "提交时版本" in html
    snapshot_part = html[html.index('id="tab-snapshot"'):]
    assert old_school in snapshot_part and "后来改名大学" not in snapshot_part.split('id="tab-chart"')[0]
    with app.app_context():
        assert db.session.scalar(select(ApplicationSnapshot).where(
            ApplicationSnapshot.application_id == app_id)).data == data


def test_each_resubmission_adds_a_numbered_snapshot(app):
    with app.app_context():
        app_id = submitted_recognition()
        engine.apply(app_id, "return", user("demo_unit"), reason="请补充材料",
                     seen_version=db.session.get(Application, app_id).version)
        application = db.session.get(Application, app_id)
        application.materials.append(ApplicationMaterial(name="补充证明", copies=2))
        db.session.commit()
        engine.apply(app_id, "resubmit", user("demo_applicant"))
        snapshots = db.session.scalars(select(ApplicationSnapshot).where(
            ApplicationSnapshot.application_id == app_id).order_by(ApplicationSnapshot.submission)).all()
        assert [s.submission for s in snapshots] == [1, 2]
        assert len(snapshots[0].data["materials"]) == 1 and len(snapshots[1].data["materials"]) == 2


def test_a_code_in_the_recycle_bin_is_named_when_added_again(app):
    import pytest

    from app.errors import ValidationFailed
    from app.services import dictionaries

    with app.app_context():
        kind = DictType(code="zz_bin", name="回收站字典")
        db.session.add(kind)
        db.session.flush()
        db.session.add(DictItem(type_id=kind.id, code="A1", label="甲", sort_order=1, active=True,
                                deleted_at=dt.datetime(2026, 1, 1)))
        db.session.commit()
        again = DictItem(dict_type=kind, code="A1", label="乙", sort_order=2, active=True)
        with pytest.raises(ValidationFailed) as refused:
            dictionaries.validate_item(again)
        assert "回收站" in refused.value.errors["code"][0]
        db.session.rollback()
