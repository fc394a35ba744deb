"""Helpers shared by the wording rules (DZ401–DZ407): quote-tolerant literal patterns,
context checks and the item that contains an offset.

Not a rule (the registry skips modules whose name starts with ``_``).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from service.text.normalize import normalize_phrase

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


@lru_cache(maxsize=64)
def _presence(phrases: tuple[str, ...]):
    """One regex finding, at every position, the longest of ``phrases`` starting there,
    and for each phrase the other phrases that are its prefixes."""
    uniq = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not uniq:
        return None, {}
    first = "".join(sorted({p[0] for p in uniq}))
    rx = re.compile("(?=[" + re.escape(first) + "])(?=(" + "|".join(map(re.escape, uniq)) + "))")
    prefixes = {p: tuple(q for q in uniq if q != p and p.startswith(q)) for p in uniq}
    return rx, prefixes


def present(ctx, phrases: tuple[str, ...]) -> frozenset[str]:
    """Which of ``phrases`` occur in ``ctx.text`` (exactly ``{p for p in phrases if p in
    text}``), found in one pass and cached per document. A phrase that occurs somewhere
    is the longest match at that position or a prefix of it."""
    key = ("_wording_present", phrases)
    got = ctx.cache.get(key)
    if got is None:
        rx, prefixes = _presence(phrases)
        found: set[str] = set(rx.findall(ctx.text)) if rx is not None else set()
        for p in list(found):
            found.update(prefixes[p])
        if "" in phrases:
            found.add("")
        got = ctx.cache[key] = frozenset(found)
    return got
