"""Structure configurations (prompts/structures/*.yaml) and service.structures."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from service import structures as S
from service.commands import structures as cmd
from service.structures import (
    STRUCTURE_DIR,
    Structure,
    StructureError,
    detect_structure,
    get_structure,
    list_structures,
    match_aspect,
    match_section,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = Path(__file__).parent / "fixtures" / "seed_2021.txt"
EXPECTED_IDS = {
    "org-life-2021", "org-life-2022", "dem-life-2022", "org-life-2023-theme",
    "dem-life-2023-theme", "org-life-2024", "dem-life-2024", "dem-life-2025",
}
ASPECT_KEYS = {"number", "title", "aliases", "keywords", "guidance", "confidence", "verified"}
TOP_KEYS = {"id", "meeting", "year", "theme", "title", "confidence", "sources", "aspects",
            "sections", "cause_dimensions", "terms", "notes"}
SEED_HEADINGS = [
    "（一）“对照党中央和习近平总书记的号召和要求”方面。",
    "（二）“对照新时代合格党员标准”方面。",
    "（三）“对照入党誓词”方面。",
    "（四）“对照革命先辈和先进典型”方面。",
]


def _yaml_files() -> list[Path]:
    return sorted(p for p in STRUCTURE_DIR.glob("*.yaml") if not p.name.startswith("_"))


# ---------------------------------------------------------------------------- data

def test_structure_dir_is_the_repository_folder():
    assert STRUCTURE_DIR == ROOT / "prompts" / "structures"


def test_every_domain_row_has_a_file_and_ids_match_names():
    files = _yaml_files()
    assert {p.stem for p in files} == EXPECTED_IDS
    for p in files:
        assert yaml.safe_load(p.read_text(encoding="utf-8"))["id"] == p.stem


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: p.stem)
def test_yaml_loads_validates_and_states_every_field(path: Path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert TOP_KEYS <= set(raw), f"{path.name} omits {TOP_KEYS - set(raw)}"
    for a in raw["aspects"]:
        assert ASPECT_KEYS <= set(a), f"{path.name} aspect {a.get('number')} omits fields"
    s = S.load_structure(path)
    assert s.id == path.stem
    assert s.sources and all("http" not in src for src in s.sources)   # no invented URLs
    assert [a.number for a in s.aspects] == list(range(1, len(s.aspects) + 1))
    kinds = {sec.kind for sec in s.required_sections()}
    assert {"problems", "causes", "measures"} <= kinds
    for a in s.aspects:
        if a.verified:
            assert a.guidance and a.keywords and a.confidence in ("H", "M")
    assert s.cause_dimensions[:4] == ["理想信念", "宗旨意识", "党性修养", "纪律规矩"]
    if s.meeting == "民主生活会":
        assert {"权力观", "政绩观"} <= set(s.cause_dimensions)
        assert any(sec.kind == "followup" and sec.required for sec in s.sections)
    else:
        assert "权力观" not in s.cause_dimensions


def test_list_structures_is_cached_and_complete():
    first = list_structures()
    assert {s.id for s in first} == EXPECTED_IDS
    assert list_structures()[0] is first[0]          # same objects: loaded once
    first.clear()                                    # callers cannot damage the cache
    assert len(list_structures()) == len(EXPECTED_IDS)
    assert S.structure_ids()[0] == "org-life-2021"


def test_org_life_2021_matches_the_domain_table():
    s = get_structure("org-life-2021")
    assert (s.meeting, s.year, s.theme, s.confidence) == ("组织生活会", 2021, "党史学习教育", "H")
    assert [a.title for a in s.aspects] == [
        "对照党中央和习近平总书记的号召和要求", "对照新时代合格党员标准",
        "对照入党誓词", "对照革命先辈和先进典型"]
    assert all(a.verified for a in s.aspects)
    assert "讲政治有信念、讲规矩有纪律、讲道德有品行、讲奉献有作为" in s.aspects[1].guidance
    assert "学史明理、学史增信、学史崇德、学史力行" in s.terms.expected
    assert "入党誓词" in s.aspects[2].aliases


def test_unconfirmed_aspects_are_flagged_not_settled():
    d22 = get_structure("dem-life-2022")
    assert len(d22.aspects) == 6
    assert [a.number for a in d22.unverified_aspects()] == [1, 2, 3, 4]
    assert {a.title for a in d22.aspects if a.verified} == {"带头发扬斗争精神", "带头落实全面从严治党政治责任"}
    d25 = get_structure("dem-life-2025")
    assert len(d25.aspects) == 5 and d25.aspects[0].title == "带头强化政治忠诚、提高政治能力"
    assert [a.number for a in d25.unverified_aspects()] == [2, 3, 4, 5]
    for s in list_structures():
        for a in s.aspects:
            if a.confidence == "L" or "待核实" in a.title:
                assert not a.verified and a.is_placeholder, (s.id, a.number)


@pytest.mark.parametrize("sid", ["dem-life-2023-theme", "dem-life-2024", "dem-life-2025"])
def test_case_analysis_required_where_domain_says(sid):
    assert [sec for sec in get_structure(sid).sections_of("case") if sec.required]


def test_case_analysis_not_required_elsewhere():
    for s in list_structures():
        if s.id not in ("dem-life-2023-theme", "dem-life-2024", "dem-life-2025"):
            assert not [sec for sec in s.sections_of("case") if sec.required], s.id


def test_model_rejects_dishonest_or_inconsistent_data():
    base = yaml.safe_load((STRUCTURE_DIR / "org-life-2021.yaml").read_text(encoding="utf-8"))
    bad_l = json.loads(json.dumps(base))
    bad_l["aspects"][0]["confidence"] = "L"                  # L but verified: true
    with pytest.raises(Exception, match="verified"):
        Structure.model_validate(bad_l)
    bad_id = json.loads(json.dumps(base))
    bad_id["meeting"] = "民主生活会"                          # org-life id, wrong meeting
    with pytest.raises(Exception, match="meeting"):
        Structure.model_validate(bad_id)
    gap = json.loads(json.dumps(base))
    gap["aspects"][1]["number"] = 3
    with pytest.raises(Exception, match="方面编号"):
        Structure.model_validate(gap)


# ---------------------------------------------------------------------------- get / errors

def _write(tmp_path: Path, name: str, data) -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True),
                 encoding="utf-8")
    return p


def _custom() -> dict:
    return {
        "id": "branch-2025-custom", "meeting": "组织生活会", "year": 2025,
        "title": "某支部2025年度组织生活会（按通知）",
        "aspects": [{"number": 1, "title": "对照党章党规"}, {"number": 2, "title": "对照身边榜样"}],
        "sections": [{"kind": "problems", "title": "存在的问题"},
                     {"kind": "causes", "title": "原因剖析"},
                     {"kind": "measures", "title": "整改措施"}],
        "cause_dimensions": ["理想信念", "宗旨意识", "党性修养", "纪律规矩"],
    }


def test_custom_yaml_and_json_files_are_accepted(tmp_path):
    y = _write(tmp_path, "mine.yaml", _custom())
    s = get_structure(str(y))
    assert s.id == "branch-2025-custom" and s.aspects[1].title == "对照身边榜样"
    assert get_structure(y).id == s.id                       # a Path works too
    j = tmp_path / "mine.json"
    j.write_text(json.dumps(_custom(), ensure_ascii=False), encoding="utf-8")
    assert get_structure(str(j)).aspects[0].title == "对照党章党规"
    assert match_aspect(s, "（二）对照身边榜样方面")[0] == 2


def _error(ref) -> str:
    with pytest.raises(StructureError) as info:
        get_structure(ref)
    msg = str(info.value)
    assert "\n" not in msg and msg.strip() == msg and msg
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg)
    return msg


def test_unknown_id_lists_the_available_ones():
    msg = _error("org-life-2019")
    assert msg.startswith("未知的结构：org-life-2019。可用：org-life-2021")
    assert "dem-life-2025" in msg


def test_paths_refused_when_not_allowed(tmp_path):
    y = _write(tmp_path, "mine.yaml", _custom())
    with pytest.raises(StructureError, match="^未知的结构："):
        get_structure(str(y), allow_path=False)
    assert get_structure("dem-life-2024", allow_path=False).id == "dem-life-2024"


def test_missing_field(tmp_path):
    data = _custom()
    del data["aspects"][1]["title"]
    msg = _error(str(_write(tmp_path, "x.yaml", data)))
    assert msg.startswith(f"结构文件 {tmp_path / 'x.yaml'} 第 aspects[1].title 项：缺少必填字段")


def test_wrong_types(tmp_path):
    data = _custom()
    data["year"] = "二〇二五"
    assert "year 项：应为整数" in _error(str(_write(tmp_path, "a.yaml", data)))
    data = _custom()
    data["aspects"][0]["verified"] = "也许"
    assert "aspects[0].verified 项：应为 true 或 false" in _error(str(_write(tmp_path, "b.yaml", data)))
    data = _custom()
    data["meeting"] = "党员大会"
    assert "meeting 项：取值应为组织生活会、民主生活会之一" in _error(str(_write(tmp_path, "c.yaml", data)))
    data = _custom()
    data["aspects"] = "对照党章"
    assert "aspects 项：应为列表" in _error(str(_write(tmp_path, "d.yaml", data)))
    data = _custom()
    data["aspect"] = []
    msg = _error(str(_write(tmp_path, "e.yaml", data)))
    assert "aspect 项：不认识的字段" in msg


def test_several_errors_reported_on_one_line(tmp_path):
    data = _custom()
    del data["meeting"]
    del data["title"]
    msg = _error(str(_write(tmp_path, "m.yaml", data)))
    assert "缺少必填字段" in msg and "另有 1 处错误" in msg


def test_bad_yaml_json_and_files(tmp_path):
    msg = _error(str(_write(tmp_path, "bad.yaml", "id: x\naspects: [1, 2\n  - :\n")))
    assert "不是有效的 YAML" in msg and "行" in msg
    msg = _error(str(_write(tmp_path, "bad.json", "{\"id\": ")))
    assert "不是有效的 JSON" in msg
    assert "顶层应为映射" in _error(str(_write(tmp_path, "list.yaml", "- a\n- b\n")))
    assert "是空的" in _error(str(_write(tmp_path, "empty.yaml", "  \n")))
    assert "太大" in _error(str(_write(tmp_path, "big.yaml", "# " + "x" * 1_000_001)))
    assert _error(str(tmp_path / "nope.yaml")) == f"无法读取结构文件 {tmp_path / 'nope.yaml'}：文件不存在"
    assert "目录" in _error(str(tmp_path) + "/")
    (tmp_path / "gbk.yaml").write_bytes("id: 组织".encode("gbk"))
    assert "不是 UTF-8 编码" in _error(str(tmp_path / "gbk.yaml"))


def test_builtin_id_mismatch_is_an_error(tmp_path, monkeypatch):
    data = yaml.safe_load((STRUCTURE_DIR / "org-life-2021.yaml").read_text(encoding="utf-8"))
    _write(tmp_path, "org-life-2020.yaml", data)
    monkeypatch.setattr(S, "STRUCTURE_DIR", tmp_path)
    S._builtin.cache_clear()
    S._by_id.cache_clear()
    try:
        with pytest.raises(StructureError, match="应与文件名 org-life-2020 一致"):
            list_structures()
    finally:
        monkeypatch.undo()
        S._builtin.cache_clear()
        S._by_id.cache_clear()
    assert len(list_structures()) == len(EXPECTED_IDS)


# ---------------------------------------------------------------------------- match_aspect

@pytest.mark.parametrize("number,heading", list(enumerate(SEED_HEADINGS, start=1)))
def test_seed_headings_match_their_aspect(number, heading):
    got, score = match_aspect(get_structure("org-life-2021"), heading)
    assert got == number and score == 1.0


@pytest.mark.parametrize("sid,heading,number", [
    ("org-life-2021", "三、对照入党誓词方面存在的问题", 3),
    ("org-life-2021", "（一）对照党中央和习近平总书记号召和要求方面：", 1),   # 的 missing
    ("org-life-2022", "1.在政治信仰方面", 1),
    ("org-life-2022", "（六）纪律作风方面。一是……", 6),
    ("dem-life-2024", "（一）带头严守政治纪律和政治规矩，维护党的团结统一方面", 1),
    ("dem-life-2024", "（三）在遵规守纪、清正廉洁前提下勇于担责、敢于创新", 3),
    ("dem-life-2022", "（五）“带头发扬斗争精神”方面", 5),
    ("org-life-2023-theme", "二、检视党性修养提高情况", 2),
])
def test_heading_variants_match(sid, heading, number):
    got, score = match_aspect(get_structure(sid), heading)
    assert got == number, (heading, score)
    assert S.MATCH_THRESHOLD <= score <= 1.0


@pytest.mark.parametrize("sid,heading", [
    ("org-life-2021", "（一）理论学习有所松懈，没有完全入脑入心。"),   # seed cause heading
    ("org-life-2021", "（二）坚持务实创新，改进工作方法。"),          # seed measure heading
    ("org-life-2021", "一、对照查摆出的突出问题"),
    ("org-life-2022", "一是理论学习还缺乏探索精神。"),
    ("org-life-2022", "三、下一步整改措施"),
    ("dem-life-2022", "（一）第一个带头"),                            # placeholders never match
    ("org-life-2021", ""),
    ("org-life-2021", "（一）"),
])
def test_unrelated_headings_do_not_match(sid, heading):
    got, score = match_aspect(get_structure(sid), heading)
    assert got is None and score < S.MATCH_THRESHOLD


def test_match_section():
    s = get_structure("dem-life-2024")
    assert match_section(s, "一、查摆的突出问题") == ("problems", 1.0)
    assert match_section(s, "二、产生问题的原因分析")[0] == "causes"
    assert match_section(s, "三、下一步整改措施")[0] == "measures"
    assert match_section(s, "四、反面典型案例剖析")[0] == "case"
    assert match_section(s, "（一）带头履行全面从严治党政治责任方面")[0] is None
    assert match_section(get_structure("org-life-2021"), "一、对照查摆出的突出问题") == ("problems", 1.0)


# ---------------------------------------------------------------------------- detection

def test_detect_seed_as_org_life_2021():
    d = detect_structure(SEED.read_text(encoding="utf-8"))
    assert d.structure is not None and d.structure.id == "org-life-2021"
    assert d.confidence >= 0.9
    assert "四个对照" in d.reason and "4 个方面标题中的 4 个匹配" in d.reason
    assert d.reason.endswith("判断为 org-life-2021（把握较大）")
    assert max(v for k, v in d.scores.items() if k != "org-life-2021") < 0.3


def test_detect_seed_after_normalization():
    from service.text.normalize import normalize
    d = detect_structure(normalize(SEED.read_text(encoding="utf-8")).text)
    assert d.structure.id == "org-life-2021" and d.confidence >= 0.9


def test_detect_dem_life_2022():
    text = ("2022年度民主生活会个人对照检查材料\n"
            "根据《关于召开2022年度民主生活会的通知》要求，现对照检查如下。\n"
            "一、查摆的突出问题\n"
            "（五）带头发扬斗争精神方面。去年3月信访积案清理中，我回避了2件历史遗留问题。\n"
            "（六）带头落实全面从严治党政治责任方面。对分管科室“四风”问题监督不够。\n")
    d = detect_structure(text)
    assert d.structure is not None and d.structure.id == "dem-life-2022"
    assert 0.4 <= d.confidence < 0.9                  # 4 of 6 aspects unknown: not certain
    assert "6 个方面标题中的 2 个匹配" in d.reason


def test_detect_dem_life_2024():
    text = ("2024年度民主生活会个人对照检查材料\n一、存在的问题\n"
            "（一）带头严守政治纪律和政治规矩，维护党的团结统一方面。\n"
            "（二）带头增强党性、严守纪律、砥砺作风方面。\n"
            "（三）带头在遵规守纪、清正廉洁前提下勇于担责、敢于创新方面。\n"
            "（四）带头履行全面从严治党政治责任方面。\n"
            "二、反面典型案例剖析\n三、整改措施\n")
    d = detect_structure(text)
    assert d.structure is not None and d.structure.id == "dem-life-2024"
    assert d.confidence >= 0.75 and "把握较大" in d.reason


def test_detect_org_life_2022_vs_2024_uses_the_year():
    body = "".join(f"（{n}）{t}方面。\n" for n, t in zip("一二三四五六", [
        "政治信仰", "党员意识", "理论学习", "能力本领", "作用发挥", "纪律作风"]))
    assert detect_structure("2022年度组织生活会对照检查\n" + body).structure.id == "org-life-2022"
    assert detect_structure("2024年度组织生活会对照检查\n" + body).structure.id == "org-life-2024"
    d = detect_structure("组织生活会对照检查\n" + body)   # no year: ambiguous, low confidence
    assert d.confidence < 0.5 and "难以区分" in d.reason


@pytest.mark.parametrize("text", [
    "今天天气很好，我们去公园散步。公园里有很多人在跳舞，孩子们在放风筝。\n" * 30,
    "",
    "民主生活会发言",                                  # meeting type alone is not enough
    "第一章 总则\n第一条 为了规范财务报销流程，制定本办法。\n",
])
def test_detect_nothing_fits(text):
    d = detect_structure(text)
    assert d.structure is None
    assert d.confidence < S.DETECT_MIN_SCORE
    assert "无法判断结构" in d.reason


def test_detect_with_custom_candidates(tmp_path):
    s = get_structure(str(_write(tmp_path, "mine.yaml", _custom())))
    text = "2025年度组织生活会对照检查\n（一）对照党章党规方面。\n（二）对照身边榜样方面。\n"
    d = detect_structure(text, structures=[s])
    assert d.structure is s and d.confidence >= 0.75


def test_detection_is_fast():
    text = (SEED.read_text(encoding="utf-8") * 3)[:10_000]
    detect_structure(text)                            # warm the caches
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        detect_structure(text)
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.020, f"{per_call * 1000:.1f} ms per 10k-character text"


def test_import_stays_light():
    code = ("import sys, service.structures, service.commands.structures; "
            "bad = [m for m in ('litellm', 'fastapi', 'jinja2') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


# ---------------------------------------------------------------------------- CLI

def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="duizhao")
    cmd.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_cli_list(capsys):
    args = _parse(["structures"])
    assert args.func is cmd.run
    assert cmd.run(args) == 0
    out, err = capsys.readouterr()
    assert err == ""
    header = out.splitlines()[0].split()
    assert header == ["ID", "会议", "年份", "主题", "把握"]
    for sid in EXPECTED_IDS:
        assert sid in out
    assert "党史学习教育" in out and "高（H）" in out and "低（L）" in out


def test_cli_one_id(capsys):
    assert cmd.run(_parse(["structures", "dem-life-2022"])) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "1. 【待核实】第一个带头（待核实，请按通知原文填写）" in out
    assert "5. 带头发扬斗争精神" in out and "5. 【待核实】" not in out
    assert "（整改落实情况，必需）" in out and "（查摆问题，必需）" in out
    assert "原因剖析维度：理想信念、宗旨意识、党性修养、纪律规矩、权力观、政绩观" in out
    assert "来源：" in out and "domain.md §3" in out
    assert "第 1、2、3、4 个方面未经核实" in out


def test_cli_optional_section_and_terms(capsys):
    assert cmd.run(_parse(["structures", "org-life-2021"])) == 0
    out = capsys.readouterr().out
    assert "（整改落实情况，可选）" in out
    assert "应有提法：学史明理、学史增信、学史崇德、学史力行" in out
    assert "【待核实】" not in out


def test_cli_custom_path(tmp_path, capsys):
    p = _write(tmp_path, "mine.yaml", _custom())
    assert cmd.run(_parse(["structures", str(p)])) == 0
    assert "1. 对照党章党规" in capsys.readouterr().out


def test_cli_unknown_id(capsys):
    assert cmd.run(_parse(["structures", "org-life-2019"])) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "未知的结构：org-life-2019。可用：" in err


def test_cli_broken_file(tmp_path, capsys):
    p = _write(tmp_path, "bad.yaml", "id: [\n")
    assert cmd.run(_parse(["structures", str(p)])) == 2
    out, err = capsys.readouterr()
    assert out == "" and "不是有效的 YAML" in err and err.count("\n") == 1
