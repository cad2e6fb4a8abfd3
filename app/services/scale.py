"""A province at scale for benchmarks (`flask --app run demo scale --persons N`).

Adds, on top of the demo, supervising departments and units in proportion (about one unit per 50 persons, sizes
skewed like a real province), one reviewer per unit and supervisor, committees and review batches per series, and N
persons with an approved profile, about ten CE records each and about 0.3 applications each across the six
businesses and every state, with the history rows of the path each application took through its business's chain.
Rows go in by COPY (PostgreSQL) in chunks of persons, each chunk one transaction; running it again adds persons
after the last generated one, so `--persons` is the total wanted.
"""
from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from stdnum.cn import ric

from app.extensions import db
from app.models import AppUser, Org
from app.security import roles as r
from app.services.bulk_sink import BulkSink, next_id, reset_sequences
from app.services.demo_history import CHAINS, STAY_DAYS
from app.services.workdays import local_today
from app.workflow import ce_compliance, ladder

USERNAME_PREFIX = "sp"  # generated persons: sp0000001 …
STAFF_PREFIX = "su"     # generated reviewers: su<org id>
PERSONS_PER_UNIT = 50
CE_YEARS = 5

CITIES = ("深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "河源市", "梅州市", "惠州市", "汕尾市", "东莞市", "中山市",
          "江门市", "阳江市", "湛江市", "茂名市", "肇庆市", "清远市", "潮州市", "揭阳市", "云浮市")
CITY_REGIONS = ("440300", "440400", "440500", "440600", "440200", "441600", "441400", "441300", "441502", "441900",
                "442000", "440700", "441700", "440800", "440900", "441200", "441800", "445100", "445200", "445300")
DEPARTMENTS = ("广东省教育厅", "广东省卫生健康委员会", "广东省交通运输厅", "广东省住房和城乡建设厅", "广东省农业农村厅",
               "广东省水利厅", "广东省自然资源厅", "广东省财政厅", "广东省统计局", "广东省文化和旅游厅")
BRANDS = ("华南", "粤海", "珠江", "南方", "岭南", "新世纪", "恒通", "中粤", "宏远", "金桥", "鹏程", "海川", "博雅", "德信",
          "远航", "启明", "星河", "天成", "正和", "汇智", "东方", "明德", "同创", "嘉禾", "瑞丰")
INDUSTRIES = ("电子信息", "智能装备", "建筑设计", "医疗器械", "新能源", "生物医药", "环境工程", "软件技术", "会计师事务",
              "工程咨询", "检验检测", "交通规划", "水利水电", "农业科技", "统计调查", "新材料")
FORMS = ("有限公司", "研究院", "股份有限公司", "中心", "集团有限公司", "事务所")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉斌鹏宇浩凯欣颖婷雪琳晨阳峰志海波"
SCHOOLS = ("华南理工大学", "中山大学", "暨南大学", "广东工业大学", "华南师范大学", "深圳大学", "广州大学", "汕头大学")
COURSES = (("public", "专业技术人员职业道德", 12), ("public", "数字经济发展", 18), ("public", "法治素养", 12),
           ("professional", "专业前沿技术", 24), ("professional", "专业实务研修", 18), ("elective", "项目管理实务", 18),
           ("elective", "人工智能应用", 12))
PROJECTS = ("智慧城市数据平台建设", "工业设备节能改造", "区域供水管网优化", "企业财务共享中心建设", "农产品质量追溯系统",
            "县域医共体信息化")
PROVIDERS = ("广东省专业技术人员继续教育网络学院", "华南理工大学继续教育学院", "中山大学继续教育学院")
# The series generated persons work in, with their committee's name.
SERIES = (("GC", "工程"), ("KJ", "会计"), ("JJ", "经济"), ("TJ", "统计"), ("NY", "农业"), ("WSJS", "卫生技术"))

# Share of applications per business, and of each kind of outcome.
BUSINESS_WEIGHTS = (("evaluation", 45), ("recognition", 20), ("unit_change", 10), ("out_of_province", 10),
                    ("reissue", 8), ("entrusted", 7))
