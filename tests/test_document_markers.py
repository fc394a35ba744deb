"""service.document._collect_markers finds exactly the markers of the plain computation.

The inline-marker scan takes a marker's style from ``m.lastgroup`` and its value from the
group after it (the named group of each alternative encloses its value group), and
returns the line-start markers without sorting when no inline marker was added. The
reference below is the plain computation: the style is the first named group that
matched, the value the first numeral of the label, and every marker is sorted by
position. Compared on every text of the repository's datasets and fixtures, on each
section and on random spans, and on generated texts dense with markers.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from service.document import (
    _INLINE,
    _MARKER_VALUE,
    Node,
    _collect_markers,
    _line_marker,
    _scan_lines,
    _strip_span,
    cn_to_int,
    parse,
)
from service.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]


def _reference(text: str, start: int, end: int) -> list[Node]:
    found: dict[int, Node] = {}
    pos = 0
    for line in text.split("\n"):
        ls, le = pos, pos + len(line)
        pos = le + 1
        if le < start or ls >= end:
            continue
        a, b = _strip_span(text, max(ls, start), min(le, end))
        mk = _line_marker(text, a, b)
        if mk:
            style, value, mend, label = mk
            found[mend - len(label)] = Node(style, value, label, mend - len(label), mend)
    for m in _INLINE.finditer(text, max(start - 1, 0), end):
        style = None
        for name in ("shi", "ordinal", "paren", "arabic", "circled"):
            if m.group(name):
                style = name
                break
        assert style is not None
        label = m.group(style)
        p = m.start(style)
        if p in found:
            continue
        if style == "circled":
            value = ord(label) - 0x245F
        else:
            raw = _MARKER_VALUE.search(label)
            value = cn_to_int(raw.group(0)) if raw else 0
        if value > 0:
            found[p] = Node(style, value, label, p, p + len(label), inline=True)
    return [found[k] for k in sorted(found)]


def _key(nodes: list[Node]) -> list[tuple]:
    return [(n.style, n.value, n.label, n.start, n.body_start, n.inline) for n in nodes]


def _texts() -> list[str]:
    paths = sorted((ROOT / "evals" / "datasets").rglob("*.txt"))
    paths += sorted((ROOT / "tests").rglob("*.txt"))
    out = [p.read_text(encoding="utf-8") for p in paths]
    # the rule examples (many numbering cases) and the reviewer dataset's items
    for path in sorted((ROOT / "tests" / "review" / "examples").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out += [case["text"] for key in ("flag", "pass") for case in data.get(key) or []]
    items = ROOT / "evals" / "datasets" / "reviewer" / "items.yaml"
    out += [case["text"] for case in yaml.safe_load(items.read_text(encoding="utf-8"))]
    return [normalize(t).text for t in out if t.strip()]


TEXTS = _texts()


def test_there_are_texts_with_inline_markers():
    assert len(TEXTS) > 500
    assert sum(1 for t in TEXTS for _ in _INLINE.finditer(t)) > 30


def _check(text: str, rnd: random.Random) -> None:
    rows = _scan_lines(text)
    spans = [(s.heading_end, s.end) for s in parse(text).sections]
    spans.append((0, len(text)))
    for _ in range(10):
        a = rnd.randrange(len(text) + 1)
        spans.append((a, min(len(text), a + rnd.randrange(1, 600))))
    for s, e in spans:
        assert _key(_collect_markers(text, s, e, rows)) == _key(_reference(text, s, e)), (s, e)


def test_markers_equal_the_reference_on_the_repository_texts():
    rnd = random.Random(3)
    for text in TEXTS:
        _check(text, rnd)


_PIECES = ["一是", "二是", "十二是", "第一,", "第三、", "(一)", "(十)", "(2)", "1.", "12.",
           "3、", "3.5万", "2022.", "①", "⑳", "。", ";", ":", "!", "?", " ", "\t", "\n",
           "\n一、", "\n(二)", "查摆问题", "学习不够", "是", "第", "0是", "〇是"]


@pytest.mark.parametrize("seed", range(8))
def test_markers_equal_the_reference_on_generated_texts(seed):
    rnd = random.Random(seed)
    for _ in range(40):
        text = "".join(rnd.choice(_PIECES) for _ in range(rnd.randrange(1, 80)))
        _check(text, rnd)


def test_the_value_group_follows_the_style_group():
    # the property the scan relies on, for every alternative of the inline pattern: the
    # style's named group closes last, and the next group (inside it) is the value
    samples = {"shi": ("。十二是问题", "十二"), "ordinal": (";第三,问题", "三"),
               "paren": (":(四)问题", "四"), "arabic": ("!12.问题", "12"),
               "circled": ("?③问题", None)}
    assert set(samples) == set(_INLINE.groupindex)
    for style, (text, value) in samples.items():
        m = _INLINE.search(text)
        assert m.lastgroup == style and m.lastindex == _INLINE.groupindex[style]
        if value is not None:
            assert m.group(m.lastindex + 1) == value
            assert m.start(style) <= m.start(m.lastindex + 1) < m.end(style)
