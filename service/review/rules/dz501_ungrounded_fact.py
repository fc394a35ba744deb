"""DZ501 事实在角色笔记中找不到出处

检查什么 / What it checks（只在提供了角色笔记时运行）:
  材料的开头、查摆问题、原因剖析、上年度整改情况里出现的具体事实——数字和次数
  （12次、三十二户、两名）、日期（2021年3月15日、7月、第二季度）、百分比、金额、
  《》中的文件或会议名称、带引号的活动名称（“清风护航”专项行动）——在角色笔记里找不到
  的，逐一提示。比较时统一写法：3月＝三月，32户＝三十二户，5万元＝50000元，
  2022年＝2022；计数比数值和量词的类别（次/回/趟同类，名/位/人同类，篇/份/条同类……，
  见 grounding.yaml counters）：笔记写“缺席3次”，材料写“3回没参加”算有出处，
  写“5篇笔记”而笔记只有“5名党员”则没有出处；任何一方没有量词（或只用“个”）时只比数值。
  排名（“全院倒数第三”“排名第2”）也算事实。
  不检查：编号（一是、（一）、1.）；会议年度及其前后一年；整改措施部分（措施是计划，
  “2022年3月底前”“每月1次”是期限和频次，不是要核实的事实）；其他部分中的频次
  （“每月1次”）和带计划词的分句（“今年起改为每周学习1小时”“承诺……”，
  见 grounding.yaml plan_markers）；规范提法和固定说法里的
  数字（四个意识、两个维护、三会一课、十九届六中全会、第二十次全国代表大会、建党100周年，
  见 lexicons/grounding.yaml）；“两三句”“十几次”这类约数；“一”开头的说法（一些、一次）。
  《党章》《准则》这类作为对照标准引用的文件名不算事实。
为什么 / Why (domain.md rubric Q22; 产品原则 1): 材料里的事实只能来自党员本人。起草工具或
  模板编出来的数字、日期、文件名，一旦在会上被追问就站不住；缺少的事实应留空请本人补充。
示例 / Example: 笔记只写了“缺席3次集中学习”，材料却写“全年12次集中学习我缺席了3次，
  学习笔记只写了5篇”——“12次”“5篇”没有出处。
应改为 / Instead write: 核实后把“12次”“5篇”补进角色笔记；无法核实的写成
  “全年【待补：集中学习次数】次集中学习我缺席了3次”。
来源 / Source: domain.md §2“No invented facts”、§5 产品原则 1；评分表 Q22。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from service.review.lexicon import PhraseMatcher, load
from service.text.normalize import normalize_phrase

CODE = "DZ501"
NAME = "ungrounded-fact"
CATEGORY = "ungrounded_fact"
SEVERITY = "error"
RUBRIC = ("Q22",)
NEEDS_NOTES = True

CHECKED_SECTIONS = ("problems", "causes", "followup")

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join(_CN_DIGIT) + "".join(_CN_UNIT) + "".join(_CN_BIG)

_NUMBER = re.compile(
    rf"(?P<pct>百分之)?(?P<ord>第)?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{_CN_CHARS}]+)")
_MONTH_AFTER_YEAR = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,2})月(份)?")
_DAY = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]")
_YEAR_IN = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_CLAUSE_ENDS = "。;!?\n,:"
_TITLE = re.compile(r"《([^《》\n]{1,80})》")
_APPROX_BEFORE = "数几若近约"   # 数十次, 几百人: approximations
_KIND_LABEL = {"year": "年份", "month": "日期", "day": "日期", "date": "日期",
               "quarter": "季度", "percent": "百分比", "money": "金额", "count": "数字",
               "title": "文件或会议名称", "event": "活动名称"}
_KIND_HINT = {"year": "年份", "date": "具体日期", "month": "具体月份", "day": "具体日期",
              "quarter": "季度", "percent": "比例", "money": "金额", "count": "具体数字",
              "title": "文件或会议的准确名称", "event": "活动的准确名称"}


def cn_number(s: str) -> int | None:
    """一 → 1, 十二 → 12, 三十二 → 32, 一百零五 → 105, 三千 → 3000, 五万 → 50000,
    二〇二一 → 2021; None for approximations (两三, 三五) and non-numbers."""
    if not s:
        return None
    if len(s) == 4 and all(c in _CN_DIGIT for c in s):          # 二〇二一 (a year)
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    total = section = 0
    digit: int | None = None
    for c in s:
        if c in _CN_DIGIT:
            v = _CN_DIGIT[c]
            if v == 0:
                if digit is not None:
                    return None
                continue
            if digit is not None:          # two digits in a row: 两三, 三五 (approximate)
                return None
            digit = v
        elif c in _CN_UNIT:
            section += (1 if digit is None else digit) * _CN_UNIT[c]
            digit = None
        elif c in _CN_BIG:
            section += digit or 0
            if section == 0:
                return None
            total += section * _CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


@dataclass(frozen=True, slots=True)
class Fact:
    start: int
    end: int
    kind: str                       # year|date|month|day|quarter|percent|money|count|title|event
    keys: tuple[tuple, ...]   # what must be grounded: ("month", 3), ("count", 12.0, "occurrences")


@lru_cache(maxsize=1)
def _lex() -> dict:
    data = load("grounding")
    fixed = [normalize_phrase(p) for group in data["fixed"].values() for p in group]
    family = {normalize_phrase(u): fam for fam, units in data["counters"].items() for u in units}
    counters = sorted(family, key=len, reverse=True)
    suffixes = sorted({normalize_phrase(s) for s in data["event_suffixes"]}, key=len, reverse=True)
    return {
        "fixed": PhraseMatcher(fixed),
        "patterns": [re.compile(p) for p in data["patterns"]],
        "counters": tuple(counters),
        "family": {u: (None if fam == "generic" else fam) for u, fam in family.items()},
        "known_titles": tuple(_compact(normalize_phrase(t)) for t in data["known_titles"]),
        "known_events": frozenset(_compact(normalize_phrase(e)) for e in data["known_events"]),
        "rank_before": tuple(sorted((normalize_phrase(r) for r in data["rank_prefixes"]),
                                    key=len, reverse=True)),
        "plan": PhraseMatcher([normalize_phrase(m) for m in data["plan_markers"]]),
        "event": re.compile(r"“([^“”\n]{2,24})”(" + "|".join(map(re.escape, suffixes)) + ")"),
    }


_NON_WORD = re.compile(r"[\s\"“”‘’《》()\[\]【】,.，。、:：;；!！?？·—\-]+")


def _compact(s: str) -> str:
    return _NON_WORD.sub("", s)


def _value(raw: str) -> float | None:
    if raw[0].isdigit():
        return float(raw.replace(",", ""))
    v = cn_number(raw)
    return None if v is None else float(v)


def _unit_at(text: str, pos: int, units: tuple[str, ...]) -> str | None:
    for u in units:
        if text.startswith(u, pos):
            return u
    return None


def _rank(text: str, ordinal_start: int, prefixes: tuple[str, ...]) -> int:
    """Start of "倒数第三"/"排名第2" when a rank prefix ends at ``ordinal_start``, else 0."""
    for p in prefixes:
        if ordinal_start >= len(p) and text.startswith(p, ordinal_start - len(p)):
            return ordinal_start - len(p)
    return 0


def extract(text: str, start: int = 0, end: int | None = None, masked=None,
            liberal: bool = False) -> list[Fact]:
    """Facts in ``text[start:end]``. ``masked(s, e)`` says a span is excluded.

    ``liberal`` (used on the notes) also takes Chinese 一 and approximations' parts, so
    that whatever a note says can ground the text."""
    end = len(text) if end is None else end
    lex = _lex()
    counters = lex["counters"]
    family = lex["family"]
    out: list[Fact] = []
    pos = start
    while True:
        m = _NUMBER.search(text, pos, end)
        if not m:
            break
        pos = m.end()
        raw = m.group("num")
        s, e = m.start(), m.end()
        arabic = raw[0].isdigit()
        before = text[s - 1] if s > 0 else ""
        after = text[e] if e < len(text) else ""
        if arabic and ((before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())):
            continue                                    # 5G, G20, COVID-19
        value = _value(raw)
        if value is None:
            continue
        if not arabic and not liberal and not m.group("ord") and before and before in _APPROX_BEFORE:
            continue
        rest = e
        # dates: YYYY年 [M月 [D日]] / M月 [D日] / D日
        if len(raw) == 4 and 1900 <= value <= 2100 and text.startswith("年", e):
            keys = [("year", int(value))]
            rest = e + 1 + (1 if text.startswith("度", e + 1) else 0)
            kind = "year"
            m2 = _MONTH_AFTER_YEAR.match(text, rest)
            if m2 and (v := _value(m2.group(1))) and 1 <= v <= 12:
                keys.append(("month", int(v)))
                rest, kind = m2.end(), "date"
                m3 = _DAY.match(text, rest)
                if m3 and (d := _value(m3.group(1))) and 1 <= d <= 31:
                    keys.append(("day", int(d)))
                    rest = m3.end()
            out.append(Fact(s, rest, kind, tuple(keys)))
            pos = rest
            continue
        if m.group("pct"):
            out.append(Fact(s, e, "percent", (("percent", value),)))
            continue
        if text.startswith("%", e):
            out.append(Fact(s, e + 1, "percent", (("percent", value),)))
            pos = e + 1
            continue
        if text.startswith("季度", e) and 1 <= value <= 4:
            out.append(Fact(s, e + 2, "quarter", (("quarter", int(value)),)))
            pos = e + 2
            continue
        if text.startswith("月", e) and not m.group("ord") and 1 <= value <= 12 and value == int(value):
            keys = [("month", int(value))]
            rest = e + 1 + (1 if text.startswith("份", e + 1) else 0)
            m3 = _DAY.match(text, rest)
            if m3 and (d := _value(m3.group(1))) and 1 <= d <= 31:
                keys.append(("day", int(d)))
                rest = m3.end()
            if arabic or value > 1 or liberal:
                out.append(Fact(s, rest, "date" if len(keys) > 1 else "month", tuple(keys)))
            pos = rest
            continue
        if (text.startswith("日", e) or text.startswith("号", e)) and 1 <= value <= 31 and arabic:
            out.append(Fact(s, e + 1, "day", (("day", int(value)),)))
            pos = e + 1
            continue
        # quantities: optional 多/余, multiplier 万/亿 (Arabic), money 元
        rest = e
        if arabic and rest < end and text[rest] in _CN_BIG:
            value *= _CN_BIG[text[rest]]
            rest += 1
        if text.startswith(("多", "余"), rest):
            rest += 1
        if text.startswith("元", rest):
            out.append(Fact(s, rest + 1, "money", (("money", value),)))
            pos = rest + 1
            continue
        unit = _unit_at(text, rest, counters)
        if unit is None and m.group("ord") and _rank(text, s, lex["rank_before"]):
            out.append(Fact(_rank(text, s, lex["rank_before"]), rest, "count",
                            (("count", value, "rank"),)))
            pos = rest
            continue
        if not arabic:
            if unit is None or (value == 1 and not liberal):
                continue
        if unit:
            rest += len(unit)
        out.append(Fact(s, rest, "count", (("count", value, family.get(unit) if unit else None),)))
        pos = rest
    for m in _TITLE.finditer(text, start, end):
        title = _compact(m.group(1))
        if title:
            out.append(Fact(m.start(), m.end(), "title", (("title", title),)))
    for m in lex["event"].finditer(text, start, end):
        name = _compact(m.group(1))
        if name:
            out.append(Fact(m.start(), m.end(), "event", (("event", name),)))
    if masked is not None:
        out = [f for f in out if not masked(f.start, f.end)]
    return sorted(out, key=lambda f: f.start)


class _Grounds:
    """What the notes (and the meeting itself) make known."""

    def __init__(self, notes_text: str, years: set[int]):
        self.compact = _compact(notes_text)
        self.keys: set[tuple] = set()
        self.counts: set[float] = set()         # every counted value in the notes
        self.bare_counts: set[float] = set()    # values without a unit (or with 个)
        for f in extract(notes_text, liberal=True):
            for k in f.keys:
                self.keys.add(k)
                if k[0] == "count":
                    self.counts.add(k[1])
                    if k[2] is None:
                        self.bare_counts.add(k[1])
                elif k[0] == "year":
                    self.bare_counts.add(float(k[1]))
        self.years = years

    def has(self, key: tuple) -> bool:
        kind, value = key[0], key[1]
        if kind == "year":
            return value in self.years or key in self.keys
        if kind == "count":
            if value in self.bare_counts or key in self.keys:
                return True
            return key[2] is None and value in self.counts
        if kind in ("title", "event"):
            if kind == "event" and value in _lex()["known_events"]:
                return True
            if kind == "title" and any(k in value for k in _lex()["known_titles"]):
                return True
            if value in self.compact:
                return True
            return len(value) >= 4 and fuzz.partial_ratio(value, self.compact) >= 90
        return key in self.keys


def _meeting_years(ctx) -> set[int]:
    """The meeting year (structure, notes, title) and the years either side of it."""
    years: set[int] = set()
    if ctx.structure is not None and getattr(ctx.structure, "year", None):
        years.add(int(ctx.structure.year))
    notes = ctx.notes
    if notes.year:
        years.add(int(notes.year))
    for y in _YEAR_IN.findall(notes.structure_id() or ""):
        years.add(int(y))
    for y in _YEAR_IN.findall(ctx.doc.title or ""):
        years.add(int(y))
    return {y + d for y in years for d in (-1, 0, 1)}


def _notes_text(ctx) -> str:
    notes = ctx.notes
    parts = [notes.all_text()]
    if notes.years_in_party is not None:
        parts.append(f"党龄{notes.years_in_party}年")
    if notes.year:
        parts.append(f"{notes.year}年")
    return "\n".join(parts)


def _regions(doc):
    if doc.preamble_span:
        yield doc.preamble_span
    for sec in doc.sections:
        if sec.kind in CHECKED_SECTIONS:
            yield sec.heading_end, sec.end


def _mask(ctx, regions) -> bytearray:
    """1 for every character inside a fixed expression or a numbering marker."""
    text = ctx.text
    mask = bytearray(len(text))
    lex = _lex()

    def mark(s: int, e: int) -> None:
        mask[s:e] = b"\x01" * (e - s)

    for s, e in regions:
        for h in lex["fixed"].iter(text, s, e):
            mark(h.start, h.end)
        for h in lex["plan"].iter(text, s, e):          # a plan clause: commitments
            cs = max(s, *(text.rfind(c, s, h.start) + 1 for c in _CLAUSE_ENDS))
            ce = min((i for i in (text.find(c, h.end, e) for c in _CLAUSE_ENDS) if i >= 0),
                     default=e)
            mark(cs, ce)
        for rx in lex["patterns"]:
            for m in rx.finditer(text, s, e):
                mark(m.start(), m.end())
    for it in ctx.doc.items:
        mark(it.start, it.body_start)
    for sec in ctx.doc.sections:
        stack = list(sec.nodes)
        while stack:
            n = stack.pop()
            mark(n.start, n.body_start)
            stack.extend(n.children)
    return mask




def check(ctx, rule):
    if ctx.notes is None:
        return
    doc = ctx.doc
    text = ctx.text
    regions = list(_regions(doc))
    if not regions:
        return
    mask = _mask(ctx, regions)

    def masked(s: int, e: int) -> bool:
        return any(mask[s:e])

    grounds = _Grounds(_notes_text(ctx), _meeting_years(ctx))
    for s, e in regions:
        reported: set[tuple[str | None, tuple]] = set()
        for fact in extract(text, s, e, masked):
            missing = tuple(k for k in fact.keys if not grounds.has(k))
            if not missing:
                continue
            item = doc.item_at(fact.start)
            key = (item.id if item else None, missing)
            if key in reported:                 # the same number twice in one item
                continue
            reported.add(key)
            quote = doc.norm.orig_text(fact.start, fact.end)
            if len(quote) > 30:
                quote = quote[:30] + "……"
            label = _KIND_LABEL[fact.kind]
            hint = _KIND_HINT[fact.kind]
            message = (f"{label}“{quote}”在角色笔记中找不到出处。材料中的事实只能来自本人"
                       "提供的情况，编出来或估计的数字、日期、名称经不起核实。")
            suggestion = (f"请确认“{quote}”是否属实：属实的，把它补进角色笔记的事实；"
                          f"无法确认的，改为【待补：{hint}】，由本人核实后填写。")
            yield ctx.finding(rule, fact.start, fact.end, message, suggestion, item=item)