OUTCOME_WEIGHTS = (("completed", 50), ("open", 30), ("rejected", 6), ("draft", 6), ("returned", 4),
                   ("terminated", 2), ("ended", 2))
FORM_BY_TYPE = {
    "evaluation": {"person_type": "enterprise", "current_work": "技术研发", "years_in_field": "12",
                   "experience_met": True, "achievement_met": True, "work_summary": "近五年主要工作……",
                   "commitment": True},
    "entrusted": {"current_work": "技术研发", "commitment": True},
    "recognition": {"education_basis": "21", "work_years": "8", "current_work": "技术研发", "commitment": True},
    "out_of_province": {"original_title": "工程师", "original_authority": "湖南省人力资源和社会保障厅",
                        "current_employer": "", "commitment": True},
    "reissue": {"reason": "证书遗失", "commitment": True},
    "unit_change": {"reason": "工作调动"},
}
ACTOR_ROLE = {"applicant": r.APPLICANT, "unit": r.UNIT_REVIEWER, "supervisor": r.SUPERVISOR_REVIEWER,
              "committee": r.COMMITTEE_OFFICE, "authority": r.AUTHORITY, None: "system"}
FAILURE_EVENT = {"evaluation": "meeting_fail", "entrusted": "record_fail"}
TITLED = {"evaluation", "recognition", "out_of_province", "entrusted"}
CERTIFICATE_KIND = {"evaluation": "P", "entrusted": "P", "recognition": "R", "out_of_province": "C"}


@dataclass
class Province:
    """The org tree the persons are spread over, and who acts for each org."""

    authority_id: int
    authority_staff: int | None
    units: list[int] = field(default_factory=list)
    unit_weights: list[float] = field(default_factory=list)  # cumulative, for bisect
    supervisor_of: dict[int, int] = field(default_factory=dict)
    reviewer_of: dict[int, int] = field(default_factory=dict)   # org id → a reviewer's user id
    committee_of: dict[str, int] = field(default_factory=dict)  # series → committee org id
    batch_of: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (series, year, level) → batch id

    def pick_unit(self, rng: random.Random) -> int:
        return self.units[bisect.bisect(self.unit_weights, rng.random() * self.unit_weights[-1])]


@dataclass
class ScaleReport:
    persons_before: int
    persons_after: int
    rows: dict[str, int]
    seconds: float


