"""DZ101 问题空泛，缺少具体事例

检查什么 / What it checks:
  逐条看查摆出的问题（不是逐个词）：这一条有没有写出具体的事——时间、数量、他人原话，
  或者至少本人的具体行为、场合、造成的影响、当时的想法。信号的识别和打分见
  service/review/specificity.py（词表 lexicons/formulaic.yaml）。
  - error：整条没有任何具体信号（既没有时间、数量、原话，也没有本人行为、场合、影响、
    想法；“今年以来”“导致……”“比如”这类模糊说法不算）；
  - warning：只有零星线索（如只提到“集中学习”“朋友圈”，或只有本人的一个做法），没有
    时间、数量或原话，而标题是套话（“不够深入”“有待提高”“缺乏……精神”……）或套话
    不止一处；
  - 不报：写出了时间、数量或他人原话的条目，即使标题用了一次“不够严格”；本人的具体
    做法加上场合、后果或当时想法（“讨论人员调整时我有不同意见，会上没有讲，会后却在
    科室议论”）——这已是一件事；留有【待补：……】的条目（由占位符规则提醒本人补写）；
    已被 DZ102 报为明批暗褒（error）的条目（那里已要求换成一件真缺点并写明事例，
    不再重复报空泛）。以建议代替批评、写别人的问题等条目若也没有具体的事，仍照常报。
为什么 / Why (domain.md rubric Q4, Q6): 问题要“见人见事见思想”。只有“理论学习不够深入”
  “宗旨意识有待提高”、没有一件事的条目，是审核中最常见的退回理由，有的单位明确要求
  “不够”之后必须跟事例。
示例 / Example: “一是理论学习不够深入。对党的创新理论学习不够系统，学用结合还不够。”
应改为 / Instead write: “一是学习存在以干代学的情况。今年支部12次集中学习我缺席了3次，
  事后只看了会议纪要，没有补学原文……”（时间、次数、本人做了什么，都要是自己的真事。）
来源 / Source: domain.md §2“Problems must be 见人见事见思想”；评分表 Q4、Q6。
"""

from __future__ import annotations

import re

from service.review.specificity import LABELS, TIER, explain
from service.text.segment import doc_segmentation, is_content

CODE = "DZ101"
NAME = "formulaic-problem"
CATEGORY = "formulaic"
SEVERITY = "error"
RUBRIC = ("Q4", "Q6")

_MAX_QUOTED = 3
_SHORT_STOCK = 4      # stock hits shorter than this are quoted with some context
_CLAUSE_MARKS = ",;。!?:\n“”"
# everything up to the last clause mark (its end: where the clause after it starts)
_UP_TO_LAST_MARK = re.compile(".*[" + re.escape(_CLAUSE_MARKS) + "]", re.DOTALL)
_HEADLINE_CHARS = 24

# the questions that make a problem specific, by the dimension they ask for
_QUESTIONS = {
    "time": "什么时间？",
    "count": "涉及几次、几人或几件？",
    "behaviour": "你本人当时具体做了什么、没做什么？",
    "harm": "造成了什么影响？",
    "thinking": "当时是怎么想的？",
}


def _stock_quotes(ctx, exp, lo: int) -> list[str]:
    """Stock phrases as quoted in messages (the first _MAX_QUOTED distinct ones),
    headline ones first. A short hit (不够, 不强) is quoted from the previous content
    word of its clause (运用不够, 勇气不足), using the document's one cached
    segmentation."""
    text = ctx.text
    out = []
    ordered = exp.headline_stock + [s for s in exp.stock if s not in exp.headline_stock]
    seg = None
    # the messages quote the first _MAX_QUOTED distinct ones: stop there
    for s in ordered[:_MAX_QUOTED * 2]:
        if len(out) >= _MAX_QUOTED and len(set(out)) >= _MAX_QUOTED:
            break
        start = s.start
        if s.end - s.start < _SHORT_STOCK:
            m = _UP_TO_LAST_MARK.match(text, lo, s.start)
            cs = m.end() if m else lo
            seg = seg or doc_segmentation(ctx)
            for word, ws, _we in reversed(seg.span(cs, s.start)):
                start = ws
                if is_content(word):
                    break
        out.append(ctx.doc.norm.orig_text(start, s.end))
    return list(dict.fromkeys(out))


def _quote_list(phrases: list[str]) -> str:
    return "".join(f"“{p}”" for p in phrases[:_MAX_QUOTED])


def _questions(missing: list[str]) -> str:
    asks = ["具体是哪件事？"] + [_QUESTIONS[k] for k in missing if k in _QUESTIONS]
    return "".join(asks)


def _suggestion(missing: list[str]) -> str:
    return ("请用本年度自己经历的一件真事把这一条写实：" + _questions(missing)
            + "只写真实发生过的事，数字和时间以自己的记录为准，不要套用范文。")


def _partial_is_enough(exp) -> bool:
    """A first-person act together with another partial signal (where it happened,
    whom it hurt, what the member thought) is an event even without a date."""
    kinds = {k for k in exp.counts if TIER.get(k, "vague") == "partial"}
    return "behaviour" in kinds and len(kinds) >= 2


def _disguised_praise(ctx, item) -> bool:
    """DZ102 reports the item as disguised praise at error level: its finding already
    asks for a real flaw with its event, so "which event?" here would only be noise."""
    from service.review.rules import dz102_disguised_praise

    hits, _sandwich = dz102_disguised_praise.detect(ctx, item)
    return any(dz102_disguised_praise.group_severity(g) == "error" for g, _a, _b in hits)


def check(ctx, rule):
    for item in ctx.doc.problems:
        exp = explain(ctx, item)
        if exp.tier == "strong" or exp.has("pending"):
            continue
        if _disguised_praise(ctx, item):
            continue
        if exp.tier == "partial" and _partial_is_enough(exp):
            continue
        stock = _stock_quotes(ctx, exp, item.body_start)
        headline = ctx.doc.norm.orig_text(item.body_start, item.body_start + len(item.headline))
        if len(headline) > _HEADLINE_CHARS:
            headline = headline[:_HEADLINE_CHARS] + "……"
        if exp.tier == "partial":
            if not exp.headline_stock and len(exp.stock) < 2:
                continue
            found = "、".join(dict.fromkeys(LABELS[s.kind] for s in exp.signals
                                             if s.tier == "partial"))
            message = (f"这一条以套话{_quote_list(stock)}概括问题，只提到了{found}，"
                       "没有写出时间、数量或他人的原话，还看不出具体是哪件事。")
            yield ctx.finding(rule, item.start, item.end, message,
                              _suggestion(exp.missing), item=item, severity="warning")
            continue
        # tier vague / none: no concrete signal at all
        if stock:
            message = (f"这一条只有概括性的套话{_quote_list(stock)}，没有任何具体的事："
                       "没有时间、数量、场合，也没有本人的具体做法和造成的影响。")
        else:
            message = (f"这一条（“{headline}”）没有写出具体的事：没有时间、数量、场合，"
                       "也没有本人的具体做法和造成的影响。")
        yield ctx.finding(rule, item.start, item.end, message,
                          _suggestion(exp.missing), item=item)
