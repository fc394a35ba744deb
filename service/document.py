"""The document model: a 个人对照检查材料 parsed into sections, aspects and items.

A text is parsed on its normalized form (see :mod:`service.text.normalize`); every
offset stored here is a *normalized* offset, mapped back to the original text only
when a finding or an item is reported (``Normalized.orig_span``).

Shape (domain.md §1): an optional title line, a preamble, then sections — 查摆问题
(problems, grouped by the year's aspects), 原因剖析 (causes), 整改措施 (measures),
often 上年度整改落实情况 (follow-up) and 案例剖析 (case analysis) — and an optional
signature and date. Numbering varies: 一、 / （一） / 1. / （1） / ① / 第一， / 一是…,
at line starts or inline after a full stop. Nesting is inferred the way Markdown list
nesting is: a marker style seen for the first time nests under the current one; a style
already open closes everything below it.

An *item* is the smallest numbered unit (a leaf of that tree). In the problems section
the top-level numbered blocks are aspects when they have children or read like an aspect
heading (方面, 对照, 带头, 检视 …); in the measures section an inner node is a measure
*group* whose heading is kept on each of its items.

Cost (~0.2 ms on a 5,000-character material): each line is stripped and its line-start
marker matched once (``_scan_lines``); the title, signature, section and marker passes
share those rows. Inline markers take one regex scan per section (a match's style and
value are read from its groups), and each node one sentence-end search, whose result
also gives its item's headline. The document is a graph with cycles (Item ↔ Section,
Node ↔ parent): the cyclic GC, not refcounting, frees it, so a benchmark loop may see a
collection land in ``parse``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from service.text.normalize import Normalized, normalize

_CN = "一二三四五六七八九十"
_CN_VALUE = {c: i + 1 for i, c in enumerate(_CN)}


@lru_cache(maxsize=512)
def cn_to_int(s: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20 (enough for numbering)."""
    if not s:
        return 0
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _CN_VALUE.get(s, 0)
    if s[0] == "十":
        return 10 + _CN_VALUE.get(s[1], 0)
    if s[-1] == "十":
        return _CN_VALUE.get(s[0], 0) * 10
    if len(s) == 3 and s[1] == "十":
        return _CN_VALUE.get(s[0], 0) * 10 + _CN_VALUE.get(s[2], 0)
    return 0


# Marker styles, in conventional nesting order (used only to name them).
_N = f"[{_CN}]{{1,3}}"
# "1、" always; "1." unless it is a decimal ("3.5万") — "3.2022年起" is a marker
_ARABIC_SEP = r"(?:、|\.(?!\d{1,3}(?!\d))(?!\.))"
_LINE_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"第({_N})部分[,:、.]?")),
    ("dun", re.compile(rf"({_N})[、.](?=\S)")),
    ("paren", re.compile(rf"\(({_N})\)")),
    ("ordinal", re.compile(rf"第({_N})[,、:](?=\S)")),
    ("shi", re.compile(rf"({_N})是(?=\S)")),
    ("arabic", re.compile(rf"(\d{{1,2}}){_ARABIC_SEP}(?=\S)")),
    ("aparen", re.compile(r"\((\d{1,2})\)")),
    ("circled", re.compile(r"([\u2460-\u2473])")),
]
# All line-start styles in one alternation: group "<style>" wraps that style's pattern,
# whose value group is the next group.
_LINE_MARKER_ANY = re.compile(
    "|".join(f"(?P<{style}>{rx.pattern})" for style, rx in _LINE_MARKERS))
_LINE_STYLE_INDEX = {style: i for i, (style, _rx) in enumerate(_LINE_MARKERS)}
_MARKER_VALUE = re.compile(rf"{_N}|\d{{1,2}}")
# Inline markers: only right after a sentence end (or a colon), never mid-clause. The
# sentence end is consumed rather than looked behind at (a character-set prefix lets the
# scan skip ahead; a lookbehind is tried at every position); no marker contains one, so
# the matches are the same.
_INLINE = re.compile(
    rf"[。;:!?][ \t]*(?:"
    rf"(?P<shi>({_N})是)(?=\S)|"
    rf"(?P<ordinal>第({_N})[,、])(?=\S)|"
    rf"(?P<paren>\(({_N})\))|"
    rf"(?P<arabic>(\d{{1,2}}){_ARABIC_SEP})(?=\S)|"
    rf"(?P<circled>[\u2460-\u2473]))"
)

