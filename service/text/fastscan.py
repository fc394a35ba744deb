"""Fast regex and phrase scans: the same matches as ``re``'s ``finditer``/``search``
and as a :class:`~service.review.lexicon.PhraseMatcher`, found with fewer Python-level
steps. Used by the specificity signals and the rules on the review hot path.

Python's ``re`` skips quickly to a possible first character only when a pattern starts
with a literal or a character class; an alternation of patterns (or one starting with
a lookbehind) is tried at every position. Two exact remedies:

* a *prefilter* (:func:`_prefilter`), derived from the parsed pattern: a regex whose
  matches are the positions where a match can start — its first character, and its
  second one when a match there cannot end after one character (一 starts a time only
  before 二…十/月/季) — and the pattern is tried only there. Every position where a
  match can start is tried, in order, so the matches are those of ``finditer``.
  Assertions are ignored by the prefilter (it only gets weaker, never wrong).
* *factoring* (:func:`_factor`): a pattern with many possible first characters
  (digits, 一, 上, 有 …) is rewritten into the same alternation grouped by first
  character, which ``re``'s own ``finditer`` runs without a Python loop. Anything the
  rewriter does not recognise keeps the original pattern; ``\\d`` is expanded to 0-9,
  so a span holding another Unicode digit is scanned with the original pattern.

A third remedy, for phrase automata (:func:`coded_tagged_spans`): pyahocorasick looks a
transition up by a linear scan of a node's children, so over raw Hanzi each character
costs a scan of the root's ~150–200 children; over a *nibble coding* of the text (four
letters a character, each position with its own 16 letters: exact and aligned) a node has
at most 16 children and a pass takes about half the time, and one coded automaton can
serve several phrase lists (tags) at once.

``tests/text/test_fastscan.py`` checks every scanner against plain ``re`` (and the coded
automata against plain ones) on the lexicons' patterns and phrases, the repository's
texts and generated strings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import ahocorasick

from service.text.normalize import normalize_phrase

# Python's re skips quickly to a possible first character only when a pattern starts
# with a literal or a character class; an alternation of patterns (or one starting with
# a lookbehind) is tried at every position. For those we derive from the parsed pattern
# a *prefilter*: a regex whose matches are the positions where a match can start — its
# first character, and its second one when a match there cannot end after one
# character (一 starts a time only before 二…十/月/季) — and try the pattern only there:
# the same matches as ``finditer`` (every position a match can start at is tried, in
# order). Assertions are ignored by the prefilter (it only gets weaker, never wrong).

try:  # Python ≥ 3.11
    from re import _constants as _sre_c, _parser as _sre_p
except ImportError:  # pragma: no cover
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]

_END = "$end"     # follow marker: the match may end after this character
_WILD = "$wild"   # a character the prefilter does not model (any, [^…], \w …)
_END_ONLY = frozenset({_END})


class _Lang:
    """What the prefilter needs of a (sub)pattern: the character-class items a match
    can start with (``first``), for each the items that can follow it (``pairs``,
    with _END when the match may stop there), and whether it matches ``""``."""

    __slots__ = ("first", "pairs", "nullable")

    def __init__(self, first=frozenset(), pairs=None, nullable=False):
        self.first = frozenset(first)
        self.pairs = pairs if pairs is not None else {}
        self.nullable = nullable


_EMPTY = _Lang(nullable=True)


def _union_pairs(*dicts) -> dict:
    out: dict = {}
    for d in dicts:
        for tok, follow in d.items():
            out[tok] = out.get(tok, frozenset()) | follow
    return out


def _then(x: _Lang, y: _Lang) -> _Lang:
    """x followed by y."""
    tail = y.first | _END_ONLY if y.nullable else y.first
    pairs = {t: (f - _END_ONLY) | tail if _END in f else f for t, f in x.pairs.items()}
    if x.nullable:
        pairs = _union_pairs(pairs, y.pairs)
    return _Lang(x.first | y.first if x.nullable else x.first, pairs, x.nullable and y.nullable)


def _chars(tokens) -> _Lang:
    return _Lang(tokens, {t: _END_ONLY for t in tokens})


def _class_items(av) -> list[str] | None:
    out = []
    for iop, iav in av:
        if iop is _sre_c.LITERAL:
            out.append(re.escape(chr(iav)))
        elif iop is _sre_c.RANGE:
            out.append(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
        elif iop is _sre_c.CATEGORY and iav is _sre_c.CATEGORY_DIGIT:
            out.append(r"\d")
        else:
            return None
    return out


def _lang(seq) -> _Lang:
    c = _sre_c
    acc = _EMPTY
    for op, av in seq:
        if op is c.LITERAL:
            x = _chars([re.escape(chr(av))])
        elif op is c.IN:
            items = _class_items(av)
            x = _chars([_WILD] if items is None else items)
        elif op is c.BRANCH:
            alts = [_lang(alt) for alt in av[1]]
            x = _Lang(frozenset().union(*(a.first for a in alts)),
                      _union_pairs(*(a.pairs for a in alts)), any(a.nullable for a in alts))
        elif op is c.SUBPATTERN:
            x = _chars([_WILD]) if av[1] or av[2] else _lang(av[3])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, body = av
            b = _lang(body)
            pairs = b.pairs
            if hi >= 2:      # one more round may follow
                pairs = {t: f | b.first if _END in f else f for t, f in pairs.items()}
                if lo >= 2 and not b.nullable:
                    pairs = {t: f - _END_ONLY for t, f in pairs.items()}
            x = _EMPTY if hi == 0 else _Lang(b.first, pairs, lo == 0 or b.nullable)
        elif op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            x = _EMPTY       # zero-width: ignored (a weaker prefilter)
        else:
            x = _chars([_WILD])
        acc = _then(acc, x)
    return acc


_SCAN_FLAGS = re.UNICODE | re.MULTILINE | re.DOTALL


def _prefilter(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    """A regex matching one character at every position where ``rx`` can start a
    match (see above), or None (unknown, or ``rx`` can match the empty string)."""
    try:
        if rx.flags & ~_SCAN_FLAGS:
            return None
        lang = _lang(_sre_p.parse(rx.pattern, rx.flags))
    except Exception:  # noqa: BLE001 (any parser surprise: just no fast path)
        return None
    if lang.nullable or not lang.first or _WILD in lang.first:
        return None
    # first characters grouped by what may follow them (None: anything, or the end)
    by_follow: dict[frozenset[str] | None, list[str]] = {}
    for tok in sorted(lang.first):
        follow = lang.pairs.get(tok, _END_ONLY)
        by_follow.setdefault(None if _END in follow or _WILD in follow else follow,
                             []).append(tok)
    firsts = "[" + "".join(sorted(lang.first)) + "]"
    if list(by_follow) == [None]:
        return re.compile(firsts)

    def cls(items) -> str:
        return "[" + "".join(sorted(items)) + "]"

    if len(by_follow) == 1:
        return re.compile(f"{firsts}(?={cls(next(iter(by_follow)))})")
    alts = "|".join(f"(?<={cls(toks)})" + ("" if follow is None else f"(?={cls(follow)})")
                    for follow, toks in by_follow.items())
    # a cheap common test first: the second character may follow some first one
    gate = "" if None in by_follow else f"(?={cls(frozenset().union(*by_follow))})"
    return re.compile(f"{firsts}{gate}(?:{alts})")


@lru_cache(maxsize=None)
def fast_finditer(rx: re.Pattern[str]):
    """``(text, s=0, e=None) → iterator of matches``, the same matches as
    ``rx.finditer(text, s, e)``, trying ``rx`` only where a match can start (or, with
    many possible first characters, ``finditer`` of its factored form)."""
    factored = _factored(rx)
    if factored is not None:
        def whole(text: str, s: int = 0, e: int | None = None):
            return factored.finditer(text, s, len(text) if e is None else e)
        return whole
    cand = _prefilter(rx)
    if cand is None:
        def plain(text: str, s: int = 0, e: int | None = None):
            return rx.finditer(text, s, len(text) if e is None else e)
        return plain
    search, match = cand.search, rx.match

    def fast(text: str, s: int = 0, e: int | None = None):
        if e is None:
            e = len(text)
        p = s
        while True:
            c = search(text, p, e)
            if c is None:
                return
            p = c.start()
            m = match(text, p, e)
            if m is None:
                p += 1
                continue
            yield m
            p = m.end()
    return fast


@lru_cache(maxsize=None)
def fast_search(rx: re.Pattern[str]):
    """``(text, s, e) → match or None``, the same as ``rx.search(text, s, e)``, trying
    ``rx`` only where a match can start (or searching its factored form)."""
    factored = _factored(rx)
    if factored is not None:
        return factored.search
    cand = _prefilter(rx)
    if cand is None:
        return rx.search
    search, match = cand.search, rx.match

    def fast(text: str, s: int, e: int):
        p = s
        while True:
            c = search(text, p, e)
            if c is None:
                return None
            p = c.start()
            m = match(text, p, e)
            if m is not None:
                return m
            p += 1
    return fast


def any_of(patterns) -> re.Pattern[str] | None:
    """One regex that matches wherever one of ``patterns`` does (an alternation):
    it finds nothing in a span exactly when none of them does. None when there are
    no patterns or they do not combine."""
    pats = [p.pattern if isinstance(p, re.Pattern) else p for p in patterns]
    if not pats:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in pats))
    except re.error:
        return None


@lru_cache(maxsize=None)
def phrase_spans(phrases: tuple[str, ...]):
    """``(text, s, e) → [(start, end)]``: the hits of ``PhraseMatcher(list(phrases)).iter``
    (same keys, same order) without building Hit objects."""
    auto = ahocorasick.Automaton()
    for phrase in phrases:
        key = normalize_phrase(str(phrase))
        if key:
            auto.add_word(key, len(key))
    if not len(auto):
        return lambda text, s, e: []
    auto.make_automaton()
    it = auto.iter

    def spans(text: str, s: int, e: int) -> list[tuple[int, int]]:
        # a slice: pyahocorasick copies the whole string it is given (to UCS-4)
        s1 = s + 1
        return [(last - n + s1, last + s1) for last, n in it(text[s:e])]
    return spans


def _longest(hits: list) -> list:
    """PhraseMatcher.find_all's filter: sorted by start, overlapping hits keep the longest."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (h[0], h[0] - h[1]))
    out = []
    last_end = -1
    for h in hits:
        if h[0] >= last_end:
            out.append(h)
            last_end = h[1]
    return out