@dataclass
class _Ids:
    """The next free id of each table written in bulk."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


BULK_TABLES = ("org", "ab_user", "ab_user_role", "profile_basic", "profile_education", "profile_work",
               "profile_achievement", "ce_record", "application", "application_event", "application_material",
               "certificate", "review_batch")


def generate(persons: int, *, chunk: int = 20000, seed: int = 2026,
             progress: Callable[[str], None] = lambda line: None) -> ScaleReport:
    """Bring the number of generated persons up to `persons`; returns what was written."""
    started = time.perf_counter()
    before = _generated_persons()
    password = db.session.scalar(select(AppUser.password).where(AppUser.username == "demo_applicant"))
    if password is None:
        raise RuntimeError("run `flask --app run demo load` first")
    sink = BulkSink()
    totals: dict[str, int] = sink.written
    ids = _Ids({table: next_id(table) for table in BULK_TABLES})
    role_ids = dict(db.session.execute(text("SELECT name, id FROM ab_role")).all())
    now = dt.datetime.utcnow().replace(microsecond=0)
    province = _province(sink, ids, role_ids, password, max(persons, before), now, random.Random(seed))
    db.session.commit()
    counters = _certificate_counters()
    for start in range(before, persons, chunk):
        end = min(persons, start + chunk)
        sink = BulkSink(totals)
        _persons(sink, ids, province, role_ids, password, range(start, end), now, seed, counters)
        _save_counters(counters)
        db.session.commit()
        progress(f"{end:>9,} persons  ({time.perf_counter() - started:6.0f} s)")
    reset_sequences(BULK_TABLES)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return ScaleReport(before, max(persons, before), totals, time.perf_counter() - started)


def _generated_persons() -> int:
    return db.session.scalar(select(func.count()).select_from(AppUser)
                             .where(AppUser.username.like(f"{USERNAME_PREFIX}%"))) or 0


# ----- the org tree -----

def _province(sink, ids, role_ids, password, persons, now, rng) -> Province:
    """The orgs for `persons` persons: existing ones reused, the missing supervisors, units and committees added."""
    orgs = {org.id: _OrgStub(org.id, org.name, org.kind.value, org.parent_id, org.path, org.depth)
            for org in db.session.scalars(select(Org))}
    by_name = {org.name: org for org in orgs.values()}
    authority = next(org for org in orgs.values() if org.kind == "authority" and org.parent_id is None)
    staff = dict(db.session.execute(text("SELECT org_id, MIN(user_id) FROM user_org GROUP BY org_id")).all())
    org_rows, user_rows, role_rows, link_rows = [], [], [], []

    def add_org(name, kind, parent, region, full_name=None) -> int:
        if name in by_name:
            return by_name[name].id
        org_id = ids.take("org")
        stub = _OrgStub(org_id, name, kind, parent.id, f"{parent.path}{org_id}/", parent.depth + 1)
        orgs[org_id] = by_name[name] = stub
        org_rows.append((org_id, name, kind, parent.id, stub.path, stub.depth, region, "active", False, now, now, 1,
                         full_name))
        add_reviewer(org_id, kind)
        return org_id

    def add_reviewer(org_id, kind) -> None:
        """One reviewer for an org that has none, so every inbox has an owner."""
        user_id = ids.take("ab_user")
        user_rows.append(_staff_row(user_id, f"{STAFF_PREFIX}{org_id}", password, rng, now))
        role_rows.append((ids.take("ab_user_role"), user_id, role_ids[REVIEWER_ROLE[kind]]))
        link_rows.append((user_id, org_id))
        staff[org_id] = user_id

    for org in list(orgs.values()):
        if org.kind in REVIEWER_ROLE and org.id not in staff:
            add_reviewer(org.id, org.kind)

    for city, region in zip(CITIES, CITY_REGIONS):
        add_org(f"{city}人力资源和社会保障局", "supervisor", authority, region)
    for name in DEPARTMENTS:
        add_org(name, "supervisor", authority, "440000")
    supervisors = sorted(org.id for org in orgs.values() if org.kind == "supervisor")
    units = sorted(org.id for org in orgs.values() if org.kind == "unit")
    names = _unit_names()
    while len(units) < persons // PERSONS_PER_UNIT:
        name = next(names)
        if name in by_name:
            continue
        parent = orgs[supervisors[len(units) % len(supervisors)]]
        units.append(add_org(name, "unit", parent, CITY_REGIONS[len(units) % len(CITY_REGIONS)]))
    province = Province(authority.id, staff.get(authority.id))
    for code, label in SERIES:
        province.committee_of[code] = _committee(code, label, add_org, authority)
    sink.write("org", ("id", "name", "kind", "parent_id", "path", "depth", "region_code", "status", "uscc_override",
                       "created_at", "updated_at", "version", "committee_full_name"), org_rows)
    sink.write("ab_user", STAFF_COLUMNS, user_rows)
    sink.write("ab_user_role", ("id", "user_id", "role_id"), role_rows)
    sink.write("user_org", ("user_id", "org_id"), link_rows)
    _committee_links(province.committee_of)
    _batches(sink, ids, province, now)
    # Unit sizes skewed like a province: a few large employers, many small ones; the demo's units rank first.
    province.units = units
    province.unit_weights = list(itertools.accumulate(1.0 / (rank + 8) ** 0.9 for rank in range(len(units))))
    province.supervisor_of = {unit: orgs[unit].parent_id for unit in units}
    province.reviewer_of = staff
    return province


REVIEWER_ROLE = {"supervisor": r.SUPERVISOR_REVIEWER, "unit": r.UNIT_REVIEWER, "committee": r.COMMITTEE_OFFICE}


@dataclass
class _OrgStub:
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int


def _unit_names():
    for form, industry, brand, city in itertools.product(FORMS, INDUSTRIES, BRANDS, CITIES):
        yield f"{city}{brand}{industry}{form}"
    for number in itertools.count(1):  # beyond 48,000 units
        for city in CITIES:
            yield f"{city}第{number}{'工程技术'}服务中心"


def _committee(code, label, add_org, authority) -> int:
    """The committee evaluating `code`: one the demo has (linked to the series) or a new provincial one."""
    linked = db.session.execute(text(
        "SELECT cs.org_id FROM committee_series cs JOIN dict_item i ON i.id = cs.item_id "
        "WHERE i.code = :code LIMIT 1"), {"code": code}).scalar()
    if linked:
        return linked
    name = f"广东省{label}系列高级职称评审委员会"
    return add_org(name, "committee", authority, "440000", full_name=name)


def _committee_links(committee_of: dict[str, int]) -> None:
    """Link each new committee to its series and to the 副高级 and 正高级 levels."""
    items = dict(db.session.execute(text(
        "SELECT t.code || ':' || i.code, i.id FROM dict_item i JOIN dict_type t ON t.id = i.type_id "
        "WHERE t.code IN ('title_series', 'title_level')")).all())
    for code, committee_id in committee_of.items():
        db.session.execute(text(
            "INSERT INTO committee_series (org_id, item_id) SELECT :c, :i WHERE NOT EXISTS "
            "(SELECT 1 FROM committee_series WHERE org_id = :c AND item_id = :i)"),
            {"c": committee_id, "i": items[f"title_series:{code}"]})
        for level in ("4", "5"):
            db.session.execute(text(
                "INSERT INTO committee_levels (org_id, item_id) SELECT :c, :i WHERE NOT EXISTS "
                "(SELECT 1 FROM committee_levels WHERE org_id = :c AND item_id = :i)"),
                {"c": committee_id, "i": items[f"title_level:{level}"]})


def _batches(sink, ids, province, now) -> None:
    """One review batch per series, level and year of the last four, where the demo has none."""
    existing = {(row.series, row.opens_on.year if isinstance(row.opens_on, dt.date) else int(str(row.opens_on)[:4]),
                 row.level): row.id
                for row in db.session.execute(text("SELECT id, series, level, opens_on FROM review_batch"))}
    rows = []
    for (code, label), year, level in itertools.product(SERIES, range(now.year - 3, now.year + 1), ("4", "5")):
        key = (code, year, level)
        if key in existing:
            province.batch_of[key] = existing[key]
            continue
        batch_id = ids.take("review_batch")
        province.batch_of[key] = batch_id
        level_name = "副高级" if level == "4" else "正高级"
        rows.append((batch_id, province.committee_of[code], f"{year}年度{label}系列{level_name}职称评审", code, level,
                     dt.date(year, 6, 1), dt.date(year, 9, 30), dt.date(year, 11, 15), 25, 1))
    sink.write("review_batch", ("id", "committee_id", "name", "series", "level", "opens_on", "closes_on",
                                "meeting_date", "member_count", "version"), rows)


STAFF_COLUMNS = ("id", "first_name", "last_name", "username", "password", "active", "email", "created_on",
                 "changed_on", "must_change_password", "password_changed_at", "login_count", "fail_login_count")


def _staff_row(user_id, username, password, rng, now) -> tuple:
    return (user_id, rng.choice(GIVEN) + rng.choice(GIVEN), rng.choice(SURNAMES), username, password, True,
            f"{username}@zhiping.example", now, now, False, now, 0, 0)


# ----- persons -----

PERSON_COLUMNS = STAFF_COLUMNS + ("id_type", "id_number", "gender", "birth_date", "mobile", "country")
BASIC_COLUMNS = ("id", "user_id", "status", "unit_id", "title_series", "current_title", "current_title_date",
                 "highest_education", "highest_degree", "political_status", "ethnicity", "graduated_school",
                 "major_studied", "graduation_date", "work_start_date", "annual_assessment", "created_at",
                 "updated_at", "version")
EDUCATION_COLUMNS = ("id", "user_id", "status", "start_date", "end_date", "school", "major", "education", "degree",
                     "study_mode", "created_at", "updated_at", "version")
WORK_COLUMNS = ("id", "user_id", "status", "start_date", "employer", "post", "created_at", "updated_at", "version")
ACHIEVEMENT_COLUMNS = ("id", "user_id", "status", "start_date", "end_date", "completion_form", "project_name",
                       "own_work", "category", "created_at", "updated_at", "version")
CE_COLUMNS = ("id", "user_id", "year", "course_type", "course_name", "learning_form", "provider_name", "start_date",
              "end_date", "claimed_hours", "recognised_hours", "status", "source", "unit_id", "submitted_at",
              "reviewed_at", "created_at", "updated_at", "version")
APPLICATION_COLUMNS = ("id", "business_type", "user_id", "state", "returned_from", "correction_deadline", "opened_at",
                       "unit_id", "supervisor_id", "committee_id", "authority_id", "batch_id", "series", "specialty",
                       "title", "level", "exceptional", "form", "publicity_until", "submitted_at", "state_entered_at",
                       "finished_at", "version", "created_at", "updated_at")
EVENT_COLUMNS = ("id", "application_id", "at", "event", "actor_id", "actor_role", "actor_org_id", "from_state",
                 "to_state", "section_comments")
CE_TOTAL_COLUMNS = ("user_id", "year", "public_hours", "public_courses", "professional_hours", "professional_courses",
                    "elective_hours", "elective_courses")
CERTIFICATE_COLUMNS = ("id", "number", "verification_code", "holder_id", "holder_name", "series", "title", "level",
                       "committee_id", "issuer_id", "issued_on", "application_id", "status", "created_at")


class _Chunk:
    """Row lists of one chunk of persons, written table by table at the end."""

    def __init__(self):
        self.rows = {name: [] for name in ("ab_user", "ab_user_role", "profile_basic", "profile_education",
                                           "profile_work", "profile_achievement", "ce_record", "ce_year_total",
                                           "application", "application_event", "application_handled",
                                           "application_material", "certificate")}


def _persons(sink, ids, province, role_ids, password, numbers, now, seed, counters) -> None:
    chunk = _Chunk()
    today = local_today()
    titles = _titles()
    applicant_role = role_ids[r.APPLICANT]
    for number in numbers:
        rng = random.Random(seed * 1_000_003 + number)
        _person(chunk, ids, province, applicant_role, password, number, rng, now, today, titles, counters)
    for table, columns in (("ab_user", PERSON_COLUMNS), ("ab_user_role", ("id", "user_id", "role_id")),
                           ("profile_basic", BASIC_COLUMNS), ("profile_education", EDUCATION_COLUMNS),
                           ("profile_work", WORK_COLUMNS), ("profile_achievement", ACHIEVEMENT_COLUMNS),
                           ("ce_record", CE_COLUMNS), ("ce_year_total", CE_TOTAL_COLUMNS),
                           ("application", APPLICATION_COLUMNS), ("application_event", EVENT_COLUMNS),
                           ("application_handled", ("user_id", "application_id", "event_id")),
                           ("application_material", ("id", "application_id", "name", "copies")),
                           ("certificate", CERTIFICATE_COLUMNS)):
        sink.write(table, columns, chunk.rows[table])


def _titles() -> dict[str, list[ladder.Rung]]:
    """The rungs of each generated series by level (the title dictionary decides the codes)."""
    by_series: dict[str, dict[int, ladder.Rung]] = {}
    for rung in ladder.rungs():
        if rung.track is None:
            by_series.setdefault(rung.series, {}).setdefault(rung.level, rung)
    return by_series


# Area codes python-stdnum accepts for births from 1960 to today (it knows each code's years of validity).
ID_REGIONS = ("440100", "440200", "440221", "440300", "440400", "440500", "440600", "440700", "440800", "440900")
BIRTH_DAYS = 12000  # births spread over about 33 years from 1965


def _birth_and_sequence(number: int) -> tuple[str, dt.date, int]:
    """Area, birth date and sequence of the `number`th person: a different triple for each of 60 million numbers."""
    rest = number // len(ID_REGIONS)
    return (ID_REGIONS[number % len(ID_REGIONS)], dt.date(1965, 1, 1) + dt.timedelta(days=rest % BIRTH_DAYS),
            rest // BIRTH_DAYS % 500)


def _id_number(region: str, birth: dt.date, sequence: int, male: bool) -> str:
    """A valid 证件号码 (GB 11643); the sequence's last digit is odd for men."""
    body = f"{region}{birth:%Y%m%d}{sequence * 2 + (1 if male else 0):03d}"
    return body + ric.calc_check_digit(body + "0")  # the library reads 18 characters and ignores the last


def _person(chunk, ids, province, applicant_role, password, number, rng, now, today, titles, counters) -> None:
    rows = chunk.rows
    user_id = ids.take("ab_user")
    male = rng.random() < 0.55
    region, birth, sequence = _birth_and_sequence(number)
    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    username = f"{USERNAME_PREFIX}{number + 1:07d}"
    created = now - dt.timedelta(days=rng.randint(30, 1800))
    rows["ab_user"].append((user_id, given, surname, username, password, True, f"{username}@zhiping.example",
                            created, created, False, created, 0, 0, "01", _id_number(region, birth, sequence, male),
                            "male" if male else "female", birth, f"13{rng.randint(100000000, 999999999)}", "CN"))
    rows["ab_user_role"].append((ids.take("ab_user_role"), user_id, applicant_role))
    unit_id = province.pick_unit(rng)
    series, _label = rng.choice(SERIES)
    ladder_of = titles.get(series) or titles["GC"]
    level = rng.choice((2, 3, 3, 3, 4, 4, 5)) if rng.random() < 0.85 else None
    current = ladder_of.get(level) if level else None
    graduated = dt.date(birth.year + 22, 7, 1)
    rows["profile_basic"].append((
        ids.take("profile_basic"), user_id, "approved", unit_id, series, current.code if current else None,
        dt.date(min(today.year - 1, graduated.year + 3 * (level or 1)), 12, 31) if current else None, "21", "4",
        "13", "01", rng.choice(SCHOOLS), "工程管理", graduated, graduated + dt.timedelta(days=30),
        rng.choice(("excellent", "competent", "competent", "competent")), created, created, 1))
    rows["profile_education"].append((ids.take("profile_education"), user_id, "approved", dt.date(birth.year + 18, 9, 1),
                                      graduated, rng.choice(SCHOOLS), "工程管理", "21", "4", "full_time", created,
                                      created, 1))
    rows["profile_work"].append((ids.take("profile_work"), user_id, "approved", graduated + dt.timedelta(days=30),
                                 "本单位", "技术岗位", created, created, 1))
    # 专业技术工作及业绩成果, a required section of the profile (without one, no business can be submitted).
    project_start = dt.date(max(graduated.year + 2, today.year - 8), rng.randint(1, 12), 1)
    rows["profile_achievement"].append((
        ids.take("profile_achievement"), user_id, "approved", project_start,
        project_start + dt.timedelta(days=rng.randint(180, 900)), rng.choice(("lead", "participate")),
        f"{rng.choice(PROJECTS)}（{project_start.year}）", "负责方案设计与实施", "ordinary", created, created, 1))
    for year in range(today.year - CE_YEARS + 1, today.year + 1):
        totals = {kind: [0, 0] for kind in ce_compliance.COURSE_TYPES}  # the year's approved hours and 门数
        for course_type, course, hours in rng.sample(COURSES, rng.choice((1, 2, 2, 2, 3))):
            start = dt.date(year, rng.randint(1, 10), rng.randint(1, 28))
            reviewed = dt.datetime.combine(start, dt.time(10)) + dt.timedelta(days=rng.randint(20, 60))
            done = year < today.year or rng.random() < 0.7
            rows["ce_record"].append((
                ids.take("ce_record"), user_id, year, course_type, course, "online", rng.choice(PROVIDERS), start,
                start + dt.timedelta(days=rng.randint(1, 20)), hours, hours if done else None,
                "approved" if done else "submitted", "claim", unit_id, reviewed - dt.timedelta(days=10),
                reviewed if done else None, reviewed, reviewed, 1))
            if done:
                totals[course_type][0] += hours
                totals[course_type][1] += 1
        if any(courses for _hours, courses in totals.values()):
            rows["ce_year_total"].append((user_id, year, *(value for kind in ce_compliance.COURSE_TYPES
                                                             for value in totals[kind])))
    if rng.random() < 0.27:
        applications = 1 if rng.random() < 0.85 else 2
        types = _distinct_weighted(rng, BUSINESS_WEIGHTS, applications)
        for index, business in enumerate(types):
            outcome = _weighted(rng, OUTCOME_WEIGHTS)
            _application(chunk, ids, province, user_id, f"{surname}{given}", unit_id, series, ladder_of, level,
                         business, outcome, rng, now, today, counters)


