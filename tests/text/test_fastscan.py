"""service.text.fastscan finds exactly what plain ``re`` finds.

The fast scanners (prefilter, factored alternations, phrase automata) are exact
rewrites: these tests compare them with ``re.finditer`` / ``re.search`` on

* every ``*_patterns`` list of the lexicons (each pattern alone and as the one
  alternation the rules compile), over the repository's benchmark texts and the seed,
  on random windows;
* randomly generated patterns (alternations, classes, lazy and greedy quantifiers,
  lookarounds) over short strings, including a non-ASCII digit (٣) and a text end.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from service.review.lexicon import LEXICON_DIR, load
from service.text import fastscan as fs
from service.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [normalize(p.read_text(encoding="utf-8")).text for p in (
    ROOT / "evals" / "datasets" / "bench" / "specific_2021.txt",
    ROOT / "evals" / "datasets" / "bench" / "mixed_2024.txt",
    ROOT / "tests" / "fixtures" / "seed_2021.txt",
)]


def _lexicon_patterns() -> list[tuple[str, str]]:
    out = []
    for path in sorted(LEXICON_DIR.glob("*.yaml")):
        data = load(path.stem)
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if key.endswith("_patterns") and isinstance(value, list) and value:
                pats = [str(p) for p in value]
                out.append((f"{path.stem}.{key}", "|".join(f"(?:{p})" for p in pats)))
                out += [(f"{path.stem}.{key}[{i}]", p) for i, p in enumerate(pats)]
    return out


LEXICON_PATTERNS = _lexicon_patterns()


def _windows(text: str, rnd: random.Random, n: int = 12):
    yield 0, len(text)
    for _ in range(n):
        s = rnd.randrange(len(text))
        yield s, min(len(text), s + rnd.randrange(1, 400))


def _same(rx: re.Pattern[str], text: str, s: int, e: int, until: int) -> list[str]:
    """The scanners that disagree with plain re on text[s:e] (empty: all agree)."""
    every = [m.span() for m in rx.finditer(text, s, e)]
    nonempty = [x for x in every if x[1] > x[0]]
    bad = []
    if [m.span() for m in fs.fast_finditer(rx)(text, s, e)] != every:
        bad.append("fast_finditer")
    want, got = rx.search(text, s, e), fs.fast_search(rx)(text, s, e)
    if (want and want.span()) != (got and got.span()):
        bad.append("fast_search")
    if fs.scanner(rx)(text, s, e) != nonempty:
        bad.append("scanner")
    if fs.scanner_until(rx)(text, s, e, until) != [x for x in nonempty if x[0] < until]:
        bad.append("scanner_until")
    if fs.factored_scanner(rx)(text, s, e) != nonempty:
        bad.append("factored_scanner")
    if fs.factored_scanner(rx, until=True)(text, s, e, until) != [x for x in nonempty
                                                                  if x[0] < until]:
        bad.append("factored_scanner(until)")
    return bad


def test_there_are_lexicon_patterns_to_check():
    assert len(LEXICON_PATTERNS) > 20
    # the time patterns are factored and the place patterns get a prefilter: the fast
    # paths are really exercised, not only the fallbacks
    combined = dict(LEXICON_PATTERNS)
    assert fs._factor(combined["formulaic.time_patterns"]) is not None
    assert fs._prefilter(re.compile(combined["formulaic.place_patterns"])) is not None


@pytest.mark.parametrize("name,pattern", LEXICON_PATTERNS, ids=[n for n, _ in LEXICON_PATTERNS])
def test_lexicon_pattern_scans_equal_re(name, pattern):
    rx = re.compile(pattern)
    rnd = random.Random(name)
    for text in TEXTS:
        for s, e in _windows(text, rnd):
            until = rnd.randint(s, e + 1)
            assert _same(rx, text, s, e, until) == [], (name, s, e)


def test_a_non_ascii_digit_falls_back_to_the_original_pattern():
    rx = re.compile(r"\d+次|(?:上|下)半年|[一二三]月")
    text = "我缺席了٣次，上半年一月又2次"
    assert fs.factored_scanner(rx)(text, 0, len(text)) == [
        m.span() for m in rx.finditer(text) if m.end() > m.start()]
    assert (0, 0) not in fs.factored_scanner(rx)(text, 0, len(text))


_ATOMS = ["a", "b", "c", "[ab]", "[a-c]", r"\d", "[1-3b]", "x"]
_QUANTS = ["", "", "", "?", "*", "+", "{2}", "{0,2}", "{1,3}", "??", "*?", "+?", "{1,2}?", "{2,}"]
_ASSERTS = ["(?=a)", "(?!b)", "(?<=a)", "(?<!c)", "$", r"\b"]
_ALPHA = "abcx123٣ "


def _random_pattern(rnd: random.Random, depth: int = 0) -> str:
    out = ""
    for _ in range(rnd.randint(1, 3)):
        r = rnd.random()
        if r < 0.15 and depth < 2:
            out += "(?:" + "|".join(_random_pattern(rnd, depth + 1)
                                    for _ in range(rnd.randint(1, 3))) + ")"
        elif r < 0.22:
            out += rnd.choice(_ASSERTS)
            continue
        else:
            out += rnd.choice(_ATOMS)
        out += rnd.choice(_QUANTS)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_random_patterns_scan_equal_re(seed):
    rnd = random.Random(seed)
    checked = factored = prefiltered = 0
    while checked < 300:
        pattern = "|".join(_random_pattern(rnd) for _ in range(rnd.randint(1, 4)))
        try:
            rx = re.compile(pattern)
        except re.error:
            continue
        checked += 1
        factored += fs._factor(pattern) is not None
        prefiltered += fs._prefilter(rx) is not None
        for _ in range(8):
            text = "".join(rnd.choice(_ALPHA) for _ in range(rnd.randint(0, 12)))
            s = rnd.randint(0, len(text))
            e = rnd.randint(s, len(text))
            until = rnd.randint(s, e + 1)
            assert _same(rx, text, s, e, until) == [], (pattern, text, s, e, until)
    # the generator reaches both rewrites, so the comparison tests them
    assert factored > 15 and prefiltered > 15


# ------------------------------------------------------------- nibble-coded automata

def _plain_spans(keys, text: str, s: int, e: int) -> list[tuple[int, int]]:
    """What a plain pyahocorasick automaton of ``keys`` reports over text[s:e]."""
    import ahocorasick

    auto = ahocorasick.Automaton()
    for k in keys:
        if k:
            auto.add_word(k, len(k))
    if not len(auto):
        return []
    auto.make_automaton()
    return [(last - n + 1, last + 1) for last, n in auto.iter(text, s, e)]


def _same_tagged(table: dict[str, tuple[str, ...]], text: str, s: int, e: int,
                 base: int, end: int) -> None:
    find = fs.coded_tagged_spans(table)
    nt = fs.nibble_text(text, base, end)
    got = find(nt, s, e)
    for tag in {t for ts in table.values() for t in ts}:
        keys = [k for k, ts in table.items() if tag in ts]
        want = _plain_spans(keys, text, s, e)
        assert got.get(tag, []) == want, (tag, text[s:e], s, e)


def test_nibble_code_is_one_to_one_and_aligned():
    chars = "我们。，“”\n 1aZ٣\u00a0\u4e00\u9fff\uffff\ud800"
    codes = [fs.nibble_code(c) for c in chars]
    assert all(len(c) == 4 for c in codes)
    assert len(set(codes)) == len(chars)
    # each letter position has its own alphabet: a key's coding can only occur at a
    # multiple of 4 in a text's coding
    for i in range(4):
        assert not {c[i] for c in codes} & {c[j] for c in codes for j in range(4) if j != i}
    assert fs.nibble_code("中文" + "\U0001F600") is None
    assert fs.nibble_text("ab\U0001F600", 0, 2).coded == fs.nibble_code("ab")


def test_coded_tagged_spans_equal_plain_automata_on_the_lexicons():
    from service.review import specificity

    table = {}
    for key, (_n, kinds) in specificity.lex().auto.items():
        table[key] = kinds
    rnd = random.Random(7)
    for text in TEXTS:
        for s, e in _windows(text, rnd, n=20):
            base = rnd.randint(0, s)
            _same_tagged(table, text, s, e, base, rnd.randint(e, len(text)))


@pytest.mark.parametrize("seed", range(3))
def test_coded_tagged_spans_equal_plain_automata_on_generated_text(seed):
    rnd = random.Random(seed)
    alpha = "我们的不够一是\n，。1a٣\u00a0"
    for _ in range(200):
        keys = {"".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 4)))
                for _ in range(rnd.randint(1, 8))}
        table = {k: tuple(rnd.sample(["x", "y", "z"], rnd.randint(1, 2))) for k in keys}
        text = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 40)))
        s = rnd.randint(0, len(text))
        e = rnd.randint(s, len(text))
        _same_tagged(table, text, s, e, rnd.randint(0, s), rnd.randint(e, len(text)))
    # a key outside the BMP has no coding: the caller must scan plainly
    assert fs.coded_tagged_spans({"a\U0001F600": ("x",)}) is None


def test_phrase_spans_and_tagged_find_all_equal_phrase_matcher():
    from service.review.lexicon import PhraseMatcher

    data = load("formulaic")
    places = tuple(str(w) for w in data["places"])
    harm = tuple(str(w) for w in data["harm"])
    spans = fs.phrase_spans(places)
    find_all = fs.tagged_find_all((("p", tuple((w, 1) for w in places)),
                                   ("h", tuple((w, 2) for w in harm))))
    pm_p = PhraseMatcher(dict.fromkeys(places, 1))
    pm_h = PhraseMatcher(dict.fromkeys(harm, 2))
    rnd = random.Random(3)
    hits = 0
    for text in TEXTS:
        for s, e in _windows(text, rnd, n=30):
            want = [(h.start, h.end) for h in PhraseMatcher(list(places)).iter(text, s, e)]
            assert spans(text, s, e) == want
            hits += len(want)
            got = find_all(text, s, e)
            for tag, pm in (("p", pm_p), ("h", pm_h)):
                assert got[tag] == [(h.start, h.end, h.phrase, h.payload)
                                    for h in pm.find_all(text, s, e)]
    assert hits > 50
