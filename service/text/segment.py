"""Chinese word segmentation (rjieba) with character offsets, shared by the rules.

rjieba's default instance (loaded when rjieba is first imported, ≈0.1 s) plus every
word of the topic groups in ``lexicons/matching.yaml``, added once (so
三会一课, 学生家长, 以干代学 stay one token). A document is segmented **once**
(:func:`doc_segmentation`, cached in ``ctx.cache``); rules then take the words of any
span with :meth:`Segmentation.words` (a bisect, no new rjieba call).

From that one call come:

- ``tokens``: the ordinary, non-overlapping segmentation (what :func:`tokens` returns);
- content words for matching, where a compound of two dictionary words is replaced by
  its halves (集中学习 → 集中, 学习; 安全隐患 → 安全, 隐患), so 集中学习 meets 学习.
  Topic-group words are never split (宗旨意识 counts as its group, not as 旨意).

*Content words* drop punctuation, numbers, ASCII, the stopwords of
``lexicons/matching.yaml`` and single characters (unless a topic group lists them).

Offsets are Python ``str`` indices into the text given (for a document: the normalized
text, like every offset rules use).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate, chain
from typing import Any

Token = tuple[str, int, int]

_CACHE_KEY = "segment"


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    # the data live with the rule lexicons (service/review/lexicons/matching.yaml);
    # imported here, not at module level, so service.text never imports service.review
    # at import time
    from service.review.lexicon import load
    from service.text.normalize import normalize_phrase

    data = load("matching")
    topic_words: set[str] = set()
    for words in (data.get("topics") or {}).values():
        topic_words.update(normalize_phrase(str(w)) for w in words)
    stop: set[str] = set()
    for words in (data.get("stopwords") or {}).values():
        stop.update(normalize_phrase(str(w)) for w in words)
    return {"topic_words": frozenset(topic_words), "stopwords": frozenset(stop - topic_words)}


@lru_cache(maxsize=1)
def _jieba():
    # the process-wide default instance (importing rjieba already loads its dictionary;
    # a second ``rjieba.Jieba()`` would load it again): the topic words are added to it
    import rjieba

    jb = rjieba
    for word in sorted(_lexicon()["topic_words"]):
        if len(word) > 1 and not jb.has_word(word):
            jb.add_word(word, None, None)
    return jb


def stopwords() -> frozenset[str]:
    """The stopwords (normalized) of ``lexicons/matching.yaml``."""
    return _lexicon()["stopwords"]


def is_content(word: str) -> bool:
    """A word that can carry a topic: not punctuation, number, ASCII or stopword."""
    lex = _lexicon()
    if word in lex["topic_words"]:
        return True
    if len(word) < 2 or word in lex["stopwords"]:
        return False
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


@lru_cache(maxsize=20000)
def _halves(word: str) -> tuple[str, str] | None:
    """A compound of two dictionary words of two or more characters each
    (集中学习 → 集中 + 学习; 项目部 and 宗旨意识-like topic words are not split)."""
    jb = _jieba()
    for k in range(2, len(word) - 1):
        a, b = word[:k], word[k:]
        if jb.has_word(a) and jb.has_word(b):
            return a, b
    return None


@lru_cache(maxsize=50000)
def _content(word: str) -> bool:
    return is_content(word)


def search_words(token: str) -> tuple[str, ...]:
    """The content words one token contributes to :meth:`Segmentation.words`."""
    return _expand(token)


@lru_cache(maxsize=50000)
def _expand(word: str) -> tuple[str, ...]:
    """The content words a token contributes for matching: a compound of two dictionary
    words contributes its halves (so 集中学习 meets 学习 and 安全隐患 counts as 安全 +
    隐患, not three times), any other content word itself."""
    if len(word) >= 4 and word not in _lexicon()["topic_words"]:
        halves = _halves(word)
        if halves is not None:
            return tuple(h for h in halves if _content(h))
    return (word,) if _content(word) else ()


class Segmentation:
    """The segmentation of one text: ordinary tokens and content words, with offsets."""

    __slots__ = ("text", "_words", "_offs", "_tokens")

    def __init__(self, text: str):
        self.text = text
        # rjieba ``cut`` covers every character, so offsets are running sums (much
        # faster than ``tokenize``, which builds a tuple per token)
        words: list[str] = _jieba().cut(text) if text else []
        offs = list(accumulate(map(len, words), initial=0))
        if offs[-1] != len(text):  # never seen; keep offsets right regardless
            toks = _jieba().tokenize(text)
            words = [w for (w, _s, _e) in toks]
            offs = [0] + [e for (_w, _s, e) in toks]
        self._words = words
        self._offs = offs
        self._tokens: list[Token] | None = None

    @property
    def raw_words(self) -> list[str]:
        """The ordinary tokens' words, in order (do not modify)."""
        return self._words

    @property
    def offsets(self) -> list[int]:
        """Token boundaries: token ``i`` is ``text[offsets[i]:offsets[i + 1]]`` (do not
        modify)."""
        return self._offs

    @property
    def tokens(self) -> list[Token]:
        """The ordinary segmentation: ``[(word, start, end), ...]``."""
        if self._tokens is None:
            offs = self._offs
            self._tokens = [(w, offs[i], offs[i + 1]) for i, w in enumerate(self._words)]
        return self._tokens

    def _range(self, start: int, end: int | None) -> range:
        """Indexes of the words lying wholly inside ``[start, end)``."""
        offs = self._offs
        end = len(self.text) if end is None else end
        return range(bisect_left(offs, start), max(0, bisect_right(offs, end) - 1))

    def span(self, start: int = 0, end: int | None = None) -> list[Token]:
        """Ordinary tokens lying wholly inside ``[start, end)``."""
        words, offs = self._words, self._offs
        return [(words[i], offs[i], offs[i + 1]) for i in self._range(start, end)]

    def words(self, start: int = 0, end: int | None = None, search: bool = True) -> list[str]:
        """Content words in ``[start, end)``, in order. With ``search`` (default) a
        compound of two dictionary words yields its halves instead (集中学习 → 集中,
        学习); topic-group words are never split. Without it, the ordinary tokens."""
        words = self._words
        if not search:
            return [words[i] for i in self._range(start, end) if _content(words[i])]
        r = self._range(start, end)
        return list(chain.from_iterable(map(_expand, words[r.start:r.stop])))


@lru_cache(maxsize=512)
def segmentation(text: str) -> Segmentation:
    """The (cached) segmentation of a text that is not the document (a heading, a
    lexicon entry, a note). For the document use :func:`doc_segmentation`."""
    return Segmentation(text)


def doc_segmentation(ctx) -> Segmentation:
    """The segmentation of the document's normalized text, once per review."""
    seg = ctx.cache.get(_CACHE_KEY)
    if seg is None or seg.text is not ctx.text:
        seg = Segmentation(ctx.text)
        ctx.cache[_CACHE_KEY] = seg
    return seg


def tokens(text: str) -> list[Token]:
    """``[(word, start, end), ...]``: the ordinary segmentation of ``text``."""
    return list(segmentation(text).tokens)


def content_words(text: str) -> list[str]:
    """The content words of ``text`` (ordinary tokens), in order, repeats kept."""
    return segmentation(text).words(search=False)