_SENTENCE_END = re.compile(r"[。;!?]|\n")
_TITLE_WORDS = re.compile(r"对照检查|检视剖析|剖析材料|发言提纲|检查材料|对照检查材料|个人对照|发言材料")
_DATE_LINE = re.compile(r"^\s*(\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-./]\d{1,2}[-./]\d{1,2})\s*$")
# the genre's closing sentence ("以上是我的对照检查，不妥之处，请同志们批评指正"): not a measure
_CLOSING_LINE = re.compile(r"^(以上(是|为|就是)?(我|本人)的|不妥之处|(恳请|敬请|请)(各位|同志们|大家|组织)?"
                           r"[^。]{0,8}批评指正)")
_SIGN_LINE = re.compile(r"^\s*(对照检查人|检查人|发言人|署名|本人)?[:]?\s*[\u4e00-\u9fff·]{2,5}\s*$")
_ASPECT_WORDS = re.compile(r"方面|对照|带头|检视|在.{1,20}上")

# section kinds in the order their phrases are tried (see lexicons/sections.yaml)
SECTION_KINDS = ("followup", "case", "causes", "measures", "problems")
ITEM_KIND = {"problems": "problem", "causes": "cause", "measures": "measure",
             "followup": "followup"}
ID_PREFIX = {"problem": "p", "cause": "c", "measure": "m", "followup": "f"}


@dataclass(eq=False)
class Node:
    """A numbered block: marker style, value, span and children (normalized offsets)."""

    style: str
    value: int
    label: str
    start: int          # marker start
    body_start: int     # after the marker
    end: int = 0
    heading_end: int = 0
    inline: bool = False
    children: list["Node"] = field(default_factory=list)
    parent: "Node | None" = None


@dataclass(eq=False)
class Item:
    id: str
    kind: str
    start: int
    end: int
    body_start: int
    label: str
    text: str
    headline: str
    aspect: int | None = None
    group: str | None = None
    section: "Section | None" = None


@dataclass(eq=False)
class Aspect:
    number: int
    title: str
    start: int
    end: int
    heading_end: int
    items: list[Item] = field(default_factory=list)


@dataclass(eq=False)
class Section:
    kind: str
    title: str
    start: int
    end: int
    heading_start: int
    heading_end: int
    label: str = ""
    aspects: list[Aspect] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Document:
    norm: Normalized
    title: str | None = None
    title_span: tuple[int, int] | None = None
    preamble_span: tuple[int, int] | None = None
    signature_span: tuple[int, int] | None = None
    closing_span: tuple[int, int] | None = None   # 以上……请批评指正
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.norm.text

    @property
    def items(self) -> list[Item]:
        out: list[Item] = []
        for s in self.sections:
            out += s.items      # list.extend in C: cheaper than a comprehension
        return out

    @property
    def aspects(self) -> list[Aspect]:
        return [a for s in self.sections for a in s.aspects]

    def section(self, kind: str) -> Section | None:
        for s in self.sections:
            if s.kind == kind:
                return s
        return None

    def items_of(self, kind: str) -> list[Item]:
        return [it for s in self.sections for it in s.items if it.kind == kind]

    @property
    def problems(self) -> list[Item]:
        return self.items_of("problem")

    @property
    def causes(self) -> list[Item]:
        return self.items_of("cause")

    @property
    def measures(self) -> list[Item]:
        return self.items_of("measure")

    @property
    def followups(self) -> list[Item]:
        return self.items_of("followup")

    def item_at(self, pos: int) -> Item | None:
        """The item whose span contains the normalized offset ``pos``."""
        for it in self.items:
            if it.start <= pos < it.end:
                return it
        return None

    def item(self, item_id: str) -> Item | None:
        for it in self.items:
            if it.id == item_id:
                return it
        return None


@lru_cache(maxsize=1)
def _section_phrases() -> list[tuple[str, str]]:
    from service.review.lexicon import load
    from service.text.normalize import normalize_phrase

    data = load("sections")
    return [(kind, normalize_phrase(p)) for kind in SECTION_KINDS for p in data[kind]]


@lru_cache(maxsize=1)
def _section_automaton():
    """Aho–Corasick automaton over the section phrases, each word's value its index in
    :func:`_section_phrases` (the first index when a phrase is listed twice); None when a
    phrase is empty (it would be in every heading: the plain loop handles that)."""
    import ahocorasick

    phrases = _section_phrases()
    if any(not p for _kind, p in phrases):
        return None
    auto = ahocorasick.Automaton()
    for i, (_kind, phrase) in enumerate(phrases):
        if phrase not in auto:
            auto.add_word(phrase, i)
    if len(auto):
        auto.make_automaton()
    return auto