@lru_cache(maxsize=None)
def tagged_find_all(lists: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]):
    """Several phrase lists (tag, ((phrase, payload), …)) in one automaton pass:
    ``(text, s, e) → {tag: PhraseMatcher(dict(phrases)).find_all(text, s, e) as
    (start, end, phrase, payload) tuples}``."""
    table: dict[str, list[tuple[str, Any]]] = {}
    tags = tuple(tag for tag, _phrases in lists)
    for tag, phrases in lists:
        mine: dict[str, Any] = {}
        for phrase, payload in dict(phrases).items():
            key = normalize_phrase(str(phrase))
            if key:
                mine[key] = payload
        for key, payload in mine.items():
            table.setdefault(key, []).append((tag, payload))
    auto = ahocorasick.Automaton()
    for key, entries in table.items():
        auto.add_word(key, (len(key), key, tuple(entries)))
    if len(auto):
        auto.make_automaton()
        it = auto.iter
    else:
        def it(text):
            return ()

    def find_all(text: str, s: int, e: int) -> dict[str, list[tuple[int, int, str, Any]]]:
        out: dict[str, list[tuple[int, int, str, Any]]] = {tag: [] for tag in tags}
        # a slice: pyahocorasick copies the whole string it is given (to UCS-4)
        for last, (n, key, entries) in it(text[s:e]):
            b = last + s + 1
            a = b - n
            for tag, payload in entries:
                out[tag].append((a, b, key, payload))
        return {tag: _longest(hits) for tag, hits in out.items()}
    return find_all


def plain_scanner(rx: re.Pattern[str] | None):
    """Like :func:`scanner`, with ``rx.finditer`` itself."""
    if rx is None:
        return lambda text, s, e: []

    def plain(text: str, s: int, e: int) -> list[tuple[int, int]]:
        return [sp for sp in (m.span() for m in rx.finditer(text, s, e)) if sp[1] > sp[0]]
    return plain


def scanner(rx: re.Pattern[str] | None):
    """``text, s, e → [(start, end)]`` of the non-empty matches of ``rx.finditer(text, s,
    e)``, trying ``rx`` only where a match can start."""
    if rx is None:
        return lambda text, s, e: []
    if _prefilter(rx) is None:
        return plain_scanner(rx)
    scan = scanner_until(rx)
    # a non-empty match starts before e: "until e" is every match
    return lambda text, s, e: scan(text, s, e, e)


def scanner_until(rx: re.Pattern[str] | None):
    """Like :func:`scanner`, with a fourth argument ``until``: only the matches that
    start before it (the same ones: the scan stops there, ``e`` still bounds them)."""
    if rx is None:
        return lambda text, s, e, until: []
    cand = _prefilter(rx)
    if cand is None:
        def plain(text: str, s: int, e: int, until: int) -> list[tuple[int, int]]:
            out = []
            for m in rx.finditer(text, s, e):
                a, b = m.span()
                if a >= until:
                    break
                if b > a:
                    out.append((a, b))
            return out
        return plain
    search, match = cand.search, rx.match

    def fast(text: str, s: int, e: int, until: int) -> list[tuple[int, int]]:
        out = []
        p = s
        while True:
            c = search(text, p, e)
            if c is None:
                return out
            p = c.start()
            if p >= until:
                return out
            m = match(text, p, e)
            if m is None:
                p += 1
                continue
            a, b = m.span()
            out.append((a, b))
            p = b
    return fast


