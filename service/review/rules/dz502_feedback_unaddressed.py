"""DZ502 征求到的意见没有回应（应谈不谈）

检查什么 / What it checks（只在提供了角色笔记时运行）:
  角色笔记 feedback（意见：谈心谈话、征求意见、谈话函询中别人提的意见）中的每一条，
  都应在“查摆问题”或“上年度整改情况”里有所回应。做法：去掉意见开头的来源
  （“同事反映：”“群众提出……”），取其实词（rjieba 分词，见 service/text/segment.py）和
  字的二元组，在上述两部分里逐个“一句或相邻两句”的窗口中计算覆盖率（实词覆盖率与
  二元组覆盖率的平均）；最好的窗口达到 0.45（lexicons/grounding.yaml answer.min_overlap）
  就算已回应；意见里的专指编号（12345、OA 这类 3 位以上数字或 2 个以上字母）在同一
  窗口出现，也算已回应（“打12345反映的事没人来看”对“12345工单没有到现场核实”）。
  没有回应的意见合并成一条提示（逐条列出），标在“查摆问题”标题上。
  只换了说法的回应（“清欠”对“清理欠税”）可能认不出，提示会引用原意见，
  由本人判断。
  “无”“没有意见”这类空意见不检查。
为什么 / Why (domain.md rubric Q18): 对照检查要回应收集到的意见，特别是民主生活会；
  别人提了、自己避而不谈，审核时会被认为“应谈不谈”。
示例 / Example: 笔记意见“同事反映：党小组会有3次取消后没有补开”，材料查摆部分只谈理论
  学习和服务群众，没有提党小组会。
应改为 / Instead write: 在查摆问题中正面回应：“今年第二季度党小组会原定3次，实际只开了
  1次，另外2次推迟后没有补开，也没有向支部报告。”（事实以本人笔记为准。）
来源 / Source: domain.md §1（回应收集到的意见）、§2（应谈不谈）；评分表 Q18。
"""

from __future__ import annotations

from service.review.excerpt import excerpt

import re
from functools import lru_cache

from service.review.lexicon import load
from service.text.neardup import shingles
from service.text.normalize import normalize_phrase

CODE = "DZ502"
NAME = "feedback-unaddressed"
CATEGORY = "feedback_unaddressed"
SEVERITY = "warning"
RUBRIC = ("Q18",)
NEEDS_NOTES = True

ANSWER_SECTIONS = ("problems", "followup")

_SENTENCE_END = re.compile(r"[。!?;！？；\n]")
# identifiers that pin a topic down: 12345 (hotline), OA, HIS — 3+ digits or 2+ letters
_IDENT = re.compile(r"(?<![0-9])[0-9]{3,}(?![0-9]|年)|(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")


@lru_cache(maxsize=1)
def _cfg() -> dict:
    data = load("grounding")["answer"]
    return {
        "prefix": re.compile(data["source_prefix"]),
        "min": float(data["min_overlap"]),
        "stop": frozenset(data["stop_chars"]),
        "empty": re.compile(data["empty_opinion"]),
    }


def strip_source(opinion: str) -> str:
    """“同事反映：党小组会……” → “党小组会……”; "" for an empty opinion (“同事：无”)."""
    text = normalize_phrase(opinion).strip().strip(" ,，:：")
    m = _cfg()["prefix"].match(text)
    rest = text[m.end():].strip(" ,，:：") if m else text
    if not rest or _cfg()["empty"].fullmatch(rest):
        return ""
    return rest if len(rest) >= 4 else text


def _bigrams(text: str) -> frozenset[str]:
    stop = _cfg()["stop"]
    return shingles("".join(ch for ch in text if ch not in stop), 2)


