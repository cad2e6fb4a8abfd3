"""Checks of the shipped dictionary seed data (app/data/dictionaries/*.json).

Stdlib only and no app import: these files are read by the loader in app/services/dictionaries.py
(``load_builtin``) and by the title ladder rule (no cross-level application), so bad data must fail here.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

DICT_DIR = Path(__file__).resolve().parents[2] / "app/data/dictionaries"

REQUIRED_TYPES = [
    "title_level", "title_series", "title", "specialty", "person_type", "education", "degree",
    "study_mode", "ethnicity", "political_status", "id_type", "completion_form", "course_type",
    "learning_form", "exam_category", "dishonesty_type", "achievement_category", "academic_type",
    "project_level", "annual_assessment", "region",
]
HIERARCHICAL_TYPES = {"specialty", "region"}
TYPE_KEYS = {"code", "name", "name_en", "hierarchical", "description", "items"}
ITEM_REQUIRED = {"code", "label", "label_en"}
ITEM_OPTIONAL = {"attrs", "children"}
CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
# column sizes of dict_type / dict_item (app/models/dictionary.py)
MAX_TYPE_NAME, MAX_TYPE_NAME_EN, MAX_LABEL, MAX_LABEL_EN = 60, 80, 100, 120
REQUIRED_SERIES = ["GC", "GXJS", "ZXXJS", "WSJS", "JJ", "KJ", "NY", "XW"]


def _files() -> list[Path]:
    return sorted(DICT_DIR.glob("*.json"))


def _load(code: str) -> dict:
    return json.loads((DICT_DIR / f"{code}.json").read_text(encoding="utf-8"))


def _walk(items, depth=0, parent=None):
    """Yield (item, depth, parent) for every item, children included, in document order."""
    for it in items:
        yield it, depth, parent
        yield from _walk(it.get("children") or [], depth + 1, it)


def _flat(code: str) -> list[dict]:
    return [it for it, _, _ in _walk(_load(code)["items"])]


def _by_code(code: str) -> dict[str, dict]:
    return {it["code"]: it for it in _flat(code)}


# ----- every file -------------------------------------------------------------------------------
def test_folder_has_all_required_types():
    present = {p.stem for p in _files()}
    missing = [t for t in REQUIRED_TYPES if t not in present]
    assert not missing, f"missing dictionary files: {missing}"


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_file_is_utf8_pretty_json(path: Path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    text = raw.decode("utf-8")
    data = json.loads(text)
    expected = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert text == expected, "format with json.dumps(data, ensure_ascii=False, indent=2) plus a final newline"


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_type_header(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert set(data) == TYPE_KEYS, f"keys must be exactly {sorted(TYPE_KEYS)}"
    assert data["code"] == path.stem, "file name must equal the type code"
    assert CODE_RE.match(data["code"])
    for key, limit in (("name", MAX_TYPE_NAME), ("name_en", MAX_TYPE_NAME_EN)):
        assert isinstance(data[key], str) and data[key].strip() == data[key] and data[key], key
        assert len(data[key]) <= limit, key
    assert isinstance(data["description"], str) and data["description"].strip()
    assert isinstance(data["hierarchical"], bool)
    assert data["hierarchical"] == (data["code"] in HIERARCHICAL_TYPES)
    assert isinstance(data["items"], list) and data["items"], "items must be a non-empty list"


def test_type_names_are_unique():
    names = Counter(json.loads(p.read_text(encoding="utf-8"))["name"] for p in _files())
    assert not [n for n, c in names.items() if c > 1]


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_items(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    seen: Counter = Counter()
    for it, depth, _parent in _walk(data["items"]):
        assert isinstance(it, dict)
        keys = set(it)
        assert ITEM_REQUIRED <= keys, f"{it.get('code')}: missing {ITEM_REQUIRED - keys}"
        assert keys <= ITEM_REQUIRED | ITEM_OPTIONAL, f"{it['code']}: unknown keys {keys - ITEM_REQUIRED - ITEM_OPTIONAL}"
        code = it["code"]
        assert isinstance(code, str) and CODE_RE.match(code), f"bad code {code!r}"
        seen[code] += 1
        for key, limit in (("label", MAX_LABEL), ("label_en", MAX_LABEL_EN)):
            value = it[key]
            assert isinstance(value, str) and value and value.strip() == value, f"{code}: {key}"
            assert len(value) <= limit, f"{code}: {key} longer than {limit}"
        assert re.search(r"[\u4e00-\u9fff]", it["label"]), f"{code}: label must be Chinese"
        assert it["label_en"].isascii(), f"{code}: label_en must be English"
        if "attrs" in it:
            attrs = it["attrs"]
            assert isinstance(attrs, dict) and attrs, f"{code}: attrs must be a non-empty object"
            for k, v in attrs.items():
                assert isinstance(k, str) and isinstance(v, str), f"{code}: attrs must be flat strings"
        if "children" in it:
            assert data["hierarchical"], f"{code}: children only in hierarchical types"
            assert isinstance(it["children"], list) and it["children"], f"{code}: empty children"
    dupes = [c for c, n in seen.items() if n > 1]
    assert not dupes, f"duplicate codes: {dupes}"


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_labels_unique_among_siblings(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    groups = defaultdict(list)
    for it, _depth, parent in _walk(data["items"]):
        key = parent["code"] if parent else None
        if data["code"] == "title":  # titles repeat across series (讲师, 馆员 …), never inside one series
            key = it["attrs"]["series"]
        elif data["code"] == "specialty" and parent is None:  # categories are per series (理学 …)
            key = "series " + it["attrs"]["series"]
        groups[key].append(it["label"])
    for key, labels in groups.items():
        dupes = [label for label, n in Counter(labels).items() if n > 1]
        assert not dupes, f"{key}: duplicate labels {dupes}"


# ----- national standards -----------------------------------------------------------------------
def test_ethnicity_gb3304():
    items = _load("ethnicity")["items"]
    codes = [it["code"] for it in items]
    assert codes == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    by_code = {it["code"]: it["label"] for it in items}
    assert len({label for c, label in by_code.items() if c <= "56"}) == 56
    assert all(by_code[f"{n:02d}"].endswith("族") for n in range(1, 57))
    for code, label in [("01", "汉族"), ("02", "蒙古族"), ("04", "藏族"), ("05", "维吾尔族"), ("08", "壮族"),
                        ("10", "朝鲜族"), ("11", "满族"), ("18", "傣族"), ("19", "黎族"), ("46", "德昂族"),
                        ("49", "京族"), ("55", "珞巴族"), ("56", "基诺族"), ("97", "其他"),
                        ("98", "外国血统中国籍人士")]:
        assert by_code[code] == label


def test_political_status_gb4762():
    by_code = {it["code"]: it["label"] for it in _load("political_status")["items"]}
    assert list(by_code) == [f"{n:02d}" for n in range(1, 14)]
    assert by_code["01"] == "中国共产党党员"
    assert by_code["03"] == "中国共产主义青年团团员"
    assert by_code["12"] == "无党派民主人士"
    assert by_code["13"] == "群众"


def test_education_gb4658():
    by_code = {it["code"]: it["label"] for it in _load("education")["items"]}
    for code, label in [("11", "博士研究生"), ("14", "硕士研究生"), ("21", "大学本科"), ("31", "大学专科"),
                        ("41", "中等专科"), ("44", "职业高中"), ("47", "技工学校"), ("61", "普通高中")]:
        assert by_code.get(code) == label
    codes = list(by_code)
    assert codes == sorted(codes), "highest education first, in code order"


def test_degree_gb6864():
    by_code = {it["code"]: it["label"] for it in _load("degree")["items"]}
    assert by_code["2"] == "博士" and by_code["3"] == "硕士" and by_code["4"] == "学士"
    assert "无" in by_code.values()


def test_region_gb2260():
    items = _load("region")["items"]
    provinces = {it["code"]: it for it in items}
    assert len(provinces) == 34
    assert all(re.fullmatch(r"\d{2}0000", c) for c in provinces)
    for code, label in [("110000", "北京市"), ("210000", "辽宁省"), ("440000", "广东省"),
                        ("450000", "广西壮族自治区"), ("500000", "重庆市"), ("540000", "西藏自治区"),
                        ("650000", "新疆维吾尔自治区"), ("710000", "台湾省"), ("810000", "香港特别行政区"),
                        ("820000", "澳门特别行政区")]:
        assert provinces[code]["label"] == label
    for it, depth, parent in _walk(items):
        assert depth <= 1
        if parent:
            assert re.fullmatch(r"\d{4}00", it["code"]) and not it["code"].endswith("0000")
            assert it["code"][:2] == parent["code"][:2], f"{it['code']} is not in {parent['code']}"
    guangdong = {c["code"]: c["label"] for c in provinces["440000"]["children"]}
    assert guangdong == {
        "440100": "广州市", "440200": "韶关市", "440300": "深圳市", "440400": "珠海市", "440500": "汕头市",
        "440600": "佛山市", "440700": "江门市", "440800": "湛江市", "440900": "茂名市", "441200": "肇庆市",
        "441300": "惠州市", "441400": "梅州市", "441500": "汕尾市", "441600": "河源市", "441700": "阳江市",
        "441800": "清远市", "441900": "东莞市", "442000": "中山市", "445100": "潮州市", "445200": "揭阳市",
        "445300": "云浮市",
    }
    liaoning = {c["code"]: c["label"] for c in provinces["210000"]["children"]}
    assert liaoning == {
        "210100": "沈阳市", "210200": "大连市", "210300": "鞍山市", "210400": "抚顺市", "210500": "本溪市",
        "210600": "丹东市", "210700": "锦州市", "210800": "营口市", "210900": "阜新市", "211000": "辽阳市",
        "211100": "盘锦市", "211200": "铁岭市", "211300": "朝阳市", "211400": "葫芦岛市",
    }


def test_id_type():
    by_code = _by_code("id_type")
    assert by_code["01"]["label"] == "居民身份证"
    assert by_code["01"]["attrs"]["checked"] == "gb11643"
    labels = {it["label"] for it in by_code.values()}
    assert {"香港居民身份证", "澳门居民身份证", "港澳台居民居住证"} <= labels


@pytest.mark.parametrize("type_code, codes", [
    ("course_type", ["public", "professional", "elective"]),
    ("achievement_category", ["normal", "major", "award"]),
    ("academic_type", ["paper", "book", "standard"]),
])
def test_codes_used_by_the_rules(type_code, codes):
    assert [it["code"] for it in _load(type_code)["items"]] == codes


@pytest.mark.parametrize("type_code, labels", [
    ("study_mode", {"全日制", "非全日制"}),
    ("completion_form", {"独立完成", "主持", "参与"}),
    ("annual_assessment", {"优秀", "合格", "基本合格", "不合格"}),
    ("project_level", {"国家级", "省部级", "市厅级", "县处级", "单位级"}),
    ("exam_category", {"职称外语", "计算机应用能力", "专业技术资格考试", "职业资格考试", "其他"}),
    ("dishonesty_type", {"申报材料造假", "学历资历造假", "业绩成果造假", "论文著作抄袭剽窃", "考试作弊", "评审违规", "其他"}),
    ("learning_form", {"面授培训", "网络培训", "学术会议", "进修学习", "其他"}),
    ("degree", {"博士", "硕士", "学士", "无"}),
])
def test_required_labels(type_code, labels):
    assert labels <= {it["label"] for it in _flat(type_code)}


# ----- title ladder -----------------------------------------------------------------------------
def test_title_levels():
    items = _load("title_level")["items"]
    assert [(it["code"], it["label"]) for it in items] == [
        ("1", "员级"), ("2", "助理级"), ("3", "中级"), ("4", "副高级"), ("5", "正高级"),
    ]
    assert [it["attrs"]["rank"] for it in items] == ["1", "2", "3", "4", "5"]


def test_required_series_exist():
    series = {it["code"] for it in _load("title_series")["items"]}
    assert set(REQUIRED_SERIES) <= series


def test_titles_refer_to_existing_series_and_level():
    series = set(_by_code("title_series"))
    levels = set(_by_code("title_level"))
    for it in _flat("title"):
        attrs = it.get("attrs") or {}
        assert set(attrs) <= {"series", "level", "track"}, it["code"]
        assert attrs.get("series") in series, f"{it['code']}: unknown series {attrs.get('series')}"
        assert attrs.get("level") in levels, f"{it['code']}: unknown level {attrs.get('level')}"
        if "track" in attrs:
            assert attrs["track"].strip(), it["code"]


def test_every_series_has_titles():
    with_titles = {it["attrs"]["series"] for it in _flat("title")}
    for code in REQUIRED_SERIES:
        assert code in with_titles, f"series {code} has no titles"
    assert set(_by_code("title_series")) <= with_titles, "every shipped series needs its titles"


def _ladders() -> dict[tuple[str, str | None], list[int]]:
    rank = {code: int(it["attrs"]["rank"]) for code, it in _by_code("title_level").items()}
    ladders: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for it in _flat("title"):
        a = it["attrs"]
        ladders[(a["series"], a.get("track"))].append(rank[a["level"]])
    return ladders


def test_ladders_have_one_title_per_level_and_no_gap():
    for key, ranks in _ladders().items():
        assert len(ranks) == len(set(ranks)), f"{key}: a level appears twice"
        assert sorted(ranks) == list(range(min(ranks), max(ranks) + 1)), f"{key}: gap in {sorted(ranks)}"


def test_shared_titles_sit_below_the_tracks():
    """A title without a track in a series with tracks is the common entry rung of every track."""
    ladders = _ladders()
    for (series, track), ranks in ladders.items():
        if track is None:
            continue
        shared = ladders.get((series, None))
        if shared:
            assert max(shared) < min(ranks), f"{series}/{track}: shared rung must be below the track"


def test_known_ladders():
    def ladder(series, track=None):
        titles = [it for it in _flat("title")
                  if it["attrs"]["series"] == series and it["attrs"].get("track") == track]
        return [t["label"] for t in sorted(titles, key=lambda t: int(t["attrs"]["level"]))]

    assert ladder("GC") == ["技术员", "助理工程师", "工程师", "高级工程师", "正高级工程师"]
    assert ladder("GXJS") == ["助教", "讲师", "副教授", "教授"]
    assert ladder("ZXXJS") == ["三级教师", "二级教师", "一级教师", "高级教师", "正高级教师"]
    assert ladder("WSJS", "医疗") == ["医士", "医师", "主治医师", "副主任医师", "主任医师"]
    assert ladder("WSJS", "药学") == ["药士", "药师", "主管药师", "副主任药师", "主任药师"]
    assert ladder("WSJS", "护理") == ["护士", "护师", "主管护师", "副主任护师", "主任护师"]
    assert ladder("WSJS", "技术") == ["技士", "技师", "主管技师", "副主任技师", "主任技师"]
    assert ladder("JJ") == ["助理经济师", "经济师", "高级经济师", "正高级经济师"]
    assert ladder("KJ") == ["助理会计师", "会计师", "高级会计师", "正高级会计师"]
    assert ladder("NY", "农艺") == ["助理农艺师", "农艺师", "高级农艺师", "正高级农艺师"]
    assert ladder("XW", "记者") == ["助理记者", "记者", "主任记者", "高级记者"]
    assert ladder("XW", "编辑") == ["助理编辑", "编辑", "主任编辑", "高级编辑"]
    gc_levels = {t["label"]: t["attrs"]["level"] for t in _flat("title") if t["attrs"]["series"] == "GC"}
    assert gc_levels["工程师"] == "3" and gc_levels["正高级工程师"] == "5"


# ----- specialty --------------------------------------------------------------------------------
def test_specialty_is_two_levels_and_categories_refer_to_series():
    series = set(_by_code("title_series"))
    tracks = {(it["attrs"]["series"], it["attrs"]["track"]) for it in _flat("title") if "track" in it["attrs"]}
    for category in _load("specialty")["items"]:
        attrs = category.get("attrs") or {}
        assert attrs.get("series") in series, f"{category['code']}: unknown series {attrs.get('series')}"
        if "track" in attrs:
            assert (attrs["series"], attrs["track"]) in tracks, f"{category['code']}: unknown track"
        children = category.get("children") or []
        assert children, f"{category['code']}: a category needs specialties"
        for child in children:
            assert "children" not in child, f"{child['code']}: only two levels"
            assert "series" not in (child.get("attrs") or {}), "the series belongs to the category"


def test_every_series_has_specialty_categories():
    counts = Counter(c["attrs"]["series"] for c in _load("specialty")["items"])
    missing = [s for s in _by_code("title_series") if not counts[s]]
    assert not missing, f"series without specialty categories: {missing}"
    assert counts["GC"] >= 3
    gc = {c["label"]: {s["label"] for s in c["children"]} for c in _load("specialty")["items"]
          if c["attrs"]["series"] == "GC"}
    assert "计算机应用技术" in gc["电子"]  # seed 003: 工程类 → 电子 → 计算机应用技术
