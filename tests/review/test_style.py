"""DZ602 length_balance, DZ603 ai_flavour, DZ604 register, DZ605 confidential."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from evals.harness import clean_document
from service.document import parse
from service.review import lexicon
from service.review.context import ReviewContext
from service.review.registry import get_rule
from service.review.rules import dz602_length_balance, dz605_confidential

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_2021.txt"
MINE = ("DZ201", "DZ202", "DZ602", "DZ603", "DZ604", "DZ605")


def run(code: str, text: str):
    rule = get_rule(code)
    ctx = ReviewContext(doc=parse(text))
    return list(rule.check(ctx, rule))


def doc(problems: str, preamble: str = "", measures: str = "（一）2022年起每月补学1次原文。",
        causes: str = "（一）宗旨意识淡化，我没有把群众的事当成自己的事。") -> str:
    return ("2021年度组织生活会个人对照检查材料\n" + (preamble + "\n" if preamble else "")
            + "一、对照检查出的问题\n" + problems + "\n二、产生问题的原因\n" + causes
            + "\n三、整改措施\n" + measures + "\n")


@pytest.mark.parametrize("code", MINE)
def test_clean_document_has_no_finding_of_mine(code):
    assert run(code, clean_document()) == []


# --------------------------------------------------------------------------- DZ602

PROBLEMS = ("一是以干代学。今年12次集中学习我缺席了3次，事后只看了会议纪要，没有补学原文，"
            "7月支部交流学习体会时我发言只有两三句，讲不出自己的理解。\n"
            "二是服务群众有畏难情绪。9月一位纳税人连续两次来窗口咨询退税进度，我只让他回去等通知，"
            "没有帮他查明卡在哪个环节，他第三次来才由科长解决。")


def test_dz602_share_below_threshold_reports_percentage_at_problems_heading():
    long_measures = "\n".join(f"（{n}）2022年每月完成第{n}项学习任务，写出不少于500字的笔记，交党小组长检查，"
                              "每季度在支部交流1次学习体会，年底前完成在线学习课程不少于50学时。"
                              for n in "一二三四五六")
    text = doc(PROBLEMS, measures=long_measures)
    found = run("DZ602", text)
    assert len(found) == 1
    f = found[0]
    assert text[f.start:f.end].startswith("一、对照检查出的问题")
    assert "%" in f.message and "低于50%" in f.message and f.severity == "info"


def test_dz602_threshold_comes_from_yaml(monkeypatch):
    text = clean_document()
    assert run("DZ602", text) == []
    cfg = dict(lexicon.load("length_balance"), min_share=0.99)
    monkeypatch.setattr(dz602_length_balance, "load", lambda name: cfg)
    assert len(run("DZ602", text)) == 1


def test_dz602_preamble_longer_than_problems():
    pre = ("按照支部通知要求，我认真学习了指定材料。" + "在工作上，我牵头完成了征管数据清理，全年办理业务1.2万件，"
           "群众满意率达到99%，被评为优秀窗口服务标兵。" * 4)
    text = doc("一是以干代学。12次集中学习我缺席了3次，事后没有补学原文，交流时讲不出理解。", preamble=pre,
               causes="（一）理想信念有所松懈，我把理论学习当作软任务，认为业务过硬就行，没有补学。" * 3)
    found = run("DZ602", text)
    pre_findings = [f for f in found if "工作汇报" in f.message]
    assert len(pre_findings) == 1
    assert text[pre_findings[0].start:pre_findings[0].end] == pre


def test_dz602_needs_a_problems_section_and_enough_text():
    assert run("DZ602", "个人对照检查材料\n按要求学习了材料。\n三、整改措施\n（一）每月补学1次。\n") == []
    assert run("DZ602", doc("一是以干代学，我缺席3次。", measures="（一）每月补学1次。" * 10)) == []


# --------------------------------------------------------------------------- DZ603

def test_dz603_chain_counts_within_one_section_only():
    # 首先 in the causes, 其次/最后 in the measures: not one chain
    text = doc(PROBLEMS, causes="（一）首先，宗旨意识淡化，我没有替群众着想。",
               measures="（一）其次，每月补学1次。\n（二）最后，每季度交流1次。")
    assert run("DZ603", text) == []
    text = doc(PROBLEMS, measures="（一）首先，每月补学1次；其次，每季度交流1次；再次，每月回访2人。")
    found = run("DZ603", text)
    assert len(found) == 1 and "首先……其次……再次" in found[0].message


@pytest.mark.parametrize("measure,flag", [
    ("（一）综上所述，2022年每月补学1次。", True),
    ("（一）2022年每月补学1次，在新的征程上奋力谱写税收事业新篇章。", True),
    ("（一）以党员的实际行动回应群众期盼，每月回访2人。", True),
    ("（一）所以我的实际行动要跟上，每月回访2人。", False),
    ("（一）以实际行动改正拖延，3月底前补开2次党小组会。", False),
    ("（一）以党小组为抓手，每月组织1次学习，打通查询环节。", False),   # 2 buzzwords: below 3
    ("（一）以数字化赋能学习，打通堵点，形成闭环。", True),
    ("（一）增强“四个意识”、坚定“四个自信”、做到“两个维护”，每月学习1次。", False),
    ("（一）坚持学深悟透、融会贯通、真学真信、笃信笃行、知行合一。", True),
    ("（一）学史明理、学史增信、学史崇德、学史力行，每季度写1篇心得。", False),
])
def test_dz603_phrases(measure, flag):
    assert bool(run("DZ603", doc(PROBLEMS, measures=measure))) is flag


def test_dz603_findings_quote_the_phrase():
    found = run("DZ603", doc(PROBLEMS, measures="（一）综上所述，2022年每月补学1次。"))
    assert "“综上所述”" in found[0].message and found[0].item == "m1"


# --------------------------------------------------------------------------- DZ604

@pytest.mark.parametrize("problem,flag", [
    ("一是作为一名党员应当冲锋在前。", True),
    ("一是作为党员，应该时刻牢记初心使命。", True),
    ("一是作为党员，我们应该冲锋在前。", True),           # 我们 is not a first-person turn
    ("一是作为党员本应冲锋在前，我却躲在后面。", False),
    ("一是学习不能停，你不学习就会落后。", True),
    ("一是纳税人说“你就会让人等”，我没有解释。", False),
    ("一是大家要把学习当作第一要务，我却缺席3次。", True),
    ("一是书记强调，大家要把学习抓在平时，我却缺席3次。", False),
    ("一是我们支部的12次学习我缺席了3次。", False),
    ("一是同志们，学习绝不能搞形式主义。", True),
    ("一是组织生活会上同志们给我提意见，我没有认真记录。", False),   # not a form of address
])
def test_dz604_preaching(problem, flag):
    found = [f for f in run("DZ604", doc(problem)) if f.item]
    assert bool(found) is flag


def test_dz604_message_quotes_and_one_finding_per_item():
    found = run("DZ604", doc("一是我们要加强学习，大家要学深悟透。同志们，要行动起来。"))
    assert len(found) == 1
    for phrase in ("我们要", "大家要", "同志们"):
        assert f"“{phrase}”" in found[0].message


def test_dz604_problems_without_first_person():
    body = ("一是理论学习存在以干代学的情况，12次集中学习缺席3次，事后没有补学原文，交流时讲不出理解。\n"
            "二是服务群众有畏难情绪，9月一位纳税人为退税来回跑了三趟，窗口只让他回去等通知。\n"
            "三是我们支部的党小组会第二季度原定3次，实际只开了1次。")
    text = doc(body)
    found = run("DZ604", text)
    assert len(found) == 1 and found[0].item is None
    assert text[found[0].start:found[0].end].startswith("一、对照检查出的问题")
    assert run("DZ604", doc(body.replace("缺席3次", "本人缺席3次"))) == []
    # a short problems section (a headline-only sketch) is left to other rules
    assert run("DZ604", doc("一是理论学习存在以干代学的情况。")) == []


# --------------------------------------------------------------------------- DZ605

def test_dz605_id_checksum_and_luhn():
    assert dz605_confidential._valid_id("11010519491231002X")
    assert not dz605_confidential._valid_id("110105194912310021")   # bad check digit
    assert not dz605_confidential._valid_id("11010519491331002X")   # month 13
    assert dz605_confidential._luhn("6222021234567890128")
    assert not dz605_confidential._luhn("6222021234567890127")


@pytest.mark.parametrize("snippet,what", [
    ("手机13812345678", "手机号"),
    ("电话138-1234-5678", "手机号"),
    ("身份证11010519491231002X", "身份证号"),
    ("卡号6222 0212 3456 7890 128", "银行卡号"),
    ("卡号6217001234567893", "银行卡号"),
])
def test_dz605_personal_data_is_masked_in_message(snippet, what):
    text = doc(f"一是9月纳税人李某（{snippet}）来咨询，我只让他回去等通知。")
    found = run("DZ605", text)
    assert len(found) == 1 and found[0].severity == "error"
    f = found[0]
    assert what in f.message and "删除" in f.message
    digits = "".join(c for c in text[f.start:f.end] if c.isalnum())
    assert digits not in f.message                      # never repeat the full number
    assert digits[-4:] in f.message and "*" in f.message


@pytest.mark.parametrize("snippet", [
    "手机138****5678",
    "退税13500000000元",
    "编号110105194912310021",
    "日期20211015",
    "第138123456789012次",      # 15 digits: neither phone nor card
])
def test_dz605_numbers_that_are_not_personal_data(snippet):
    assert run("DZ605", doc(f"一是9月纳税人李某（{snippet}）来咨询，我只让他回去等通知。")) == []


@pytest.mark.parametrize("text,mark", [
    ("机密★1年\n" + doc("一是我缺席3次学习。"), "机密★1年"),
    ("绝密 ★ 长期\n" + doc("一是我缺席3次学习。"), "绝密 ★ 长期"),
    (doc("一是我缺席3次学习。").replace("检查材料\n", "检查材料\n秘密\n"), "秘密"),
    (doc("一是我缺席3次学习。").replace("检查材料\n", "检查材料\n（此件不公开）\n"), "（此件不公开）"),
    (doc("一是我缺席3次学习。").replace("检查材料\n", "检查材料（密级：机密）\n"), "密级：机密"),
    (doc("一是我缺席3次学习。") + "内部资料，请勿外传\n", "内部资料，请勿外传"),
])
def test_dz605_secrecy_marks_span_the_original_text(text, mark):
    found = run("DZ605", text)
    assert len(found) == 1
    assert text[found[0].start:found[0].end].strip("（）") == mark.strip("（）")


@pytest.mark.parametrize("problem", [
    "一是我把标有“机密★1年”的纪要发到了工作群。",
    "一是我把印有秘密★的文件放在桌上离开。",
])
def test_dz605_star_marks_are_reported_even_in_a_confession(problem):
    found = run("DZ605", doc(problem))
    assert len(found) == 1 and "一份涉密文件" in found[0].suggestion


@pytest.mark.parametrize("problem", [
    "一是保密意识不强。我把涉密文件带回家中过夜。",
    "一是没有标注密级就把材料发到工作群。",
    "一是我把标有“内部资料 注意保密”的通知转发到了工作群。",
    "一是我接触机密文件时没有登记。",
    "一是对照入党誓词“**保守党的秘密**”，我在群里讨论了未公开的安排。",
    "一是内部资料管理不规范，我把2份材料带出办公室。",
])
def test_dz605_secrecy_topics_pass(problem):
    assert run("DZ605", doc(problem)) == []


# --------------------------------------------------------------------------- timing

def test_my_rules_are_fast_on_a_5000_character_document():
    text = SEED.read_text(encoding="utf-8")
    text = text + text[300:2000]        # ~5,100 characters
    assert len(text) >= 5000
    rules = [get_rule(c) for c in MINE]
    docs = [parse(text) for _ in range(5)]
    best = float("inf")
    for d in docs:
        ctx = ReviewContext(doc=d)
        t0 = time.perf_counter()
        for r in rules:
            list(r.check(ctx, r))
        best = min(best, time.perf_counter() - t0)
    assert best < 0.005, f"{best * 1000:.2f} ms"
