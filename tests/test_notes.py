"""Role notes: loading, Chinese aliases, one-line Chinese errors, bounds, views."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.notes import MAX_CHARS, NotesError, RoleNotes, load_notes, parse_notes

DESIGN_EXAMPLE = """\
role: 征管科科员
unit: 某区税务局征管科
party_duties: [党小组长]
years_in_party: 8
background: 2016年从部队转业
structure: org-life-2021
facts:
  - 4月税费支持政策出台后只在窗口被动解答，没有主动梳理32户小微企业
feedback:
  - 同事反映：党小组会有3次取消后没有补开
last_year:
  - {measure: 每月撰写1篇学习体会, status: partial, note: 只坚持了5个月}
self_assessment: [理论学习满足于读原文，没有联系窗口工作]
name: 张三
"""

CHINESE_KEYS = """\
职务: 征管科科员
单位: 某区税务局征管科
党内职务: 党小组长
党龄: 8年
经历: 2016年从部队转业
年度: 2021
会议: 组织生活会
事实:
  - 4月税费支持政策出台后只在窗口被动解答，没有主动梳理32户小微企业
意见:
  - 同事反映：党小组会有3次取消后没有补开
上年度整改:
  - {措施: 每月撰写1篇学习体会, 完成情况: 部分完成, 说明: 只坚持了5个月}
