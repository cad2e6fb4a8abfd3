"""The demo province: a 人社厅, two supervisors, four units, a committee, a provider, one account per role."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from stdnum.cn import uscc

from app.extensions import db
from app.models import AppUser, DictItem, DictType, Org, OrgKind, OrgStatus
from app.security import roles as r
from app.services import demo_ce, demo_committee, demo_portal, demo_profile
from app.services.orgs import place_in_tree


def _uscc(body: str) -> str:
    """A well-formed code: 17 characters plus their GB 32100 check character."""
    return body + uscc.calc_check_digit(body)


@dataclass(frozen=True)
class DemoOrg:
    name: str
    kind: OrgKind
    parent: str | None
    region: str
    uscc_body: str
    contact: str
    phone: str


DEMO_ORGS = (
    DemoOrg("广东省人力资源和社会保障厅", OrgKind.authority, None, "440000", "11440000006939780", "陈科长", "020-83330001"),
    DemoOrg("广东省工业和信息化厅", OrgKind.supervisor, "广东省人力资源和社会保障厅", "440000", "11440000006940120", "李处长", "020-83130002"),
    DemoOrg("广州市人力资源和社会保障局", OrgKind.supervisor, "广东省人力资源和社会保障厅", "440100", "11440100007502160", "王科长", "020-83120003"),
    DemoOrg("广东省电子信息技术研究院", OrgKind.unit, "广东省工业和信息化厅", "440100", "12440000455858410", "张老师", "020-87650004"),
    DemoOrg("广东华南智能装备有限公司", OrgKind.unit, "广东省工业和信息化厅", "440600", "91440600MA4UJ2K30", "刘经理", "0757-82300005"),
    DemoOrg("广州市建筑设计研究院有限公司", OrgKind.unit, "广州市人力资源和社会保障局", "440100", "91440101190442600", "黄主任", "020-83560006"),
    DemoOrg("广州数智科技有限公司", OrgKind.unit, "广州市人力资源和社会保障局", "440100", "91440101MA59AB1C2", "周经理", "020-38880007"),
    DemoOrg("广东省工程系列电子信息专业高级职称评审委员会", OrgKind.committee, "广东省人力资源和社会保障厅", "440000", "", "评委会办公室", "020-83330008"),
    DemoOrg("华南理工大学继续教育学院", OrgKind.provider, "广东省人力资源和社会保障厅", "440100", "12440000455416320", "培训部", "020-87110009"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    org: str | None
    family_name: str
    given_name: str


DEMO_ACCOUNTS = (
    DemoAccount("demo_admin", r.ADMIN, None, "系统", "管理员"),
    DemoAccount("demo_authority", r.AUTHORITY, "广东省人力资源和社会保障厅", "陈", "明"),
    DemoAccount("demo_supervisor", r.SUPERVISOR_REVIEWER, "广东省工业和信息化厅", "李", "华"),
    DemoAccount("demo_unit", r.UNIT_REVIEWER, "广东省电子信息技术研究院", "张", "敏"),
    DemoAccount("demo_committee", r.COMMITTEE_OFFICE, "广东省工程系列电子信息专业高级职称评审委员会", "赵", "磊"),
    DemoAccount("demo_expert", r.EXPERT, "广东省工程系列电子信息专业高级职称评审委员会", "孙", "伟"),
    DemoAccount("demo_provider", r.PROVIDER, "华南理工大学继续教育学院", "吴", "芳"),
    DemoAccount("demo_applicant", r.APPLICANT, None, "测试", "人"),
)


def load_demo(password: str) -> int:
    """Create whatever part of the demo province is missing; returns the number of records created."""
    created = 0
    by_name: dict[str, Org] = {}
    for spec in DEMO_ORGS:
        org = db.session.scalar(select(Org).where(Org.name == spec.name))
        if org is None:
            org = Org(
                name=spec.name, kind=spec.kind, region_code=spec.region,
                uscc=_uscc(spec.uscc_body) if spec.uscc_body else None, status=OrgStatus.active,
                contact_person=spec.contact, contact_phone=spec.phone,
            )
            if spec.kind == OrgKind.committee:
                _make_committee(org)
            db.session.add(org)
            org.parent = by_name.get(spec.parent)
            db.session.flush()
            place_in_tree(org)
            created += 1
        by_name[spec.name] = org
    sm = current_app.appbuilder.sm
    for spec in DEMO_ACCOUNTS:
        user = db.session.scalar(select(AppUser).where(AppUser.username == spec.username))
        if user is None:
            role = sm.find_role(spec.role)
            if role is None:
                raise RuntimeError("Roles are missing: run `flask --app run setup` first.")
            user = AppUser(
                username=spec.username, first_name=spec.given_name, last_name=spec.family_name,
                email=f"{spec.username}@zhiping.example", active=True, roles=[role],
                orgs=[by_name[spec.org]] if spec.org else [],
            )
            user.password = _hash(password)
            if spec.role == r.APPLICANT:
                demo_profile.fill_registration(user)
            db.session.add(user)
            created += 1
    db.session.commit()
    accounts = {
        name: db.session.scalar(select(AppUser).where(AppUser.username == name))
        for name in ("demo_applicant", "demo_unit", "demo_supervisor")
    }
    created += demo_profile.load_profile(
        accounts["demo_applicant"], accounts["demo_unit"], accounts["demo_supervisor"]
    )
    created += demo_ce.load_ce(accounts["demo_applicant"], accounts["demo_unit"])
    committee = next(org for org in by_name.values() if org.kind == OrgKind.committee)
    created += demo_committee.load_committee(committee, _hash(password))
    admin = db.session.scalar(select(AppUser).where(AppUser.username == "demo_admin"))
    if admin is not None:
        created += demo_portal.load_articles(admin)
        db.session.commit()
    return created


def _make_committee(org: Org) -> None:
    org.committee_full_name = org.name
    org.member_count = 25
    org.filing_number = "粤人社评备〔2025〕12号"
    org.filing_valid_from = dt.date(2025, 1, 1)
    org.filing_valid_until = dt.date(2027, 12, 31)
    org.series = _items("title_series", ["GC"])
    org.levels = _items("title_level", ["4", "5"])


def _items(type_code: str, codes: list[str]) -> list[DictItem]:
    return list(
        db.session.scalars(
            select(DictItem).join(DictType).where(DictType.code == type_code, DictItem.code.in_(codes))
        )
    )


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )
