"""The fast paths of service.text.normalize give exactly what the general code gives.

* ``normalize_phrase`` returns a phrase unchanged, without building a ``Normalized``,
  when nothing in it can fold: compared with ``normalize(text).text`` on every string
  of the lexicons and on random strings mixing Hanzi, ASCII, full-width forms, CJK
  punctuation, zero-width characters, ``\\r`` and ①;
* ``Normalized.orig_span`` with the identity map (a ``range``) clamps the span without
  reading the map: compared with the same ``Normalized`` whose map is that range as a
  tuple (the general path), on the benchmark texts and random texts, for spans inside,
  across and outside the text (negative, reversed, empty, past the end).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from service.review.lexicon import LEXICON_DIR, load
from service.text.normalize import Normalized, normalize, normalize_phrase

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [p.read_text(encoding="utf-8") for p in (
    ROOT / "evals" / "datasets" / "bench" / "specific_2021.txt",
    ROOT / "evals" / "datasets" / "bench" / "mixed_2024.txt",
    ROOT / "tests" / "fixtures" / "seed_2021.txt",
)]

# characters that fold (full-width, CJK punctuation, 「」, nbsp, zero-width, ①, \r) and
# characters that do not (Hanzi, ASCII, 。、“”)
_ALPHABET = ("对照检查问题整改学习我们的一二三十是" "abcXYZ019 ,.;:\n\t"
             "，；：（）？！。、“”‘’《》【】—·「」『』\u00a0\u3000１２ＡＢ"
             "\u200b\ufeff\u00ad\r①⑩ﬁ㈠")


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v)


def _random_strings(seed: int, n: int = 400):
    rnd = random.Random(seed)
    for _ in range(n):
        yield "".join(rnd.choice(_ALPHABET) for _ in range(rnd.randrange(0, 12)))


def test_normalize_phrase_equals_normalize_on_every_lexicon_string():
    seen = 0
    for path in sorted(LEXICON_DIR.glob("*.yaml")):
        for s in _strings(load(path.stem)):
            assert normalize_phrase(s) == normalize(s).text, (path.stem, s)
            seen += 1
    assert seen > 1000


@pytest.mark.parametrize("seed", range(5))
def test_normalize_phrase_equals_normalize_on_random_strings(seed):
    for s in _random_strings(seed):
        assert normalize_phrase(s) == normalize(s).text, repr(s)
    # long strings take normalize's other scan (the common punctuation folded at once)
    rnd = random.Random(seed)
    for _ in range(20):
        s = "".join(rnd.choice(_ALPHABET[:40]) for _ in range(300))
        assert normalize_phrase(s) == normalize(s).text


def _spans(n: int, rnd: random.Random):
    edges = [-5, -1, 0, 1, n - 1, n, n + 1, n + 7]
    for a in edges:
        for b in edges:
            yield a, b
    for _ in range(300):
        a = rnd.randrange(-3, n + 4)
        yield a, a + rnd.randrange(-3, 60)


def _check_identity_map(text: str, rnd: random.Random) -> int:
    norm = normalize(text)
    if type(norm.origin) is not range:
        return 0
    general = Normalized(norm.original, norm.text, tuple(norm.origin))
    for a, b in _spans(len(norm.text), rnd):
        assert norm.orig_span(a, b) == general.orig_span(a, b), (a, b)
        assert norm.orig_text(a, b) == general.orig_text(a, b)
    return 1


def test_identity_orig_span_equals_the_general_map_on_real_texts():
    rnd = random.Random(7)
    checked = sum(_check_identity_map(t, rnd) for t in TEXTS)
    assert checked == len(TEXTS)   # the benchmark texts take the identity map


@pytest.mark.parametrize("seed", range(5))
def test_identity_orig_span_equals_the_general_map_on_random_texts(seed):
    rnd = random.Random(seed)
    checked = 0
    for s in _random_strings(seed, 200):
        checked += _check_identity_map(s, rnd)
    checked += _check_identity_map("", rnd)
    assert checked > 20


def test_a_range_that_is_not_the_identity_takes_the_general_map():
    # a map that is a range but not range(len(text)) must not take the shortcut
    n = Normalized("xabc", "abc", range(1, 4))
    assert n.orig_span(0, 2) == (1, 3)
    assert n.orig_span(3, 3) == (4, 4)