自我查摆: 理论学习满足于读原文
姓名: 张三
"""


def test_design_example_loads():
    n = load_notes(DESIGN_EXAMPLE)
    assert n.role == "征管科科员"
    assert n.party_duties == ["党小组长"]
    assert n.years_in_party == 8
    assert n.last_year[0].status == "partial" and n.last_year[0].note == "只坚持了5个月"
    assert n.structure_id() == "org-life-2021"
    assert n.name == "张三"


def test_chinese_keys_equal_english_keys():
    a, b = load_notes(DESIGN_EXAMPLE), load_notes(CHINESE_KEYS)
    assert b.role == a.role and b.unit == a.unit and b.facts == a.facts
    assert b.feedback == a.feedback and b.last_year == a.last_year
    assert b.party_duties == ["党小组长"] and b.years_in_party == 8
    assert b.self_assessment == ["理论学习满足于读原文"]
    assert b.structure_id() == "org-life-2021"


@pytest.mark.parametrize("zh,en", [("已完成", "done"), ("部分完成", "partial"), ("未完成", "not_done"),
                                   ("done", "done"), ("not-done", "not_done")])
def test_status_aliases(zh, en):
    n = load_notes(f"role: 科员\nfacts: [a]\nlast_year:\n  - {{measure: m, status: {zh}}}\n")
    assert n.last_year[0].status == en


def test_json_and_bytes_and_path(tmp_path):
    data = {"role": "教师", "事实": ["9月接手初二(3)班后三周没有家访"]}
    as_json = json.dumps(data, ensure_ascii=False)
    assert load_notes(as_json).facts == data["事实"]
    assert load_notes(as_json.encode("utf-8")).role == "教师"
    assert load_notes("\ufeff".encode() + as_json.encode()).role == "教师"  # BOM
    p = tmp_path / "n.json"
    p.write_text(as_json, encoding="utf-8")
    assert load_notes(p).role == "教师"
    assert load_notes(str(p)).role == "教师"
    y = tmp_path / "n.yaml"
    y.write_bytes("role: 教师\nfacts: [一次]\n".encode("gb18030"))  # legacy Windows encoding
    assert load_notes(y).facts == ["一次"]
    assert parse_notes(data).role == "教师"
    assert load_notes(data).role == "教师"


ERRORS = [
    ("role: 科员\nfacts: []\n", "角色笔记无效：facts（事实）至少需要一条"),
    ("role: 科员\n", "facts（事实）缺失"),
    ("facts: [a]\n", "role（职务）缺失"),
    ("role: 科员\nfact: [a]\n", "未知字段“fact”"),
    ("role: 科员\n职务: x\nfacts: [a]\n", "role（职务）重复"),
    ("role: 科员\nfacts: [a]\nlast_year:\n  - {measure: m, status: 差不多}\n", "last_year 第1条 status（上年度整改·完成情况）"),
    ("role: 科员\nfacts: [a]\nlast_year: [每月一篇]\n", "status（上年度整改·完成情况）缺失"),
    ("role: 科员\nfacts: [a]\nyears_in_party: 很久\n", "years_in_party（党龄）应为整数"),
    ("role: 科员\nfacts: [a]\nmeeting: 座谈会\n", "meeting（会议）应为 组织生活会 或 民主生活会"),
    ("role: 科员\nfacts: [a]\nyear: 1921\n", "year（年度）数值不合理"),
    ("- a\n- b\n", "顶层应为键值对"),
    ("role: [1,\n", "不是有效的 YAML：第 2 行"),
    ('{"role": "x", ', "不是有效的 JSON"),
    ("", "角色笔记为空"),
    ("a: &x [1]\nb: *x\n", "锚点"),
    ("role: 科员\nfacts: [{a: 1, b: 2}]\n", "facts 第1条（事实）应为文字"),
]


@pytest.mark.parametrize("src,expected", ERRORS)
def test_errors_are_one_chinese_line(src, expected):
    with pytest.raises(NotesError) as ei:
        load_notes(src)
    msg = str(ei.value)
    assert expected in msg
    assert "\n" not in msg and "Traceback" not in msg
    assert "pydantic" not in msg.lower() and "validation error" not in msg.lower()


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(NotesError, match="不存在"):
        load_notes(tmp_path / "nope.yaml")
    with pytest.raises(NotesError, match="不存在"):
        load_notes(str(tmp_path / "nope.yaml"))
    with pytest.raises(NotesError, match="是目录"):
        load_notes(tmp_path)
    with pytest.raises(NotesError, match="UTF-8"):
        load_notes(b"\xff\xfe\xff\x80\x81")


def test_size_bound():
    ok = "role: 科员\nfacts:\n" + "".join(f"  - {'长' * 99}\n" for _ in range(150))
    assert len(load_notes(ok).facts) == 150
    big = "role: 科员\nfacts:\n" + "".join(f"  - {'长' * 199}\n" for _ in range(MAX_CHARS // 199 + 1))
    with pytest.raises(NotesError, match=f"超过上限 {MAX_CHARS} 字"):
        load_notes(big)
    with pytest.raises(NotesError, match="过长"):
        load_notes("role: x\nfacts: [a]\n#" + "x" * 100_000)
    with pytest.raises(NotesError, match="条目过多"):
        load_notes("role: 科员\nfacts:\n" + "  - a\n" * 201)


def test_yaml_colon_in_fact_is_kept_as_text():
    n = load_notes("role: 科员\nfacts:\n  - 同事反映: 三次未补开\n  - 2021\n")
    assert n.facts == ["同事反映: 三次未补开", "2021"]


def test_blank_entries_dropped_and_strings_stripped():
    n = load_notes("role: '  科员 '\nfacts: ['  a ', '', '   ']\nunit: ''\n")
    assert n.role == "科员" and n.facts == ["a"] and n.unit is None


def test_all_text_covers_statements_not_name():
    n = load_notes(DESIGN_EXAMPLE)
    text = n.all_text()
    for needle in ("32户小微企业", "3次取消", "每月撰写1篇学习体会", "只坚持了5个月", "读原文", "2016年从部队转业"):
        assert needle in text
    assert "张三" not in text


def test_for_model_drops_name_unless_asked():
    n = load_notes(DESIGN_EXAMPLE)
    d = n.for_model()
    assert "name" not in d and "张三" not in json.dumps(d, ensure_ascii=False)
    assert d["last_year"][0] == {"measure": "每月撰写1篇学习体会", "status": "partial", "note": "只坚持了5个月"}
    assert n.for_model(include_name=True)["name"] == "张三"
    thin = load_notes("role: 科员\nfacts: [a]\n").for_model()
    assert thin == {"role": "科员", "facts": ["a"]}


@pytest.mark.parametrize("meeting,year,expected", [
    ("组织生活会", 2022, "org-life-2022"), ("民主生活会", 2024, "dem-life-2024"),
    ("专题组织生活会", 2023, "org-life-2023-theme"), ("dem-life", 2025, "dem-life-2025"),
])
def test_structure_id_from_year_and_meeting(meeting, year, expected):
    assert load_notes(f"role: x\nfacts: [a]\nmeeting: {meeting}\nyear: {year}\n").structure_id() == expected


def test_frozen():
    n = load_notes(DESIGN_EXAMPLE)
    with pytest.raises(Exception):
        n.role = "x"  # type: ignore[misc]
    assert isinstance(n, RoleNotes)


def test_examples_load(examples_dir):
    files = sorted(Path(examples_dir).glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        n = load_notes(f)
        assert n.facts and n.role


def test_import_is_light():
    code = "import sys, service.notes; bad=[m for m in ('litellm','fastapi','jinja2') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