def section_kind(heading: str) -> str | None:
    """The section kind a heading names, or None."""
    phrases = _section_phrases()
    auto = _section_automaton()
    if auto is None or not len(auto):
        for kind, phrase in phrases:
            if phrase in heading:
                return kind
        return None
    # the first phrase, in lexicon order, that occurs in the heading
    best = None
    for _end, i in auto.iter(heading):
        if best is None or i < best:
            best = i
    return None if best is None else phrases[best][0]


_BLANKS = " \t\u3000"


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\u3000\n":
        start += 1
    while end > start and text[end - 1] in " \t\u3000\n":
        end -= 1
    return start, end


# A cheap gate: the first character a line-start marker can begin with.
_MARKER_START = frozenset(_CN + "第(0123456789" + "".join(chr(c) for c in range(0x2460, 0x2474)))

Marker = tuple[str, int, int, str]      # (style, value, marker_end, label)


def _line_marker(text: str, start: int, end: int) -> Marker | None:
    """(style, value, marker_end, label) of a marker at a line start, if any."""
    s, _ = _strip_span(text, start, end)
    if s >= end or text[s] not in _MARKER_START:
        return None
    return _marker_at(text, s, end)


def _marker_at(text: str, s: int, end: int) -> Marker | None:
    """:func:`_line_marker` of a span that starts with a non-blank character."""
    # One pass over all styles (the alternation tries them in _LINE_MARKERS order, so the
    # first alternative that matches is the first style whose pattern matches); the loop
    # below continues after it only when that marker's value is not a number.
    m = _LINE_MARKER_ANY.match(text, s, end)
    if m is None:
        return None
    style = m.lastgroup
    raw = m.group(m.lastindex + 1)
    value = (ord(raw) - 0x245F) if style == "circled" else cn_to_int(raw)
    if value > 0:
        return style, value, m.end(), m.group(0)
    for style, rx in _LINE_MARKERS[_LINE_STYLE_INDEX[style] + 1:]:
        m = rx.match(text, s, end)
        if m:
            raw = m.group(1)
            value = (ord(raw) - 0x245F) if style == "circled" else cn_to_int(raw)
            if value <= 0:
                continue
            return style, value, m.end(), m.group(0)
    return None


# One row per line: (line_start, line_end, start, end, marker), where [start, end) is the
# line stripped of blanks and marker is the line-start marker of that span (or None).
Line = tuple[int, int, int, int, "Marker | None"]
_LINE_END = itemgetter(1)


def _scan_lines(text: str) -> list[Line]:
    """Every line of ``text`` once: its span, its stripped span and its marker."""
    rows: list[Line] = []
    pos = 0
    blanks, starts = _BLANKS, _MARKER_START
    for line in text.split("\n"):
        le = pos + len(line)
        if not line:
            rows.append((pos, le, le, le, None))
        else:
            s, e = pos, le
            if line[0] in blanks or line[-1] in blanks:
                body = line.lstrip(blanks)
                s = le - len(body)
                e = s + len(body.rstrip(blanks))
            if s < e and text[s] in starts:
                rows.append((pos, le, s, e, _marker_at(text, s, e)))
            else:
                rows.append((pos, le, s, e, None))
        pos = le + 1
    return rows


def _heading_end(text: str, start: int, end: int) -> int:
    """End of a heading: first sentence end (inclusive) or the line end."""
    m = _SENTENCE_END.search(text, start, end)
    return m.end() if m else end


_SECTION_STYLES = frozenset(("dun", "part", "paren"))


def _find_sections(text: str, rows: list[Line]):
    """Section heading candidates: (kind, style, heading_start, heading_end, label, heading)."""
    cands = []
    for (_ls, _le, s, e, mk) in rows:
        if s >= e:
            continue
        if mk:
            style, _value, mend, label = mk
            if style not in _SECTION_STYLES:
                continue
            hend = _heading_end(text, mend, e)
            heading = text[mend:hend].strip("。;: ")
            if len(heading) > 40:
                continue
        else:
            if e - s > 24:
                continue
            heading = text[s:e]
            if heading.endswith("。"):
                continue
            style, label, hend = "none", "", e
        kind = section_kind(heading)
        if kind:
            cands.append((kind, style, s, hend, label, heading))
    if not cands:
        return []
    styles = {c[1] for c in cands}
    if "dun" in styles or "part" in styles:
        keep = {"dun", "part", "none"}
    elif "paren" in styles:
        keep = {"paren", "none"}
    else:
        keep = {"none"}
    return [c for c in cands if c[1] in keep]


