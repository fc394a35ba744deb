"""Normalization for matching, with an exact map back to the original text.

Every span the reviewer reports indexes the text exactly as the user gave it. Rules
match on a normalized copy (NFKC, punctuation variants folded, zero-width characters
dropped, ``\\r\\n`` folded to ``\\n``); :class:`Normalized` keeps, for every normalized
character, the index of the original character it came from, so a normalized span maps
back without drift.

Speed: when every character folds to exactly one, the text is folded with C-level
``str.replace`` / ``str.translate`` and the map is the identity (a ``range``, which
``orig_span`` then only clamps); the per-character loop is left for ``\\r``, dropped
characters and NFKC expansions. ``normalize_phrase`` (called by rules on lexicon entries)
returns an entry with nothing to fold as it is, without building a map.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Characters removed entirely (zero-width and BOM-like).
_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

# Folds applied after NFKC. NFKC already maps full-width ASCII (（，：；！？１２) to
# half-width; these fold the remaining look-alike variants so lexicons need one form.
_FOLD = {
    "\u00a0": " ",
    "\u300c": "\u201c", "\u300d": "\u201d",   # 「」 → “”
    "\u300e": "\u201c", "\u300f": "\u201d",   # 『』 → “”
    "\u301d": "\u201c", "\u301e": "\u201d", "\u301f": "\u201d",
    "\u2015": "\u2014",
    "\u30fb": "\u00b7", "\u2027": "\u00b7",
}

# Kept as written: NFKC would turn ① into "1", losing that it is a numbering marker.
_KEEP = frozenset(chr(c) for c in range(0x2460, 0x2474))


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, per normalized character, its original index."""

    original: str
    text: str
    origin: Sequence[int]   # a tuple, or a range when the map is the identity

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized half-open span [start, end) to the original text."""
        origin = self.origin
        n = len(self.text)
        if (type(origin) is range and origin.start == 0 and origin.step == 1
                and len(origin) == n == len(self.original)):
            # the identity map (normalize's fast path): the span clamped to the text,
            # which is what the general case below computes for it
            if start < 0:
                start = 0
            elif start > n:
                start = n
            if end > n:
                end = n
            return (start, end) if end > start else (start, start)
        if n == 0:
            return (0, 0)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        if start == n:
            return (len(self.original), len(self.original))
        o_start = self.origin[start]
        if end == start:
            return (o_start, o_start)
        # end: one past the original index of the last character in the span
        o_end = self.origin[end - 1] + 1
        # an original character that expanded into several normalized ones (NFKC)
        # must be covered whole
        while o_end < len(self.original) and end < n and self.origin[end] == o_end - 1:
            end += 1
        return (o_start, o_end)

    def orig_text(self, start: int, end: int) -> str:
        s, e = self.orig_span(start, end)
        return self.original[s:e]


def _fold_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    if ch.isascii() or ch in _KEEP:
        return ch
    out = unicodedata.normalize("NFKC", ch)
    if len(out) == 1:
        return _FOLD.get(out, out)
    return "".join(_FOLD.get(c, c) for c in out)


_CACHE: dict[str, str] = {}

# Common CJK punctuation, split by what it folds to: itself (。、“” …) or one ASCII
# character (，；：（）？！ → ,;:()?!). Computed once from _fold_char, so the split can
# never disagree with the fold itself.
_COMMON_PUNCT = "。、“”‘’《》〈〉【】〔〕—·，；：（）？！"
_COMMON_FOLD = {c: f for c in _COMMON_PUNCT if (f := _fold_char(c)) != c and len(f) == 1}
_COMMON_SAME = "".join(c for c in _COMMON_PUNCT if _fold_char(c) == c)


def _outside(chars: str) -> re.Pattern[str]:
    """A character that is not printable ASCII, newline, tab, a CJK Unified Ideograph
    (NFKC leaves them alone) nor one of ``chars``."""
    return re.compile("[^\u4e00-\u9fff -~\n\t" + "".join(map(re.escape, chars)) + "]")


# characters whose fold is looked up (those of _COMMON_SAME certainly fold to themselves)
_NEEDS_LOOKUP = _outside(_COMMON_SAME)
# in a long text, the common punctuation that folds is frequent (a comma in every
# sentence): it is replaced without a look-up and the scan skips it, so it finds few
# characters
_LONG_TEXT = 256
_NEEDS_LOOKUP_LONG = _outside(_COMMON_SAME + "".join(_COMMON_FOLD))
_HAS_COMMON_FOLD = re.compile("[" + "".join(map(re.escape, _COMMON_FOLD)) + "]")


def normalize(text: str) -> Normalized:
    """Normalize ``text`` and keep the offset map. ``\\r\\n`` and ``\\r`` become ``\\n``."""
    cache = _CACHE
    if "\r" not in text:
        # Fast path: when every distinct character folds to exactly one character,
        # str.replace / str.translate do the work in C and the offset map is the identity.
        is_long = len(text) > _LONG_TEXT
        table: dict[int, str] = {}
        for ch in set((_NEEDS_LOOKUP_LONG if is_long else _NEEDS_LOOKUP).findall(text)):
            folded = cache.get(ch)
            if folded is None:
                folded = _fold_char(ch)
                if len(cache) < 20000:
                    cache[ch] = folded
            if len(folded) != 1:
                break
            if folded != ch:
                table[ord(ch)] = folded
        else:
            if is_long and _HAS_COMMON_FOLD.search(text):
                table.update((ord(ch), folded) for ch, folded in _COMMON_FOLD.items())
            if not table:
                out_text = text
            elif len(table) <= 48 and table.keys().isdisjoint(map(ord, table.values())):
                # No replacement character is itself replaced, so one str.replace per
                # entry equals str.translate (which is slow on non-ASCII text).
                out_text = text
                for code, folded in table.items():
                    out_text = out_text.replace(chr(code), folded)
            else:
                out_text = text.translate(table)
            return Normalized(original=text, text=out_text, origin=range(len(text)))
    return _normalize_slow(text)


def _normalize_slow(text: str) -> Normalized:
    out: list[str] = []
    origin: list[int] = []
    cache = _CACHE
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\r":
            out.append("\n")
            origin.append(i)
            if i + 1 < n and text[i + 1] == "\n":
                i += 2
            else:
                i += 1
            continue
        folded = cache.get(ch)
        if folded is None:
            folded = _fold_char(ch)
            if len(cache) < 20000:
                cache[ch] = folded
        if folded:
            if len(folded) == 1:
                out.append(folded)
                origin.append(i)
            else:
                for c in folded:
                    out.append(c)
                    origin.append(i)
        i += 1
    return Normalized(original=text, text="".join(out), origin=tuple(origin))


def normalize_phrase(text: str) -> str:
    """Normalize a lexicon entry the same way documents are normalized."""
    # most entries are Hanzi and ASCII only: nothing to fold (the same test as
    # normalize's first scan, without building the offset map)
    if _NEEDS_LOOKUP.search(text) is None and "\r" not in text:
        return text
    return normalize(text).text


def decode_input(data: bytes) -> str:
    """Decode bytes as UTF-8, dropping one leading BOM (design.md: span convention).

    Raises ``UnicodeDecodeError`` for non-UTF-8 input; callers turn it into a message.
    """
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