def _windows(ctx, regions) -> list[tuple[frozenset[str], frozenset[str], frozenset[str]]]:
    """(content words, bigrams, identifiers) of every window of one or two consecutive
    sentences."""
    key = ("answer-windows", tuple(regions))
    if key in ctx.cache:
        return ctx.cache[key]
    from service.text.segment import doc_segmentation

    seg = doc_segmentation(ctx)
    text = ctx.text
    sents: list[tuple[int, int]] = []
    for s, e in regions:
        pos = s
        for m in _SENTENCE_END.finditer(text, s, e):
            if m.start() > pos:
                sents.append((pos, m.start()))
            pos = m.end()
        if e > pos:
            sents.append((pos, e))
    single = [(frozenset(seg.words(s, e)), _bigrams(text[s:e]),
               frozenset(_IDENT.findall(text, s, e))) for s, e in sents]
    out = list(single)
    for (w1, g1, i1), (w2, g2, i2) in zip(single, single[1:]):
        out.append((w1 | w2, g1 | g2, i1 | i2))
    ctx.cache[key] = out
    return out


def answer_score(ctx, query: str, regions) -> float:
    """How well one window of the ``regions`` (normalized spans) covers ``query``: the
    mean of the share of its content words and the share of its character bigrams found
    in the window (bigrams only when the query has no content word); the best window.
    1.0 when the window names an identifier of the query (12345, OA)."""
    from service.text.segment import segmentation

    words = frozenset(segmentation(query).words())
    grams = _bigrams(query)
    if not grams:
        return 0.0
    idents = frozenset(_IDENT.findall(query))
    best = 0.0
    for w_words, w_grams, w_idents in _windows(ctx, regions):
        if idents & w_idents:
            return 1.0
        score = len(grams & w_grams) / len(grams)
        if words:
            score = (score + len(words & w_words) / len(words)) / 2
        if score > best:
            best = score
    return best


def is_answered(ctx, query: str, regions) -> bool:
    return answer_score(ctx, query, regions) >= _cfg()["min"]


def anchor(doc) -> tuple[int, int]:
    """Where a "something is missing" finding is shown: the problems heading, else the
    first section heading, else the title, else the first line."""
    sec = doc.section("problems") or (doc.sections[0] if doc.sections else None)
    if sec is not None:
        return sec.heading_start, sec.heading_end
    if doc.title_span:
        return doc.title_span
    text = doc.norm.text
    end = text.find("\n")
    return 0, (end if end > 0 else min(len(text), 20))




def _listing(quotes: list[str]) -> str:
    if len(quotes) == 1:
        return f"“{quotes[0]}”"
    marks = "①②③④⑤⑥⑦⑧⑨⑩"
    return "；".join(f"{marks[i] if i < len(marks) else str(i + 1) + '.'}“{q}”"
                    for i, q in enumerate(quotes))


def check(ctx, rule):
    notes = ctx.notes
    if notes is None or not notes.feedback:
        return
    doc = ctx.doc
    regions = [(sec.heading_end, sec.end) for sec in doc.sections if sec.kind in ANSWER_SECTIONS]
    missing = []
    for opinion in notes.feedback:
        query = strip_source(opinion)
        if not query:
            continue
        if regions and is_answered(ctx, query, regions):
            continue
        missing.append(opinion)
    if not missing:
        return
    # one finding listing every unanswered opinion: they all point at the same heading,
    # and the engine keeps one finding per (rule, span)
    start, end = anchor(doc)
    quotes = [excerpt(o, trim=False) for o in missing]
    if len(missing) == 1:
        message = f"征求到的意见{_listing(quotes)}在查摆问题中没有回应，属于“应谈不谈”。"
    else:
        message = (f"征求到的{len(missing)}条意见在查摆问题中没有回应，属于“应谈不谈”："
                   f"{_listing(quotes)}。")
    suggestion = ("请在查摆问题中逐条正面回应：情况是否属实、具体是哪件事、当时是怎么想的；"
                  "如与事实有出入，也请实事求是地说明。")
    yield ctx.finding(rule, start, end, message, suggestion, unanswered=len(missing))
