"""DZ201 原因剖析强调客观原因

检查什么 / What it checks:
  原因条目把问题归到客观条件上——任务重、人手少、时间紧、条件差、工作忙、事务性工作多、
  精力有限、客观条件限制、上级要求多……（词表见 lexicons/causes.yaml 的 objective_excuses）。
  - 原因条目：出现客观说法即报，除非同一条目把它“认领”到了主观上：
    “不能以任务重为借口”“以工作忙为由放松了学习”（检讨找借口本身）、
    “虽然任务重，但根本在于我……”、“检查考核多是客观情况，但我……”、“根本在于自己……”、
    “客观上……主观上……”、
    “总认为工作忙，学习可以放一放”（检讨当时的错误想法）、“而不是任务重”、
    “工作任务繁重时，容易放松对自己的要求”（检讨自己在这种情况下的表现）、
    “……这反映出党性修养还不够”。
  - 问题条目：查摆部分描述工作背景（“10月科里任务重，我却……”）是正常的，不报；
    只有“由于/因为/受……”引出的客观说法单独成为一个分句、紧接的分句又说不足时才报
    （“由于工作任务重，理论学习时间少、不系统”）；“党小组会有3次因业务忙取消后没有
    补开”“我因为工作忙缺席了3次”是在交代自己做了什么，不报。
  每个条目至多一条提示，列出该条目中所有未被认领的客观说法。
为什么 / Why (domain.md rubric Q12，并见 Q11): 原因要从主观上找——理想信念、宗旨意识、
  党性修养、纪律规矩。把问题推给任务重、人手少，等于说“问题不在我”，是“强调客观原因”，
  审核时会被退回。
示例 / Example: “（二）工作任务重、人手少，学习时间难以保证，导致理论学习不深入。”
应改为 / Instead write: “（二）理想信念有所松懈。我把理论学习当成软任务，工作一忙就先放下
  学习，说到底是没有把学习当作坚定信念的根本。”（客观情况可以提，但要紧接着写主观原因。）
来源 / Source: domain.md §2“No 强调客观原因”；评分表 Q11、Q12。
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from service.review.lexicon import Hit, load
from service.text.fastscan import phrase_spans
from service.text.normalize import normalize_phrase

CODE = "DZ201"
NAME = "objective-excuse"
CATEGORY = "objective_excuse"
SEVERITY = "warning"
RUBRIC = ("Q12", "Q11")

_SENTENCE = re.compile(r"[。;!?\n]")
_CLAUSE = re.compile(r"[。;!?\n,,:]")
_WINDOW_NEGATION = 6
_WINDOW_SUBJECT = 12    # 根本在于 → subjective word within this many characters


_WORD_LISTS = ("excuse_disowned", "excuse_concession", "excuse_concession_after",
               "excuse_adversative", "excuse_root_markers", "excuse_subjective",
               "excuse_belief", "excuse_negation", "excuse_when_tail",
               "problem_connectors", "problem_shortfall", "problem_frame_tail")


@lru_cache(maxsize=1)
def _words() -> dict:
    """The word lists of lexicons/causes.yaml, normalized once."""
    data = load("causes")
    out: dict = {k: tuple(normalize_phrase(w) for w in data[k]) for k in _WORD_LISTS}
    out["lead"] = int(data["problem_connector_lead"])
    # the leftmost connector in a clause head (where str.find puts the first one)
    out["connector_re"] = re.compile("|".join(map(re.escape, out["problem_connectors"])))
    # the excuses' occurrences in a whole text, (start, end) by end (as the matcher's)
    out["excuse_spans"] = phrase_spans(tuple(str(p) for p in data["objective_excuses"]))
    return out


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _sentence(text: str, pos: int, lo: int, hi: int) -> tuple[int, int]:
    s = lo
    for m in _SENTENCE.finditer(text, lo, pos):
        s = m.end()
    m = _SENTENCE.search(text, pos, hi)
    return s, (m.start() if m else hi)


def _clause(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    s = lo
    for m in _CLAUSE.finditer(text, lo, start):
        s = m.end()
    m = _CLAUSE.search(text, end, hi)
    return s, (m.start() if m else hi)


def _root_owned(text: str, start: int, end: int, w: dict) -> bool:
    """根本在于/关键在于… followed closely by a subjective object."""
    for marker in w["excuse_root_markers"]:
        i = text.find(marker, start, end)
        while i != -1:
            tail = text[i + len(marker):min(end, i + len(marker) + _WINDOW_SUBJECT)]
            if _has(tail, w["excuse_subjective"]):
                return True
            i = text.find(marker, i + 1, end)
    return False


def _owned(text: str, hit, lo: int, hi: int, w: dict) -> bool:
    """True when the excuse at ``hit`` is mentioned and then owned subjectively."""
    s, e = _sentence(text, hit.start, lo, hi)
    before = text[s:hit.start]
    # "任务重时" frames a situation; "任务重时间紧" is two excuses, not a frame
    if (any(text.startswith(t, hit.end) for t in w["excuse_when_tail"])
            and not text.startswith("时间", hit.end)):
        return True
    if _has(before, w["excuse_belief"]):
        return True
    if _has(text[max(s, hit.start - _WINDOW_NEGATION):hit.start], w["excuse_negation"]):
        return True
    if _has(before, w["excuse_concession"]) and _has(text[hit.end:hi], w["excuse_adversative"]):
        return True
    for phrase in w["excuse_concession_after"]:
        i = text.find(phrase, hit.end, e)
        if i != -1 and _has(text[i + len(phrase):hi], w["excuse_adversative"]):
            return True
    return _root_owned(text, hit.end, hi, w)


def _longest_hits(text: str, spans: list[tuple[int, int]]) -> list[Hit]:
    """``matcher("causes", "objective_excuses").find_all(text, lo, hi)`` from the
    (start, end) of every excuse inside [lo, hi) (the same phrase list): sorted by
    start, longest first, overlapping ones dropped."""
    out: list[Hit] = []
    last_end = -1
    for s, e in sorted(spans, key=lambda sp: (sp[0], sp[0] - sp[1])):
        if s >= last_end:
            out.append(Hit(s, e, text[s:e], None))
            last_end = e
    return out


def _cause_excuses(text: str, item, w: dict, hits: list[Hit]) -> list:
    """``hits``: the item's excuses (PhraseMatcher.find_all over its body)."""
    if _has(text[item.body_start:item.end], w["excuse_disowned"]):
        return []
    return [h for h in hits if not _owned(text, h, item.body_start, item.end, w)]


