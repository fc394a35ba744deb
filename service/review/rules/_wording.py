"""Helpers shared by the wording rules (DZ401–DZ407): quote-tolerant literal patterns,
context checks and the item that contains an offset.

Not a rule (the registry skips modules whose name starts with ``_``).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from service.text.normalize import normalize_phrase

try:  # the regex parser (to read a lexicon pattern's literals)
    from re import _constants as _sre_c, _parser as _sre_p
except ImportError:  # pragma: no cover (Python < 3.11)
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]

# Quotation marks as they appear in normalized text (「」『』 are folded to “”).
QUOTES = "“”‘’\"'"
_QUOTE_CLASS = "[" + re.escape(QUOTES) + "]"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def literal_rx(phrase: str, optional_punct: str = "") -> str:
    """A regex for a lexicon phrase: normalized, escaped; quotation marks may be
    present or absent (and of any kind); characters in ``optional_punct`` may be
    present or absent too (e.g. “、,” for slogans written with or without them)."""
    out = []
    for ch in normalize_phrase(phrase):
        if ch in QUOTES:
            out.append(_QUOTE_CLASS + "?")
        elif ch in optional_punct:
            out.append("[" + re.escape(optional_punct) + r"\s]?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def anchor(phrase: str, drop: str = "") -> str:
    """The longest run of a normalized phrase that must appear verbatim in any match
    of :func:`literal_rx` (used as a cheap ``in`` prefilter)."""
    text = normalize_phrase(phrase)
    parts = re.split("[" + re.escape(QUOTES + drop) + "]", text)
    return max(parts, key=len) if parts else text


def required_literals(pattern: str, flags: int = 0) -> tuple[str, ...]:
    """The literal runs at the top level of a regex: every match contains each of
    them, so a text lacking one cannot match (a cheap ``in`` prefilter). Empty when
    the pattern ignores case or cannot be analysed."""
    try:
        parsed = _sre_p.parse(pattern, flags)
        if parsed.state.flags & re.IGNORECASE:
            return ()
        runs, cur = [], []
        for op, av in parsed:
            if op is _sre_c.LITERAL:
                cur.append(chr(av))
            elif cur:
                runs.append("".join(cur))
                cur = []
        if cur:
            runs.append("".join(cur))
        return tuple(runs)
    except Exception:  # noqa: BLE001 (any parser surprise: no prefilter)
        return ()


def literal_heads(pattern: str, flags: int = 0) -> tuple[str, ...]:
    """Literal strings one of which starts every match of a regex: the literal run it
    starts with, or the leading literal run of each alternative of a group it starts
    with. Empty when there is none (or the pattern ignores case)."""
    try:
        parsed = _sre_p.parse(pattern, flags)
        if parsed.state.flags & re.IGNORECASE or not parsed.data:
            return ()

        def run(items) -> str:
            out = []
            for op, av in items:
                if op is not _sre_c.LITERAL:
                    break
                out.append(chr(av))
            return "".join(out)

        op, av = parsed.data[0]
        if op is _sre_c.LITERAL:
            return (run(parsed.data),)
        if op is _sre_c.SUBPATTERN and not av[1] & re.IGNORECASE and len(av[3].data) == 1 \
                and av[3].data[0][0] is _sre_c.BRANCH:
            heads = tuple(run(alt.data) for alt in av[3].data[0][1][1])
            return heads if all(heads) else ()
        return ()
    except Exception:  # noqa: BLE001 (any parser surprise: none)
        return ()


def finditer_at_heads(rx: re.Pattern[str], heads: tuple[str, ...], text: str):
    """``rx.finditer(text)`` when every match starts with one of ``heads`` (see
    :func:`literal_heads`): ``rx`` is tried only where one of them occurs, found with
    ``str.find`` (worth it when they are rare)."""
    starts = set()
    for h in heads:
        i = text.find(h)
        while i != -1:
            starts.add(i)
            i = text.find(h, i + 1)
    end = 0
    for p in sorted(starts):
        if p < end:
            continue
        m = rx.match(text, p)
        if m is not None:
            yield m
            end = m.end()


def literal_at_offset(pattern: str, flags: int = 0) -> tuple[str, int] | None:
    """(literal, k): a literal run of at least 2 characters that every match of a regex
    holds at offset k from its start (what precedes it has a fixed width), or None.
    None too when the pattern ignores case or can match the empty string."""
    try:
        parsed = _sre_p.parse(pattern, flags)
        if parsed.state.flags & re.IGNORECASE or parsed.getwidth()[0] == 0:
            return None
        offset, run = 0, []
        for op, av in parsed:
            if op is _sre_c.LITERAL:
                run.append(chr(av))
                continue
            if len(run) >= 2:
                break
            offset += len(run)
            run = []
            lo, hi = _sre_p.SubPattern(parsed.state, [(op, av)]).getwidth()
            if lo != hi:
                return None
            offset += lo
        return ("".join(run), offset) if len(run) >= 2 else None
    except Exception:  # noqa: BLE001 (any parser surprise: none)
        return None


def finditer_at_literal(rx: re.Pattern[str], literal: str, offset: int, text: str):
    """``rx.finditer(text)`` when every match holds ``literal`` at ``offset`` from its
    start (see :func:`literal_at_offset`): ``rx`` is tried only ``offset`` characters
    before an occurrence of it (found with ``str.find``), in order."""
    end = 0
    i = text.find(literal)
    while i != -1:
        p = i - offset
        if p >= end:
            m = rx.match(text, p)
            if m is not None:
                yield m
                end = m.end()
        i = text.find(literal, i + 1)


def starts_with_lookaround(pattern: str, flags: int = 0) -> bool:
    """True when a regex starts with a look-ahead or look-behind assertion (re's search
    then tries it at every position instead of skipping to its first characters)."""
    try:
        parsed = _sre_p.parse(pattern, flags)
        return bool(parsed.data) and parsed.data[0][0] in (_sre_c.ASSERT, _sre_c.ASSERT_NOT)
    except Exception:  # noqa: BLE001 (any parser surprise: as if not)
        return False


@lru_cache(maxsize=512)
def context_rx(pattern: str | None, where: str) -> re.Pattern[str] | None:
    """Compile a context regex from a lexicon (normalized: full-width punctuation in
    the pattern becomes half-width like the text). ``where`` is ``before`` (the
    pattern must match at the end of the preceding text) or ``after``."""
    if not pattern:
        return None
    pat = normalize_phrase(pattern)
    if where == "before" and not pat.endswith("$"):
        pat = f"(?:{pat})$"
    return re.compile(pat)


def before_ok(rx: re.Pattern[str] | None, text: str, start: int, window: int = 30) -> bool:
    """True when ``rx`` matches the end of the ``window`` characters before ``start``."""
    return bool(rx and rx.search(text, max(0, start - window), start))


def after_ok(rx: re.Pattern[str] | None, text: str, end: int) -> bool:
    """True when ``rx`` matches right at ``end``."""
    return bool(rx and rx.match(text, end))


def item_at(ctx, pos: int):
    """The item whose span contains the normalized offset ``pos``, or None."""
    cache = ctx.cache.get("_wording_items")
    if cache is None:
        items = sorted(ctx.doc.items, key=lambda it: it.start)
        cache = (items, [it.start for it in items])
        ctx.cache["_wording_items"] = cache
    items, starts = cache
    i = bisect.bisect_right(starts, pos) - 1
    if i >= 0 and items[i].start <= pos < items[i].end:
        return items[i]
    return None


def orig(ctx, start: int, end: int) -> str:
    """The original text of a normalized span (what the member wrote), for messages."""
    return ctx.doc.norm.orig_text(start, end)


def inner(text: str) -> str:
    """Quotation marks inside a phrase that a message wraps in “…” become ‘…’."""
    return text.replace("“", "‘").replace("”", "’")


def excerpt(text: str, limit: int = 24) -> str:
    """Shorten a quoted phrase for a message."""
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "……"


def _trie(words: set[str]) -> str:
    """A regex matching, at a position, the longest of ``words`` that starts there:
    one alternative per first character (re tests an alternative's first literal
    before entering it), the word ending here last."""
    groups: dict[str, set[str]] = {}
    for w in words:
        if w:
            groups.setdefault(w[0], set()).add(w[1:])
    alts = [re.escape(c) + _trie(rest) for c, rest in sorted(groups.items())]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in words else body


@lru_cache(maxsize=64)
def longest_at(phrases: tuple[str, ...]):
    """(rx, prefixes): ``rx.finditer`` yields, for every position where one of
    ``phrases`` starts, a match there whose group 1 is the longest such phrase;
    ``prefixes[p]`` are the other phrases that are prefixes of ``p`` (every phrase
    starting at a position is the longest one there or one of its prefixes)."""
    uniq = {p for p in phrases if p}
    if not uniq:
        return None, {}
    first = "".join(sorted({p[0] for p in uniq}))
    # consume a possible first character (re's search skips to those quickly), check
    # that the next one may be a second character (when no phrase has one character
    # only: a cheap test that skips most occurrences of a common first character),
    # then look, from just before it, for the longest phrase starting there
    gate = ""
    if min(map(len, uniq)) >= 2:
        gate = "(?=[" + re.escape("".join(sorted({p[1] for p in uniq}))) + "])"
    rx = re.compile("[" + re.escape(first) + "]" + gate + "(?<=(?=(" + _trie(uniq) + "))(?s:.))")
    prefixes = {p: tuple(sorted((q for q in uniq if q != p and p.startswith(q)), key=len,
                                reverse=True)) for p in uniq}
    return rx, prefixes


def present(ctx, phrases: tuple[str, ...]) -> frozenset[str]:
    """Which of ``phrases`` occur in ``ctx.text`` (exactly ``{p for p in phrases if p in
    text}``), found in one pass and cached per document. A phrase that occurs somewhere
    is the longest match at that position or a prefix of it."""
    key = ("_wording_present", phrases)
    got = ctx.cache.get(key)
    if got is None:
        rx, prefixes = longest_at(phrases)
        found: set[str] = set(rx.findall(ctx.text)) if rx is not None else set()
        for p in list(found):
            found.update(prefixes[p])
        if "" in phrases:
            found.add("")
        got = ctx.cache[key] = frozenset(found)
    return got
