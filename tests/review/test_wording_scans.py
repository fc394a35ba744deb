"""The fast scans of DZ201, DZ402, DZ403, DZ405 (and _wording's helpers) find exactly
what the plain scans find: DZ405's placeholder patterns (fastscan.fast_finditer) and
DZ402's leader-name patterns (_wording.finditer_at_literal) against ``re.finditer``,
_wording.longest_at against ``str.find``, DZ201's excuses of an item against
``PhraseMatcher.find_all``, on the repository's texts and on generated strings dense in
what the patterns look for."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from service.review.rules import dz403_typo, dz405_placeholder
from service.review.rules._wording import finditer_at_literal, literal_at_offset, longest_at
from service.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [normalize(p.read_text(encoding="utf-8")).text
         for p in sorted((ROOT / "evals" / "datasets").rglob("*.txt"))
         + sorted((ROOT / "tests").rglob("*.txt"))]
_ALPHA = ["X", "x", "×", "XX", "*", "***", "□", "某", "某某", "年", "月", "日", "号", "A", "b",
          "TODO", "TBD", "FIXME", "TO", "(", ")", "【", "】", "[", "]", "此处", "填写", "略",
          "请输入", "我", "的", "学", "\n", " ", "1", "，"]


def _generated(rnd: random.Random, n: int = 300) -> list[str]:
    return ["".join(rnd.choice(_ALPHA) for _ in range(rnd.randint(0, 30))) for _ in range(n)]


@pytest.mark.parametrize("p", dz405_placeholder._patterns(), ids=lambda p: p.name)
def test_placeholder_scans_equal_re(p):
    rnd = random.Random(p.name)
    for text in TEXTS + _generated(rnd):
        assert [m.span() for m in p.scan(text)] == [m.span() for m in p.rx.finditer(text)]


# ---- _wording.longest_at (DZ403, DZ603, present()) ---------------------------------

def _plain_occurrences(phrases, text):
    out = set()
    for ph in set(phrases):
        if not ph:
            continue
        i = text.find(ph)
        while i != -1:
            out.add((i, ph))
            i = text.find(ph, i + 1)
    return out


def _longest_at_occurrences(phrases, text):
    rx, prefixes = longest_at(tuple(phrases))
    out = set()
    if rx is None:
        return out
    for m in rx.finditer(text):
        s = m.start(1)
        assert s == m.start()
        for w in (m.group(1), *prefixes[m.group(1)]):
            out.add((s, w))
    return out


def _phrase_sets():
    typo_rx, typo_prefixes, typo_entries = dz403_typo._table()
    yield "confusables", tuple(typo_entries)
    rnd = random.Random(3)
    syll = ["的", "一", "是", "不", "心", "里", "学", "习", "a", "b", "某"]
    for k in range(6):
        n_min = 1 if k % 2 else 2                   # with and without 1-character phrases
        yield f"generated{k}", tuple({"".join(rnd.choice(syll) for _ in range(rnd.randint(n_min, 4)))
                                      for _ in range(rnd.randint(1, 25))})


@pytest.mark.parametrize("name,phrases", list(_phrase_sets()), ids=lambda x: x if isinstance(x, str) else "")
def test_longest_at_finds_every_occurrence(name, phrases):
    rnd = random.Random(name)
    chars = sorted({c for p in phrases for c in p}) + ["我", "，", "\n"]
    texts = TEXTS[:20] + ["".join(rnd.choice(chars) for _ in range(rnd.randint(0, 60)))
                          for _ in range(300)]
    for text in texts:
        assert _longest_at_occurrences(phrases, text) == _plain_occurrences(phrases, text)


# ---- _wording.literal_at_offset / finditer_at_literal (DZ402) -----------------------

def test_leader_name_scans_equal_re():
    from service.review.rules import dz402_leader_name

    rnd = random.Random(402)
    alpha = ["习", "近", "平", "学", "研", "总", "书", "记", "主", "席", "同志", "进", " ", "\n",
             "我", "的", "大", "新时代"]
    texts = TEXTS + ["".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 30)))
                     for _ in range(400)]
    literal = 0
    for p in dz402_leader_name._patterns():
        literal += literal_at_offset(p.rx.pattern) is not None
        for text in texts:
            assert [m.span() for m in p.finditer(text)] == [m.span() for m in p.rx.finditer(text)]
    assert literal >= 3                                 # the fast path is exercised


def test_literal_at_offset():
    assert literal_at_offset("(学习|研习)近平(?=总书记)") == ("近平", 2)
    assert literal_at_offset("(?<!习)近平") == ("近平", 0)
    assert literal_at_offset("a[bc]{2}def+") == ("de", 3)
    assert literal_at_offset("a[bc]{2}de+") is None     # one literal, then a variable width
    assert literal_at_offset("a?bc") is None            # variable width before it
    assert literal_at_offset("(?i)abc") is None
    assert literal_at_offset("x*") is None


_ATOMS = ["a", "b", "ab", "ba", "[ab]", "c", "(?:a|bc)", "(?:ab|ba)", "."]
_QUANTS = ["", "", "", "?", "*", "+", "{2}", "{1,2}"]
_ASSERTS = ["(?=a)", "(?!b)", "(?<=a)", "(?<!c)", "$", r"\b", "^"]


def test_finditer_at_literal_equals_re_on_random_patterns():
    rnd = random.Random(11)
    checked = 0
    while checked < 400:
        parts = []
        for _ in range(rnd.randint(1, 5)):
            r = rnd.random()
            parts.append(rnd.choice(_ASSERTS) if r < 0.15 else
                         rnd.choice(_ATOMS) + rnd.choice(_QUANTS))
        pattern = "".join(parts)
        try:
            rx = re.compile(pattern)
        except re.error:
            continue
        at = literal_at_offset(pattern)
        if at is None:
            continue
        checked += 1
        for _ in range(10):
            text = "".join(rnd.choice("abc ") for _ in range(rnd.randint(0, 14)))
            assert [m.span() for m in finditer_at_literal(rx, *at, text)] == \
                [m.span() for m in rx.finditer(text)], (pattern, text)


# ---- DZ201: an item's excuses from the spans of the whole stretch --------------------

def test_objective_excuse_hits_equal_matcher():
    from bisect import bisect_right

    from service.document import parse
    from service.review.lexicon import matcher
    from service.review.rules import dz201_objective_excuse as dz201

    w = dz201._words()
    phrases = list(matcher("causes", "objective_excuses")._auto.keys())
    rnd = random.Random(201)
    docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "evals" / "datasets").rglob("*.txt"))]
    for _ in range(30):                 # items dense in (overlapping) excuses
        body = "".join(rnd.choice(phrases + ["，", "。", "我", "由于", "的"]) for _ in range(12))
        docs.append(f"一、查摆问题\n一是{body}\n二是{body[::-1]}\n二、原因剖析\n一是{body}\n")
    checked = 0
    for raw in docs:
        doc = parse(raw)
        text = doc.norm.text
        for items in (doc.causes, doc.problems):
            if not items:
                continue
            spans = w["excuse_spans"](text, min(it.body_start for it in items),
                                      max(it.end for it in items))
            ends = [e for _s, e in spans]
            for it in items:
                lo, hi = it.body_start, it.end
                inside = [sp for sp in spans[bisect_right(ends, lo):bisect_right(ends, hi)]
                          if sp[0] >= lo]
                want = matcher("causes", "objective_excuses").find_all(text, lo, hi)
                assert dz201._longest_hits(text, inside) == want
                checked += bool(want)
    assert checked > 30


def test_objective_excuse_connector_prefilter_is_exact():
    """_problem_excuses returns nothing when no connector occurs in the item: then no
    clause search finds one either (the connectors are plain literals)."""
    from service.review.rules import dz201_objective_excuse as dz201

    w = dz201._words()
    rx, lead = w["connector_re"], w["lead"]
    rnd = random.Random(2011)
    pieces = list(w["problem_connectors"]) + ["，", "。", "我", "任务重", "的", "由", "于"]
    texts = TEXTS + ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 20)))
                     for _ in range(500)]
    for text in texts:
        for _ in range(3):
            lo = rnd.randint(0, len(text))
            hi = rnd.randint(lo, len(text))
            clause_hits = any(rx.search(text, cs, min(ce, cs + lead + 2)) is not None
                              for cs, ce in dz201._clauses(text, lo, hi))
            if rx.search(text, lo, hi) is None:
                assert not clause_hits


# ---- DZ404: ASCII runs found with bytes.find ---------------------------------------

def test_pinyin_run_spans_equal_re():
    from service.review.rules import dz404_pinyin_substitution as dz404

    rnd = random.Random(404)
    alpha = ["a", "Z", "zuzhi", "我", "1", "-", "?", "é", "ａ", " ", "\n", "X", "的"]
    texts = TEXTS + ["".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 15)))
                     for _ in range(3000)]
    for text in texts:
        assert dz404._run_spans(text) == [m.span() for m in dz404._RUN.finditer(text)]


def test_pinyin_segment_equals_plain_dp():
    from service.review.rules import dz404_pinyin_substitution as dz404

    table, longest, _ = dz404._lexicon()

    def plain(run):
        n = len(run)
        best = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 1, min(n, i + longest) + 1):
                if run[i:j] in table:
                    cand = best[i] + [run[i:j]]
                    if best[j] is None or len(cand) < len(best[j]):
                        best[j] = cand
        return best[n]

    rnd = random.Random(4040)
    keys = sorted(table)
    for _ in range(2000):
        run = "".join(rnd.choice(keys) for _ in range(rnd.randint(1, 4)))
        if rnd.random() < 0.3:
            i = rnd.randrange(len(run))
            run = run[:i] + rnd.choice("aeiouxq") + run[i + 1:]
        assert dz404.segment(run) == plain(run), run


# ---- DZ603: runs of four-character phrases -------------------------------------------

def test_four_character_runs_equal_re():
    from service.review.rules import dz603_ai_flavour as dz603

    cfg = dz603._cfg()
    rnd = random.Random(603)
    four = ["学深悟透", "知行合一", "真抓实干", "担当作为", "我的问题", "三个12"]
    seps = ["、", ",", "、", ",", "、", ",", "，", ", ", "、\n", "。", "、、", ""]

    def gen() -> str:
        out = []
        for _ in range(rnd.randint(0, 14)):
            out.append(rnd.choice(four) if rnd.random() < 0.8 else rnd.choice(["我", "一", "!"]))
            out.append(rnd.choice(seps))
        return "".join(out)

    texts = TEXTS + [gen() for _ in range(2000)]
    found = 0
    for text in texts:
        got = [m.span() for m in dz603._run_matches(text, cfg)]
        assert got == [m.span() for m in cfg["run_re"].finditer(text)]
        found += len(got)
    assert found > 50
