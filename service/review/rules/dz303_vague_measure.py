"""DZ303 整改措施过于笼统（缺少时限、数量，或只是口号）

检查什么 / What it checks:
  每条整改措施是否具体：有完成时限或频次（“2022年3月底前”“每月”“每季度”“年底前”），
  有数量（“至少1次”“不少于500字”“2篇”）。两级提示：
  - 既没有时限/频次，也没有数量：措施只是方向性表述或口号（“进一步加强”“切实提高”
    “不断增强”……），或者只是把问题反过来说（问题“学习不深入”→措施“深入学习”，与它
    所对应问题的标题比较）；
  - 写了数量但没有时限或频次：无法检查什么时候做到。
  只有年份（“2022年进一步加强……”）不算时限；有年份又有数量算具体；“逢年过节”“汛期”
  等固定时机算频次，“一律”“全部”算数量。措施组的小标题
  （如“2022年6月底前完成以下事项：”）对组内每条措施都有效。词表见
  lexicons/measures.yaml。
为什么 / Why (domain.md rubric Q15, Q16): 措施要有动作、对象、数量或频次和时限，
  才能在下一年对照检查时说清“做到了没有”；口号式措施被审核人退回为“措施过于笼统”。
示例 / Example:
  “切实加强学习，提升能力素质。”（口号）“深入学习理论。”（问题“理论学习不深入”反过来说）
  “撰写不少于2篇学习体会。”（有数量，没有时限）
应改为 / Instead write:
  “2022年起每月至少精读1篇原文并写不少于500字的笔记，6月底前在支部交流1次。”
来源 / Source: domain.md §2（措施：动作+对象+数量/频次+时限；口号、否定问题式措施不合格）、
  rubric Q15、Q16。
"""

from __future__ import annotations

from service.review.excerpt import excerpt

import re
from functools import lru_cache

from service.review import matching
from service.review.lexicon import load
from service.text.normalize import normalize_phrase
from service.text.segment import doc_segmentation

CODE = "DZ303"
NAME = "vague-measure"
CATEGORY = "vague_measure"
SEVERITY = "warning"
RUBRIC = ("Q15", "Q16")


@lru_cache(maxsize=1)
def _lex() -> dict:
    data = load("measures")

    def rx(key: str) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in data[key]))

    slogans = sorted({normalize_phrase(s) for s in data["slogans"]}, key=len, reverse=True)
    ignore = {normalize_phrase(w) for w in data["negation"] + data["negation_verbs"]}
    ignore.update(slogans)
    return {
        "deadline": rx("deadline"), "frequency": rx("frequency"), "quantity": rx("quantity"),
        # a deadline or a frequency, in one search
        "timed": re.compile("|".join(f"(?:{p})" for p in data["deadline"] + data["frequency"])),
        "year": rx("year"),
        "slogan": re.compile("|".join(map(re.escape, slogans))),
        "ignore": frozenset(ignore),
    }


def signals(text: str) -> dict[str, list[str]]:
    """The concreteness signals found in a measure's text (for tests and debugging)."""
    lex = _lex()
    return {key: [m.group(0) for m in lex[key].finditer(text)]
            for key in ("deadline", "frequency", "quantity", "year", "slogan")}




def _negates(ctx, res, m, problems: dict) -> str | None:
    """The headline of the answered problem this measure merely turns round, if any
    (``problems``: id → problem item)."""
    pids = res.answers.get(m.id) or []
    if not pids:
        return None
    ignore = _lex()["ignore"]
    seg = doc_segmentation(ctx)
    refs = [(r.start, r.end) for r in res.references.get(m.id, [])]
    hs = m.body_start
    # the measure headline's own words: two or more Hanzi, not a slogan, negation or
    # negation verb, not inside a "针对……的问题" reference
    core = [w for (w, s, e) in seg.span(hs, hs + len(m.headline))
            if len(w) > 1 and w not in ignore and all("\u4e00" <= ch <= "\u9fff" for ch in w)
            and not any(a <= s < b for a, b in refs)]
    if not core:
        return None
    for pid in pids:
        p = problems.get(pid)
        if p is not None and all(w in p.headline for w in core):
            return ctx.doc.norm.orig_text(p.body_start, p.body_start + len(p.headline))
    return None


_ASK = ("您具体打算做哪件事（动作和对象）？多久做一次、做多少？什么时候之前完成、"
        "由谁或用什么方式检查？请按您的实际安排写进措施（如“每月至少……”“……月底前完成……”）。")


def check(ctx, rule):
    doc = ctx.doc
    if not doc.measures:
        return
    lex = _lex()
    res = matching.result(ctx)
    problems = None
    for m in doc.measures:
        text = (m.group or "") + "\n" + m.text   # a group heading's deadline counts too
        if lex["timed"].search(text):
            continue
        qty = lex["quantity"].search(text)
        if qty and lex["year"].search(text):
            continue  # "2022年……至少1项": bounded by the year
        start = m.body_start
        end = start + max(1, len(m.headline))
        head = excerpt(ctx.doc.norm.orig_text(start, end))  # as the member wrote it
        if qty:
            yield ctx.finding(
                rule, start, end,
                f"措施“{head}”写了数量（“{qty.group(0)}”），但没有完成时限或频次，"
                "无法检查什么时候做到。",
                "请写明这件事从什么时候开始、多久做一次、什么时候之前完成"
                "（如“每月”“每季度”“几月底前”，按您的实际安排填写）。",
                item=m)
            continue
        if problems is None:
            problems = {p.id: p for p in doc.problems}
        negated = _negates(ctx, res, m, problems)
        slogans = list(dict.fromkeys(h.group(0) for h in lex["slogan"].finditer(text)))
        if negated:
            message = (f"措施“{head}”只是把问题“{excerpt(negated, 20)}”反过来说，"
                       "没有写出具体怎么做、做多少、什么时候完成。")
        elif slogans:
            quoted = "”“".join(slogans[:3])
            message = (f"措施“{head}”只有“{quoted}”这类方向性表述，没有时限、频次和数量，"
                       "无法检查是否做到。")
        else:
            message = f"措施“{head}”没有写明时限、频次和数量，无法检查是否做到。"
        yield ctx.finding(rule, start, end, message, _ASK, item=m)