def _collect_markers(text: str, start: int, end: int, rows: list[Line]) -> list[Node]:
    """Every numbering marker in [start, end), line-start and inline, in order."""
    found: dict[int, Node] = {}
    # rows are in order: skip those ending at or before ``start`` by bisection
    for i in range(bisect_right(rows, start, key=_LINE_END), len(rows)):
        ls, le, _s, _e, mk = rows[i]
        if ls >= end:
            break
        if ls < start or le > end:
            # a line the span cuts: the marker of the part inside, stripped of blanks (no
            # marker pattern consumes a blank, and a blank or the span end both stop a
            # lookahead)
            a, b = _strip_span(text, max(ls, start), min(le, end))
            mk = _line_marker(text, a, b)
        if mk:
            style, value, mend, label = mk
            pos = mend - len(label)
            found[pos] = Node(style, value, label, pos, mend)
    # the pattern consumes the sentence end before the marker: start one character early
    n_line = len(found)
    for m in _INLINE.finditer(text, max(start - 1, 0), end):
        # the named group of the alternative that matched: it encloses that style's value
        # group, so it is the group that closed last (lastindex), and the value group is
        # the next one (circled has none: its label is its value)
        gi = m.lastindex
        style = m.lastgroup
        pos = m.start(gi)
        if pos in found:
            continue
        label = m.group(gi)
        if style == "circled":
            value = ord(label) - 0x245F
        else:
            value = cn_to_int(m.group(gi + 1))
        if value > 0:
            # positional: ..., end, heading_end, inline
            found[pos] = Node(style, value, label, pos, pos + len(label), 0, 0, True)
    if len(found) == n_line:
        return list(found.values())     # line-start markers only: already in order
    return [found[k] for k in sorted(found)]


def _build_tree(nodes: list[Node], end: int) -> list[Node]:
    """Nest markers by style, like Markdown lists; set each node's end.

    A node ends where the next node at its depth or above starts (the node that closes
    it), or at ``end`` when it is still open after the last node."""
    roots: list[Node] = []
    stack: list[Node] = []
    styles: list[str] = []          # the styles of ``stack``, in step
    for node in nodes:
        style = node.style
        if style in styles:
            # an inline marker of an open style continues that list only if its
            # value follows on; otherwise it is probably prose ("一是一，二是二")
            idx = styles.index(style)
            for closed in stack[idx:]:
                closed.end = node.start
            del stack[idx:], styles[idx:]
        if stack:
            parent = stack[-1]
            node.parent = parent
            parent.children.append(node)
        else:
            roots.append(node)
        stack.append(node)
        styles.append(style)
    for n in stack:
        n.end = end
    return roots


def _leaves(node: Node) -> list[Node]:
    """The leaves under ``node`` (itself when it has no children), in order."""
    if not node.children:
        return [node]
    out: list[Node] = []
    for c in node.children:
        if c.children:
            out.extend(_leaves(c))
        else:
            out.append(c)
    return out


def _headline(text: str, start: int, end: int) -> str:
    m = _SENTENCE_END.search(text, start, end)
    return text[start:(m.start() if m else end)].strip()


_UNKNOWN = object()


class _Builder:
    def __init__(self, doc: Document, rows: list[Line]):
        self.doc = doc
        self.text = doc.norm.text
        self.rows = rows
        self.counts = {"problem": 0, "cause": 0, "measure": 0, "followup": 0}
        self.aspect_no = 0
        # node → where the first sentence end after its marker is (None: none before its end)
        self.sentence_end: dict[Node, int | None] = {}

    def item(self, section: Section, kind: str, node: Node | None, start: int, end: int,
             body_start: int, aspect: int | None = None, group: str | None = None) -> Item | None:
        text = self.text
        # _strip_span, inline
        while start < end and text[start] in " \t\u3000\n":
            start += 1
        while end > start and text[end - 1] in " \t\u3000\n":
            end -= 1
        # the body: from the marker's end, stripped (``end`` is stripped already)
        bs = body_start if body_start > start else start
        while bs < end and text[bs] in " \t\u3000\n":
            bs += 1
        if end <= bs:
            return None
        # the headline runs to the first sentence end in the body. build() found the first
        # one after each node's marker: when the body starts there, that is the one unless
        # it lies before ``bs`` (a newline ahead of the body)
        p = _UNKNOWN
        if node is not None and body_start == node.body_start:
            p = self.sentence_end.get(node, _UNKNOWN)
        if p is _UNKNOWN or (p is not None and p < bs):
            headline = _headline(text, bs, end)
        elif p is None or p >= end:
            headline = text[bs:end].strip()
        else:
            headline = text[bs:p].strip()
        self.counts[kind] += 1
        # positional (a keyword call costs three times as much): id, kind, start, end,
        # body_start, label, text, headline, aspect, group, section
        it = Item(f"{ID_PREFIX[kind]}{self.counts[kind]}", kind, start, end, bs,
                  node.label if node else "", text[bs:end], headline, aspect, group, section)
        section.items.append(it)
        return it

    def unnumbered(self, section: Section, kind: str, start: int, end: int) -> None:
        """A section without numbering: each non-empty paragraph is one item."""
        pos = start
        for para in self.text[start:end].split("\n"):
            s, e = _strip_span(self.text, pos, pos + len(para))
            if e > s:
                self.item(section, kind, None, s, e, s)
            pos += len(para) + 1

    def build(self, section: Section) -> None:
        text = self.text
        kind = ITEM_KIND.get(section.kind)
        nodes = _collect_markers(text, section.heading_end, section.end, self.rows)
        roots = _build_tree(nodes, section.end)
        section.nodes = roots
        search = _SENTENCE_END.search
        sentence_end = self.sentence_end
        for n in nodes:     # every node of the tree
            m = search(text, n.body_start, n.end)
            if m:
                n.heading_end = m.end()
                sentence_end[n] = m.start()
            else:
                n.heading_end = n.end
                sentence_end[n] = None
        if kind is None:
            return
        if not roots:
            self.unnumbered(section, kind, section.heading_end, section.end)
            return
        if kind == "problem":
            self._problems(section, roots)
            return
        for root in roots:
            for leaf in _leaves(root):
                group = None
                if leaf.parent is not None:
                    p = leaf.parent
                    group = text[p.body_start:p.heading_end].strip("。;: ")
                self.item(section, kind, leaf, leaf.start, leaf.end, leaf.body_start,
                          group=group)

    def _problems(self, section: Section, roots: list[Node]) -> None:
        text = self.text
        for root in roots:
            heading = text[root.body_start:root.heading_end]
            aspect_like = bool(root.children) or bool(_ASPECT_WORDS.search(heading[:40]))
            if not aspect_like:
                self.item(section, "problem", root, root.start, root.end, root.body_start)
                continue
            self.aspect_no += 1
            asp = Aspect(number=self.aspect_no, title=heading.strip("。;: "),
                         start=root.start, end=root.end, heading_end=root.heading_end)
            section.aspects.append(asp)
            if root.children:
                for leaf in _leaves(root):
                    it = self.item(section, "problem", leaf, leaf.start, leaf.end,
                                   leaf.body_start, aspect=asp.number)
                    if it:
                        asp.items.append(it)
            else:
                # aspect heading followed by one unnumbered problem
                it = self.item(section, "problem", None, root.heading_end, root.end,
                               root.heading_end, aspect=asp.number)
                if it:
                    asp.items.append(it)


def parse(text: str | Normalized) -> Document:
    """Parse a text (original or already normalized) into a :class:`Document`."""
    norm = text if isinstance(text, Normalized) else normalize(text)
    t = norm.text
    doc = Document(norm=norm)
    rows = _scan_lines(t)

    # title: the first non-empty line, when it reads like one
    body_start = 0
    for (_ls, le, s, e, mk) in rows:
        if s >= e:
            continue
        line = t[s:e]
        if (len(line) <= 60 and not line.endswith("。") and _TITLE_WORDS.search(line)
                and not mk):
            doc.title, doc.title_span = line, (s, e)
            body_start = le
        break

    # signature and date at the end
    end = len(t)
    for (_ls, _le, s, e, _mk) in reversed(rows):
        if s >= e:
            continue
        line = t[s:e]
        if _DATE_LINE.match(line) or (_SIGN_LINE.match(line) and not section_kind(line)):
            end = s
            doc.signature_span = (s, doc.signature_span[1] if doc.signature_span else e)
            continue
        if doc.closing_span is None and len(line) <= 60 and _CLOSING_LINE.match(line):
            end = s
            doc.closing_span = (s, e)
            continue
        break

    cands = [c for c in _find_sections(t, rows) if c[2] >= body_start and c[2] < end]
    if cands:
        first = cands[0][2]
        ps, pe = _strip_span(t, body_start, first)
        if pe > ps:
            doc.preamble_span = (ps, pe)
    else:
        ps, pe = _strip_span(t, body_start, end)
        if pe > ps:
            doc.preamble_span = (ps, pe)

    builder = _Builder(doc, rows)
    for i, (kind, _style, hs, he, label, heading) in enumerate(cands):
        s_end = cands[i + 1][2] if i + 1 < len(cands) else end
        sec = Section(kind=kind, title=heading.strip("。;: "), start=hs, end=s_end,
                      heading_start=hs, heading_end=he, label=label)
        doc.sections.append(sec)
        builder.build(sec)
    return doc