# A second way, for the patterns with many possible first characters (times, counts):
# rewrite the alternation so that every alternative starts with one literal character,
# grouped by that character — 1(?:9\d{2}年…|(?<![\d.]\d)\d?月…|季度|…)|2(?:0\d{2}年…)|…
# in the original order within each group — and let re's own finditer run it: re then
# skips to a possible first character and rejects the other groups at once, with no
# Python loop. The rewrite works on the pattern text (see :func:`_factor`); it gives up
# (None) on anything it does not know. ``\d`` first is written as 0-9, so a text with
# another decimal digit (٣) is scanned with the original pattern instead.

class _NoFactor(Exception):
    pass


_QUANTIFIER = re.compile(r"\?|\*|\+|\{(\d*)(?:(,)(\d*))?\}")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
OTHER_DIGIT = re.compile(r"\d(?<![0-9])")
_FACTOR_MAX_LEN = 20000


def _class_end(p: str, i: int) -> int:
    """The index after the character class starting at p[i] == "["."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    if j >= len(p):
        raise _NoFactor
    return j + 1


def _first_atom(p: str) -> tuple[str, str, int]:
    """(atom, kind, end): the first atom of pattern text ``p`` — a character ("char"),
    an escape ("esc"), a class ("class") or a (?:…) group ("group")."""
    c = p[0]
    if c == "\\":
        n = {"u": 6, "x": 4}.get(p[1:2], 2)
        if len(p) < n:
            raise _NoFactor
        return p[:n], "esc", n
    if c == "[":
        if p[1:2] == "^":
            raise _NoFactor
        end = _class_end(p, 0)
        return p[:end], "class", end
    if c == "(":
        if not p.startswith("(?:"):
            raise _NoFactor          # a capture, a lookaround, flags
        for j, ch, depth in _structure(p):
            if ch == ")" and not depth:
                return p[:j + 1], "group", j + 1
        raise _NoFactor
    if c in ".^$|)*+?{":
        raise _NoFactor
    return c, "char", 1


def _structure(p: str):
    """The grouping characters of pattern text ``p`` — ``(``, ``)`` and ``|`` outside
    escapes and character classes — as ``(index, char, depth)``, depth counted after
    the character (a group's closing ``)`` has the depth outside it)."""
    depth, i = 0, 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(p, i)
            continue
        if c == "(":
            depth += 1
            yield i, c, depth
        elif c == ")":
            depth -= 1
            yield i, c, depth
        elif c == "|":
            yield i, c, depth
        i += 1


def _top_alternatives(p: str) -> list[str]:
    """The top-level alternatives of pattern text ``p``."""
    out, start = [], 0
    for i, c, depth in _structure(p):
        if c == "|" and not depth:
            out.append(p[start:i])
            start = i + 1
    return out + [p[start:]]


def _expand(branch: str, depth: int = 0) -> list[tuple[str, str, str]]:
    """``branch`` as alternatives (same order, same matches) that each start with one
    unquantified character atom: [(atom, kind, rest)]."""
    if not branch or depth > 50:
        raise _NoFactor                  # can match "" (or too deep)
    atom, kind, j = _first_atom(branch)
    q = _QUANTIFIER.match(branch, j)
    if q is None:
        if kind != "group":
            return [(atom, kind, branch[j:])]
        rest = branch[j:]
        return [x for alt in _top_alternatives(atom[3:-1]) for x in _expand(alt + rest, depth + 1)]
    k = q.end()
    lazy = branch[k:k + 1] == "?"
    if branch[k:k + 1] == "+" or q.group(0) == "{}":
        raise _NoFactor                  # possessive
    if kind == "group" and _lang(_sre_p.parse(atom)).nullable:
        raise _NoFactor                  # a repeated group that can match "": leave it
    rest = branch[k + lazy:]
    lo, hi = {"?": (0, 1), "*": (0, None), "+": (1, None)}.get(q.group(0), (None, None))
    if lo is None:
        lo = int(q.group(1) or 0)
        hi = lo if not q.group(2) else (int(q.group(3)) if q.group(3) else None)
    if hi == 0:
        return _expand(rest, depth + 1)
    # X{lo,hi} R  ≡  X X{lo-1,hi-1} R  (| R first or last when lo == 0, lazy or greedy)
    lo1, hi1 = max(lo - 1, 0), None if hi is None else hi - 1
    more = "" if hi1 == 0 else (f"(?:{atom}){{{lo1}}}" if lo1 == hi1 else
                                f"(?:{atom}){{{lo1},{'' if hi1 is None else hi1}}}"
                                + ("?" if lazy else ""))
    one = f"(?:{atom}){more}{rest}"
    order = [one] if lo else ([rest, one] if lazy else [one, rest])
    return [x for b in order for x in _expand(b, depth + 1)]


def _atom_chars(atom: str, kind: str) -> tuple[list[str], bool]:
    """The characters an atom matches (a list), and whether it had ``\\d`` (0-9 here)."""
    def one(s: str, i: int) -> tuple[str | None, int]:
        if s[i] != "\\":
            return s[i], i + 1
        d = s[i + 1]
        if d == "d":
            return None, i + 2
        if d in "ux":
            n = 4 if d == "u" else 2
            return chr(int(s[i + 2:i + 2 + n], 16)), i + 2 + n
        if d in _ESCAPED:
            return _ESCAPED[d], i + 2
        if d.isalnum():
            raise _NoFactor              # \w, \s, \b …
        return d, i + 2

    digits = [str(k) for k in range(10)]
    if kind == "char":
        return [atom], False
    if kind == "esc":
        c, _ = one(atom, 0)
        return (digits, True) if c is None else ([c], False)
    body, i, out, had_digit = atom[1:-1], 0, [], False
    while i < len(body):
        c, i = one(body, i)
        if c is None:
            out += digits
            had_digit = True
        elif body[i:i + 1] == "-" and i + 1 < len(body):
            c2, i = one(body, i + 1)
            if c2 is None or ord(c2) - ord(c) > 500:
                raise _NoFactor
            out += [chr(k) for k in range(ord(c), ord(c2) + 1)]
        else:
            out.append(c)
    return out, had_digit


def _factor(pattern: str) -> tuple[str, bool, int] | None:
    """(the first-character-factored form of ``pattern``, whether a ``\\d`` was read as
    0-9, the number of first characters), or None."""
    try:
        groups: dict[str, list[str]] = {}
        had_digit = False
        for branch in _top_alternatives(pattern):
            for atom, kind, rest in _expand(branch):
                chars, d = _atom_chars(atom, kind)
                had_digit |= d
                for c in dict.fromkeys(chars):
                    groups.setdefault(c, []).append(rest)
        out = "|".join(re.escape(c) + ("" if rests == [""] else "(?:" + "|".join(rests) + ")")
                       for c, rests in groups.items())
    except (_NoFactor, ValueError, IndexError):
        return None
    return (out, had_digit, len(groups)) if groups and len(out) <= _FACTOR_MAX_LEN else None


_FACTOR_MIN_FIRST = 12   # fewer first characters: the prefilter loop is as fast


@lru_cache(maxsize=None)
def _factored(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    """The factored form of ``rx`` for :func:`fast_finditer` and :func:`fast_search`:
    only without a ``\\d`` first and with many first characters, else None."""
    if rx.flags & ~_SCAN_FLAGS or rx.groups:      # groups: their numbers would move
        return None
    f = _factor(rx.pattern)
    if f is None or f[1] or f[2] < _FACTOR_MIN_FIRST:
        return None
    return re.compile(f[0], rx.flags)


def factored_scanner(rx: re.Pattern[str] | None, until: bool = False):
    """Like :func:`scanner` (:func:`scanner_until` with ``until``), running the
    factored form of ``rx`` with re's finditer. A last argument ``checked=True`` says
    the caller has made sure that text[s:e] has no digit but 0-9."""
    slow = (scanner_until if until else scanner)(rx)
    f = _factor(rx.pattern) if rx is not None and not rx.flags & ~_SCAN_FLAGS else None
    if f is None:
        if until:
            return lambda text, s, e, stop, checked=False: slow(text, s, e, stop)
        return lambda text, s, e, checked=False: slow(text, s, e)
    finditer = re.compile(f[0], rx.flags).finditer
    other_digit = OTHER_DIGIT.search if f[1] else None

    if until:
        def scan_until(text: str, s: int, e: int, stop: int,
                       checked: bool = False) -> list[tuple[int, int]]:
            if other_digit is not None and not checked and other_digit(text, s, e):
                return slow(text, s, e, stop)
            out = []
            for m in finditer(text, s, e):
                a, b = m.span()
                if a >= stop:
                    break
                out.append((a, b))
            return out
        return scan_until

    def scan(text: str, s: int, e: int, checked: bool = False) -> list[tuple[int, int]]:
        if other_digit is not None and not checked and other_digit(text, s, e):
            return slow(text, s, e)
        return [m.span() for m in finditer(text, s, e)]   # never empty: a char first
    return scan


# A third way, for phrase automata: pyahocorasick finds a transition by a linear scan
# of a node's children, so over raw Hanzi every character costs a scan of the root's
# ~150 children (≈45 ns). Over a *nibble coding* of the text — each character as the
# four nibbles of its UTF-16 code unit, each nibble position with its own 16 letters —
# a node has at most 16 children and a character costs ≈20 ns, coding included. The
# coding is exact (one character ↔ four letters, the disjoint alphabets keep every hit
# aligned to a character), so the hits are those of the plain automaton; a text or key
# with a character outside the BMP has no coding (None) and the caller scans plainly.
# One coded pass can also serve several phrase lists at once (tags).

_NIBBLES = tuple(bytes(base + (f(b)) for b in range(256)) for base, f in (
    (0x41, lambda b: b >> 4), (0x61, lambda b: b & 15),     # high byte: A–P, a–p
    (0x30, lambda b: b >> 4), (0xC0, lambda b: b & 15)))   # low byte: 0–?, À–Ï
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class NibbleText:
    """The nibble coding of ``text[base:base + n]`` (``coded``: 4 letters a character)."""

    __slots__ = ("coded", "base", "end")

    def __init__(self, coded: str, base: int, end: int):
        self.coded = coded
        self.base = base
        self.end = end


def nibble_code(text: str) -> str | None:
    """The nibble coding of ``text`` (4 letters a character), or None when it has a
    character outside the BMP."""
    if _ASTRAL.search(text) is not None:
        return None
    b = text.encode("utf-16-le", "surrogatepass")
    lo, hi = b[0::2], b[1::2]
    out = bytearray(4 * len(text))
    out[0::4] = hi.translate(_NIBBLES[0])
    out[1::4] = hi.translate(_NIBBLES[1])
    out[2::4] = lo.translate(_NIBBLES[2])
    out[3::4] = lo.translate(_NIBBLES[3])
    return out.decode("latin-1")


def nibble_text(text: str, start: int = 0, end: int | None = None) -> NibbleText | None:
    """:class:`NibbleText` of ``text[start:end]``, or None (see :func:`nibble_code`)."""
    end = len(text) if end is None else end
    coded = nibble_code(text[start:end])
    return None if coded is None else NibbleText(coded, start, end)


def coded_tagged_spans(table: dict[str, tuple[str, ...]]):
    """``table``: phrase key → the tags (phrase lists) it belongs to. Returns ``(nt,
    s, e) → {tag: [(start, end)]}``: for every tag with a hit, the spans of its keys
    in ``text[s:e]`` in the order a plain automaton of that tag's keys reports them
    (by end, longest first; a tag without hits is absent), with ``nt`` a
    :class:`NibbleText` covering [s, e) — or None when a key has no nibble coding."""
    auto = ahocorasick.Automaton()
    for key, ts in table.items():
        coded = nibble_code(key)
        if coded is None:
            return None
        if key:
            auto.add_word(coded, (len(key), ts))
    if len(auto):
        auto.make_automaton()
        it = auto.iter
    else:
        def it(text):
            return ()

    def spans(nt: NibbleText, s: int, e: int) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = {}
        base = nt.base
        shift = s + 1
        get = out.get
        # a slice: pyahocorasick copies the whole string it is given (to UCS-4)
        for last, (n, ts) in it(nt.coded[4 * (s - base):4 * (e - base)]):
            b = (last >> 2) + shift
            span = (b - n, b)
            for tag in ts:
                found = get(tag)
                if found is None:
                    out[tag] = [span]
                else:
                    found.append(span)
        return out
    return spans
