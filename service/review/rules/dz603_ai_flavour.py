"""DZ603 “AI 味”：流水账、空洞结语、时髦词和四字格堆砌

检查什么 / What it checks (词表和阈值见 lexicons/ai_flavour.yaml):
  1. 流水账：同一部分内句首依次出现“首先……其次……再次/最后……”（至少三个）；
     一个“首先”或“首先……最后”不报；
  2. 空洞的宏大结语和生成腔套话：综上所述、总而言之、总的来说、值得注意的是、
     主要体现在以下几个方面、注入强劲动力、在新的征程上、奋力谱写……新篇章、
     以……的实际行动……、“作为一名……，我深知……”；
  3. 时髦词堆砌：同一段里“赋能、抓手、闭环、打通……”命中三次以上（至少两个不同词）；
  4. 四字格排比：连续五个以上以顿号或逗号相连的四字短语（规范提法最多四个一组，不会误报）。
  均为 info：这类写法人也会用，只提示，不影响是否可提交。
为什么 / Why (domain.md rubric Q29): 审核人和群众最反感材料“假大空”；模板化的排比、
  结语和时髦词让材料显得是套出来、生成出来的，冲淡了具体问题。
示例 / Example: “首先，理论学习不深入……其次，宗旨意识不强……最后，……。综上所述，
  我将以更加饱满的热情和务实的实际行动，奋力谱写新时代新篇章。”
应改为 / Instead write: 用编号（一是、二是）直接写事实；结尾写清下一步最要紧的一两件事
  和完成时间，不写口号。
来源 / Source: domain.md 评分表 Q29；§5（用户对 AI 稿“假大空、千篇一律”的抱怨）。
"""

from __future__ import annotations

import re
from functools import lru_cache

from service.review.lexicon import PhraseMatcher, load
from service.review.rules._wording import longest_at, required_literals
from service.text.fastscan import fast_finditer
from service.text.normalize import normalize_phrase

CODE = "DZ603"
NAME = "ai-flavour"
CATEGORY = "ai_flavour"
SEVERITY = "info"
RUBRIC = ("Q29",)

_HAN = "\u4e00-\u9fff"


@lru_cache(maxsize=1)
def _cfg() -> dict:
    data = load("ai_flavour")
    chain = [normalize_phrase(w) for w in [data["chain_start"], *data["chain_next"]]]
    run = int(data["four_char_min_run"])
    return {
        "chain_re": re.compile(r"(?:^|(?<=[。;:,!?\n)、]))[ \t\u3000]*(" +
                               "|".join(map(re.escape, chain)) + ")", re.M),
        "chain_start": chain[0],
        "chain_min": int(data["chain_min"]),
        # the grand phrases and the buzzwords, found in one pass (see _phrase_hits)
        "phrases": _tagged({"grand": data["grand_phrases"], "buzz": data["buzzwords"]}),
        "grand_re": [(re.compile(normalize_phrase(p)), required_literals(normalize_phrase(p)))
                     for p in data["grand_patterns"]],
        "buzz": PhraseMatcher(list(data["buzzwords"])),
        "buzz_hits": int(data["buzz_min_hits"]),
        "buzz_distinct": int(data["buzz_min_distinct"]),
        # the first phrase may follow a verb (做到学深悟透、……): no left boundary
        "run_re": re.compile(rf"(?:[{_HAN}]{{4}}[、,]\s*){{{run - 1},}}"
                             rf"[{_HAN}]{{4}}(?=[。,;、!?:\n]|$)"),
        # a run starts 4 characters before a 、 or , that follows 4 Han characters
        # (only when a run needs at least one separator) and ends a run's first phrase:
        # the rest of run_re must match after it (tested inside the same search). It is
        # searched for in the text with every 、 turned into "," (the pattern treats
        # both alike): re skips to a literal first character much faster than to a class
        "run_sep": re.compile(rf",(?<=[{_HAN}]{{4}}.)(?=\s*(?:[{_HAN}]{{4}}[、,]\s*)"
                              rf"{{{max(run - 2, 0)},}}[{_HAN}]{{4}}(?=[。,;、!?:\n]|$))")
        if run >= 2 else None,
        # buzzwords never span a line: one pass over the text, split by line after
        "buzz_one_pass": all("\n" not in normalize_phrase(str(w)) for w in data["buzzwords"]),
    }


def _tagged(lists: dict[str, list]) -> tuple:
    """(rx, prefixes, tags of each normalized phrase) for :func:`_phrase_hits`."""
    tags: dict[str, list[str]] = {}
    for tag, phrases in lists.items():
        for p in phrases:
            key = normalize_phrase(str(p))
            if key and tag not in tags.setdefault(key, []):
                tags[key].append(tag)
    rx, prefixes = longest_at(tuple(tags))
    return rx, prefixes, tags, tuple(lists)


def _phrase_hits(text: str, rx, prefixes, tags, names) -> dict[str, list[tuple]]:
    """For each list, what ``PhraseMatcher(list).find_all(text)`` finds, as (start, end,
    phrase, None): every occurrence (at each start the longest phrase and its prefixes,
    longest first), then, left to right, those not overlapping a kept one."""
    every: dict[str, list[tuple]] = {name: [] for name in names}
    if rx is not None:
        for m in rx.finditer(text):
            s = m.start()
            for w in (m.group(1), *prefixes[m.group(1)]):
                for tag in tags[w]:
                    every[tag].append((s, s + len(w), w, None))
    out: dict[str, list[tuple]] = {}
    for name, hits in every.items():
        kept, last_end = [], -1
        for h in hits:
            if h[0] >= last_end:
                kept.append(h)
                last_end = h[1]
        out[name] = kept
    return out