def _distinct_weighted(rng, pairs, count: int) -> list[str]:
    """`count` different names, each drawn by weight from those not drawn yet."""
    left, drawn = list(pairs), []
    for _draw in range(count):
        name = _weighted(rng, left)
        drawn.append(name)
        left = [pair for pair in left if pair[0] != name]
    return drawn


def _weighted(rng, pairs):
    total = sum(weight for _name, weight in pairs)
    pick = rng.random() * total
    for name, weight in pairs:
        pick -= weight
        if pick < 0:
            return name
    return pairs[-1][0]


def _application(chunk, ids, province, user_id, name, unit_id, series, ladder_of, level, business, outcome, rng,
                 now, today, counters) -> None:
    """One application of `business` ending in `outcome`, with the history of the steps that led there."""
    rows = chunk.rows
    chain = CHAINS[getattr(_business_enum(), business)]
    target_level = min(5, (level or 2) + 1)
    title = ladder_of.get(target_level) if business in TITLED else None
    if business in TITLED and title is None:
        title = ladder_of[max(ladder_of)]
    steps, final, returned_from = _path(business, chain, outcome, rng)
    application_id = ids.take("application")
    # Finished applications lie in the past three years; open ones arrived in the last weeks.
    age_days = rng.randint(40, 1000) if final in ("completed", "rejected", "terminated", "ended") \
        else rng.randint(1, 40)
    moment = dt.datetime.combine(today - dt.timedelta(days=age_days), dt.time(9)) + dt.timedelta(
        minutes=rng.randint(0, 480))
    created = moment - dt.timedelta(days=rng.randint(1, 3))
    supervisor = province.supervisor_of[unit_id]
    committee = province.committee_of.get(series) if business == "evaluation" else None
    actor_org = {"applicant": None, "unit": unit_id, "supervisor": supervisor, "committee": committee,
                 "authority": province.authority_id, None: None}
    state, submitted_at, entered = "draft", None, created
    handled: dict[int, int] = {}  # reviewer -> their last event on this application (已办)
    for event, actor, to_state in steps:
        if submitted_at is None and event == "submit":
            submitted_at = moment
        org = actor_org[actor]
        event_id = ids.take("application_event")
        actor_id = user_id if actor == "applicant" else province.reviewer_of.get(org) if org else None
        rows["application_event"].append((
            event_id, application_id, moment, event, actor_id, ACTOR_ROLE[actor], org, state, to_state, "{}"))
        if actor_id is not None and actor != "applicant":
            handled[actor_id] = event_id
        state, entered = to_state, moment
        low, high = STAY_DAYS.get(to_state, (1, 5))
        moment = min(moment + dt.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 6)),
                     dt.datetime.combine(today, dt.time(8)))
    year = (submitted_at or created).year
    title_level = str(target_level) if title else None
    batch = province.batch_of.get((series, year, title_level)) if business == "evaluation" and any(
        step[2] in ("in_review",) for step in steps) else None
    publicity_until = today + dt.timedelta(days=rng.randint(1, 7)) if state.endswith("publicity") else None
    deadline = today + dt.timedelta(days=rng.randint(2, 12)) if state == "returned" else None
    finished = entered if state in ("completed", "rejected", "terminated", "ended") else None
    opened = entered if state not in ("draft", "unit_review", "returned") or rng.random() < 0.3 else None
    form = dict(FORM_BY_TYPE[business])
    if business == "unit_change":
        form["new_unit_id"] = str(province.pick_unit(rng))
    rows["application"].append((
        application_id, business, user_id, state, returned_from, deadline, opened if state != "draft" else None,
        unit_id, supervisor, committee, province.authority_id, batch, series if title else None, None,
        title.code if title else None, title_level, False, json.dumps(form, ensure_ascii=False), publicity_until,
        submitted_at, entered, finished, len(steps) + 1, created, entered))
    rows["application_material"].append((ids.take("application_material"), application_id, "申报材料", 1))
    rows["application_handled"].extend((reviewer, application_id, event_id) for reviewer, event_id in handled.items())
    if state == "completed" and business in TITLED:
        kind = CERTIFICATE_KIND[business]
        prefix = f"{entered.year}{kind}"
        counters[prefix] = counters.get(prefix, 0) + 1
        rows["certificate"].append((
            ids.take("certificate"), f"粤职{prefix}{counters[prefix]:06d}",
            "".join(rng.choices(string.ascii_uppercase + string.digits, k=8)), user_id, name, series, title.code,
            title_level, committee, province.authority_id, entered.date(), application_id,
            "valid", entered))


