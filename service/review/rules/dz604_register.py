"""DZ604 语体不当：不是第一人称的自我批评

检查什么 / What it checks (词表见 lexicons/register.yaml；引号里别人的原话不查):
  1. 问题、原因、措施条目里的说教、号召口吻：“我们要……”“我们必须……”“大家要……”
     “同志们要……”“广大党员干部要……”，称呼语“同志们，……”；“书记强调，我们要……”
     之类的转述和“我们要求……”不算；
  2. 问题、原因条目里的“作为党员应该……”（同一句里没有“我却/但/没有”之类的对照
     检讨），以及用“我们（的）理想信念/思想……”把个人剖析写成集体泛论；
  3. 第二人称“你/你们”（“你追我赶”等固定说法除外），第三人称“该同志”，
     以及以“他/她”开头的条目（鉴定、评议口吻）；
  每个条目至多一条提示，列出找到的说法。
  4. 整个查摆问题部分（不少于 80 字）没有出现“我/自己/本人/自身/个人”（“我们”不算），
     提示没有用第一人称检讨。
为什么 / Why (domain.md rubric Q27，并见 Q9): 对照检查是检讨自己，要用第一人称写
  “我做了什么、没做到什么、我将怎么改”；对别人提要求、讲大道理，就成了讲话稿或党课稿；
  “该同志”“他”是鉴定材料的口吻。
示例 / Example: “二是作为党员应该时刻牢记初心使命，我们要在工作中冲锋在前。”
应改为 / Instead write: “二是关键时刻没有冲在前面。10月科里清理欠税，我以不熟悉为由
  没有报名……”；措施写“我将……”。
来源 / Source: domain.md §2（Problems are one's own）；评分表 Q27、Q9。
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from service.review.lexicon import PhraseMatcher, load
from service.review.rules._wording import required_literals
from service.text.fastscan import phrase_spans, tagged_find_all
from service.text.normalize import normalize_phrase

CODE = "DZ604"
NAME = "register"
CATEGORY = "register"
SEVERITY = "info"
RUBRIC = ("Q27", "Q9")

_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"\n]*\"")
_SENTENCE = re.compile(r"[。;!?\n]")


@lru_cache(maxsize=1)
def _cfg() -> dict:
    d = load("register")
    norm = lambda xs: tuple(normalize_phrase(x) for x in xs)  # noqa: E731
    return {
        "preach": PhraseMatcher(list(d["preaching_phrases"])),
        "not_followed": norm(d["preaching_not_followed_by"]),
        "vocative": norm(d["vocative_only"]),
        "reported": norm(d["reported_speech"]),
        "patterns": [(re.compile(normalize_phrase(p)), required_literals(normalize_phrase(p)))
                     for p in d["preaching_patterns"]],
        "turn": norm(d["self_critical_turn"]),
        "collective": [(re.compile(normalize_phrase(p)), required_literals(normalize_phrase(p)))
                       for p in d["collective_patterns"]],
        "third": PhraseMatcher(list(d["third_person"])),
        "third_start": norm(d["third_person_at_start"]),
        # exempt phrases too, so that the longest match (你追我赶) hides its 你
        "you": PhraseMatcher({**{w: False for w in d["second_person"]},
                              **{w: True for w in d["second_person_exempt"]}}),
        # 我们 is matched too (payload False) so that the longest match hides its 我
        "first": _first_person({**{w: True for w in d["first_person"]},
                                **{w: False for w in d["first_person_not"]}}),
        "first_min": int(d["first_person_min_chars"]),
        # the same finds as preach/third/you .find_all, as (start, end, phrase, payload)
        "item_fa": tagged_find_all((
            ("preach", tuple((w, None) for w in d["preaching_phrases"])),
            ("third", tuple((w, None) for w in d["third_person"])),
            ("you", tuple({**{w: False for w in d["second_person"]},
                           **{w: True for w in d["second_person_exempt"]}}.items())))),
        # every phrase item_fa looks for: an item none of them occurs in has no finds
        "item_any": phrase_spans(tuple(str(w) for w in (
            *d["preaching_phrases"], *d["third_person"], *d["second_person"],
            *d["second_person_exempt"]))),
    }


def _first_person(phrases: dict) -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """``PhraseMatcher(phrases).find_all``'s hits as one regex (alternatives longest
    first: finditer keeps, left to right, the longest phrase at each start, exactly
    the longest-match filter) and the phrases whose payload is true."""
    table: dict[str, bool] = {}
    for phrase, payload in phrases.items():
        key = normalize_phrase(str(phrase))
        if key:
            table[key] = bool(payload)
    if not table:
        return None, frozenset()
    rx = re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
    return rx, frozenset(k for k, v in table.items() if v)


def _sentence(text: str, pos: int, lo: int, hi: int) -> tuple[int, int]:
    s = lo
    for m in _SENTENCE.finditer(text, lo, pos):
        s = m.end()
    m = _SENTENCE.search(text, pos, hi)
    return s, (m.start() if m else hi)


def _vocative(text: str, hit, lo: int) -> bool:
    """同志们 used as a form of address: at a clause start and followed by , : or !"""
    return _vocative_at(text, hit.start, hit.end, lo)


def _vocative_at(text: str, start: int, end: int, lo: int) -> bool:
    before = text[lo:start].rstrip()
    return (not before or before[-1] in "。;:,!?") and text[end:end + 1] in ",:!"


def _in(spans, pos: int) -> bool:
    return any(s <= pos < e for s, e in spans)


def _literals_in(text: str, lo: int, hi: int, regexes) -> bool:
    """Whether one of the (regex, literals) can match in ``text[lo:hi]``: all its
    top-level literals occur there."""
    find = text.find
    for _rx, literals in regexes:
        for lit in literals:
            if find(lit, lo, hi) < 0:
                break
        else:
            return True
    return False


def _item_hits(text: str, item, cfg, any_phrase: bool, patterns, collective
               ) -> list[tuple[int, int, str]]:
    """``patterns``/``collective``: those of cfg whose literals occur in the text."""
    lo, hi = item.body_start, item.end
    quotes: list[tuple[int, int]] | None = None
    hits: list[tuple[int, int, str]] = []

    def add(s: int, e: int) -> None:
        nonlocal quotes
        if quotes is None:
            quotes = [m.span() for m in _QUOTED.finditer(text, lo, hi)]
        if not _in(quotes, s):
            hits.append((s, e, text[s:e]))

    found = cfg["item_fa"](text, lo, hi) if any_phrase else {}
    for hs, he, phrase, _payload in found.get("preach", ()):
        if text[he:he + 1] in cfg["not_followed"]:
            continue
        if phrase in cfg["vocative"] and not _vocative_at(text, hs, he, lo):
            continue
        s, _ = _sentence(text, hs, lo, hi)
        if any(w in text[s:hs] for w in cfg["reported"]):
            continue
        add(hs, he)
    if item.kind in ("problem", "cause"):
        # a match contains the pattern's top-level literals
        for rx, literals in patterns:
            if all(text.find(lit, lo, hi) >= 0 for lit in literals):
                for m in rx.finditer(text, lo, hi):
                    s, e = _sentence(text, m.start(), lo, hi)
                    if not any(w in text[s:e].replace("我们", "") for w in cfg["turn"]):
                        add(m.start(), m.end())
        for rx, literals in collective:
            if all(text.find(lit, lo, hi) >= 0 for lit in literals):
                for m in rx.finditer(text, lo, hi):
                    add(m.start(), m.end())
    for hs, he, _phrase, _payload in found.get("third", ()):
        add(hs, he)
    for w in cfg["third_start"]:
        if text.startswith(w, lo):
            add(lo, lo + len(w))
    for hs, he, _phrase, payload in found.get("you", ()):
        if not payload:
            add(hs, he)
    return sorted(set(hits))


_ITEMS = ("problem", "cause", "measure")


def check(ctx, rule):
    text = ctx.text
    cfg = _cfg()
    # every occurrence of a phrase of item_fa in the text, by end: an item holds one
    # when an occurrence ending inside it also starts inside it
    spans = cfg["item_any"](text, 0, len(text))
    ends = [e for _s, e in spans]
    patterns = [p for p in cfg["patterns"] if all(lit in text for lit in p[1])]
    collective = [p for p in cfg["collective"] if all(lit in text for lit in p[1])]
    third_start = tuple(cfg["third_start"])
    both = patterns + collective
    for item in ctx.doc.items:
        if item.kind not in _ITEMS:
            continue
        lo, hi = item.body_start, item.end
        any_phrase = any(s >= lo for s, _e in spans[bisect_right(ends, lo):bisect_right(ends, hi)])
        if not (any_phrase or text.startswith(third_start, lo)
                or (item.kind in ("problem", "cause")
                    and _literals_in(text, lo, hi, both))):
            continue                        # nothing in the item can be a hit
        hits = _item_hits(text, item, cfg, any_phrase, patterns, collective)
        if not hits:
            continue
        s, e = _sentence(text, hits[0][0], item.body_start, item.end)
        phrases = "、".join(dict.fromkeys(f"“{h[2]}”" for h in hits))
        if item.kind == "measure":
            ask = "请改用第一人称写自己要做的事：我将在什么时候、做什么、做到什么程度？"
        else:
            ask = "请改用第一人称写自己：我在哪件事上做得不够？当时是怎么想的？"
        yield ctx.finding(
            rule, s, e,
            f"出现说教、号召或他称的口吻：{phrases}。对照检查材料是检讨自己、承诺自己，"
            "不是对别人提要求或评议别人。",
            ask, item=item,
        )
    section = ctx.doc.section("problems")
    if section is not None and ctx.doc.problems:
        body = text[section.heading_end:section.end]
        if len(body) - sum(body.count(c) for c in " \t\n\u3000") < cfg["first_min"]:
            return
        rx, first_person = cfg["first"]
        if rx is None or not any(m.group() in first_person
                                 for m in rx.finditer(text, section.heading_end, section.end)):
            yield ctx.finding(
                rule, section.heading_start, section.heading_end,
                "查摆问题部分通篇没有“我”“自己”“本人”，读起来不像是检讨自己。",
                "请用第一人称写：每个问题说清是我在什么事上、什么时候、做得怎样。",
            )