def _regions(doc) -> list[tuple[int, int]]:
    if not doc.sections:
        return [(0, len(doc.text))]
    out = [doc.preamble_span] if doc.preamble_span else []
    return out + [(s.start, s.end) for s in doc.sections]




def _chains(ctx, rule, cfg):
    text = ctx.text
    if cfg["chain_start"] not in text:         # a chain starts with it
        return
    for lo, hi in _regions(ctx.doc):
        first = None
        seen: dict[str, tuple[int, int]] = {}
        for m in fast_finditer(cfg["chain_re"])(text, lo, hi):
            word = m.group(1)
            if word == cfg["chain_start"]:
                if first is None:
                    first = m.span(1)
                continue
            if first is not None and word not in seen:
                seen[word] = m.span(1)
        if first is not None and 1 + len(seen) >= cfg["chain_min"]:
            end = max(e for _, e in seen.values())
            words = "……".join([cfg["chain_start"], *seen])
            yield ctx.finding(
                rule, first[0], end,
                f"用“{words}”串起全段，像流水账，也是生成稿的常见痕迹。",
                "请改用编号（一是、二是……）分条直接写事实，或把几点合并成具体的一两句话。",
            )


def _grand(ctx, rule, cfg, phrase_hits):
    text = ctx.text
    spans = [(a, b) for a, b, _phrase, _ in phrase_hits["grand"]]
    for rx, literals in cfg["grand_re"]:
        if all(lit in text for lit in literals):
            spans += [m.span() for m in fast_finditer(rx)(text)]
    last_end = -1
    for s, e in sorted(spans):
        if s < last_end:
            continue
        last_end = e
        yield ctx.finding(
            rule, s, e,
            f"“{text[s:e]}”是套话（空洞的宏大结语或生成稿常见的过渡语），没有具体内容。",
            "请删去口号式的话，或换成一件具体要做的事和完成时间"
            "（下一步最要紧做什么？什么时候做到？）。",
            item=ctx.doc.item_at(s),
        )


def _buzz(ctx, rule, cfg, phrase_hits):
    text = ctx.text
    need = cfg["buzz_hits"]
    if cfg["buzz_one_pass"]:
        # no hit crosses a line end, so the longest-first filter of one pass over the
        # text keeps, in each line, what a pass over that line keeps: the hits of a
        # line are a run of consecutive hits after the same line break
        every = phrase_hits["buzz"]
        if len(every) < need:
            return
        lines: dict[int, list] = {}
        for h in every:
            lines.setdefault(text.rfind("\n", 0, h[0]), []).append(h)
        per_line = list(lines.values())
    else:
        per_line = []
        pos = 0
        for line in text.split("\n"):
            lo, hi = pos, pos + len(line)
            pos = hi + 1
            per_line.append([(h.start, h.end, h.phrase)
                             for h in cfg["buzz"].find_all(text, lo, hi)])
    for hits in per_line:
        if len(hits) >= need and len({h[2] for h in hits}) >= cfg["buzz_distinct"]:
            words = "、".join(dict.fromkeys(f"“{h[2]}”" for h in hits))
            yield ctx.finding(
                rule, hits[0][0], hits[-1][1],
                f"同一段里堆了{len(hits)}个时髦词：{words}，读起来空泛。",
                "请换成平实的说法，直接写做了什么、没做到什么。",
                item=ctx.doc.item_at(hits[0][0]),
            )


def _runs(ctx, rule, cfg):
    text = ctx.text
    for m in _run_matches(text, cfg):
        n = len(re.findall(rf"[{_HAN}]{{4}}", m.group(0)))
        yield ctx.finding(
            rule, m.start(), m.end(),
            f"连用{n}个四字短语（“{m.group(0)[:14]}……”），排比堆砌，内容空泛。",
            "请保留最能说明问题的一两个，换成具体的事实或做法。",
            item=ctx.doc.item_at(m.start()),
        )


def _run_matches(text: str, cfg):
    """``run_re.finditer(text)``, trying the pattern only 4 characters before a separator
    that follows 4 Han characters and is followed by the rest of a run (where every
    match starts; found in the text with 、 turned into ",", see run_sep)."""
    rx, sep = cfg["run_re"], cfg["run_sep"]
    if sep is None:
        yield from rx.finditer(text)
        return
    pos = 0
    for q in sep.finditer(text.replace("、", ",")):
        p = q.start() - 4
        if p < pos:
            continue
        m = rx.match(text, p)
        if m is not None:
            yield m
            pos = m.end()


def check(ctx, rule):
    cfg = _cfg()
    yield from _chains(ctx, rule, cfg)
    phrase_hits = _phrase_hits(ctx.text, *cfg["phrases"])
    yield from _grand(ctx, rule, cfg, phrase_hits)
    yield from _buzz(ctx, rule, cfg, phrase_hits)
    yield from _runs(ctx, rule, cfg)