def _clauses(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    out, pos = [], lo
    for m in _CLAUSE.finditer(text, lo, hi):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, hi))
    return [(a, b) for a, b in out if b > a]


def _excuse_only(text: str, start: int, end: int, hits: list, w: dict) -> bool:
    """The clause holds excuses and nothing after the last one but a frame word
    ("由于任务重" / "受人手不足影响" / "交通不便")."""
    inside = [h for h in hits if start <= h.start < end]
    if not inside:
        return False
    rest = text[inside[-1].end:end].strip()
    for tail in w["problem_frame_tail"]:
        if rest.startswith(tail):
            rest = rest[len(tail):]
            break
    return not rest


def _problem_excuses(text: str, item, w: dict, hits: list[Hit]) -> list:
    """Excuses a problem item uses to explain a shortfall: a clause that opens with
    由于/因为/受 and holds only objective circumstances (possibly continued in further
    excuse-only clauses), followed by a clause stating the shortfall. When the clause
    goes on ("有3次因业务忙取消后没有补开") the excuse explains an act the member then
    criticises: that is narration, not an excuse. ``hits``: the item's excuses
    (PhraseMatcher.find_all over its body)."""
    if not hits:
        return []
    # a clause counts only when it opens with a connector (literals): none in the item
    # at all, none in any clause
    if not w["problem_connectors"] or w["connector_re"].search(text, item.body_start,
                                                               item.end) is None:
        return []
    lead = w["lead"]
    clauses = _clauses(text, item.body_start, item.end)
    out = []
    for i, (cs, ce) in enumerate(clauses):
        m = (w["connector_re"].search(text, cs, min(ce, cs + lead + 2))
             if w["problem_connectors"] else None)
        if m is None or m.start() - cs > lead:
            continue
        if not _excuse_only(text, cs, ce, hits, w):
            continue
        j = i + 1
        while j < len(clauses) and _excuse_only(text, *clauses[j], hits, w):
            j += 1
        if j >= len(clauses) or not _has(text[clauses[j][0]:clauses[j][1]], w["problem_shortfall"]):
            continue
        mine = [h for h in hits if cs <= h.start < clauses[j][0]]
        s, e = _sentence(text, cs, item.body_start, item.end)
        if _has(text[s:e], w["excuse_disowned"]):
            continue
        if _owned(text, mine[0], item.body_start, item.end, w):
            continue
        out.extend(mine)
    return out


def check(ctx, rule):
    text = ctx.text
    w = _words()
    for kind, items, find in (("cause", ctx.doc.causes, _cause_excuses),
                              ("problem", ctx.doc.problems, _problem_excuses)):
        if not items:
            continue
        # both finders return nothing for an item no excuse occurs in: one pass over
        # the items' stretch of text finds them all, (start, end) by end
        spans = w["excuse_spans"](text, min(it.body_start for it in items),
                                  max(it.end for it in items))
        ends = [e for _s, e in spans]
        for item in items:
            lo, hi = item.body_start, item.end
            inside = [sp for sp in spans[bisect_right(ends, lo):bisect_right(ends, hi)]
                      if sp[0] >= lo]
            if not inside:
                continue
            hits = find(text, item, w, _longest_hits(text, inside))
            if not hits:
                continue
            first = hits[0]
            cs, ce = _clause(text, first.start, first.end, item.body_start, item.end)
            phrases = "、".join(dict.fromkeys(f"“{text[h.start:h.end]}”" for h in hits))
            if kind == "cause":
                message = (f"原因剖析把问题归于客观条件：{phrases}。原因要从主观上找，"
                           "强调客观原因会被认为剖析不深刻。")
            else:
                message = (f"查摆问题时用客观条件解释不足：{phrases}。问题是自己的，"
                           "不宜用“由于……”把它推给外部条件。")
            suggestion = ("请想一想：在同样的条件下，是什么想法让自己放松了这件事？"
                          "是理想信念、宗旨意识、党性修养还是纪律规矩上的哪种松懈？"
                          "如确需提到客观情况，请紧接着写明“但根本在于我……”的主观原因。")
            yield ctx.finding(rule, cs, ce, message, suggestion, item=item)