def _business_enum():
    from app.models import BusinessType

    return BusinessType


def _path(business, chain, outcome, rng):
    """The steps (event, actor, state) from the draft to the outcome, the final state and the state returned from."""
    if outcome == "draft":
        return [], "draft", None
    if outcome == "completed":
        return list(chain), "completed", None
    review = [step for step in chain if step[2] != "completed"]
    if outcome == "open":
        stop = rng.randint(1, len(review))
        return list(review[:stop]), review[stop - 1][2], None
    if outcome == "rejected" and business in FAILURE_EVENT:
        upto = next(i for i, step in enumerate(chain) if step[2] == "in_review") + 1
        return list(chain[:upto]) + [(FAILURE_EVENT[business], chain[upto - 1][1], "rejected")], "rejected", None
    # Returned, ended and terminated leave a reviewing state; a business without a failure vote is terminated.
    stop = rng.randint(1, min(3, len(review)))
    steps = list(review[:stop])
    here, actor = steps[-1][2], _reviewer_of_state(chain, steps[-1][2])
    if actor is None or here in ("unit_publicity", "result_publicity", "in_review"):
        steps = steps[:1]
        here, actor = steps[-1][2], "unit"
    if outcome == "returned":
        return steps + [("return", actor, "returned")], "returned", here
    if outcome == "ended":
        return steps + [("return", actor, "returned"), ("end", "applicant", "ended")], "ended", here
    return steps + [("terminate", actor, "terminated")], "terminated", None


def _reviewer_of_state(chain, state):
    """Who acts on an application in `state`: the actor of the chain's step leaving it."""
    return next((actor for _event, actor, source in
                 ((step[0], step[1], previous[2]) for previous, step in zip(chain, chain[1:])) if source == state),
                None)


def _certificate_counters() -> dict[str, int]:
    return dict(db.session.execute(text("SELECT prefix, value FROM certificate_counter")).all())


def _save_counters(counters: dict[str, int]) -> None:
    """Move the certificate counters past the generated numbers, so the next real certificate does not collide."""
    for prefix, value in counters.items():
        updated = db.session.execute(text("UPDATE certificate_counter SET value = :v WHERE prefix = :p"),
                                     {"v": value, "p": prefix}).rowcount
        if not updated:
            db.session.execute(text("INSERT INTO certificate_counter (prefix, value) VALUES (:p, :v)"),
                               {"p": prefix, "v": value})
