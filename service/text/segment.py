"""Chinese word segmentation (rjieba) with character offsets, shared by the rules.

rjieba's default instance (loaded when rjieba is first imported, ≈0.1 s) plus every
word of the topic groups in ``lexicons/matching.yaml``, added once (so
三会一课, 学生家长, 以干代学 stay one token). A document is segmented **once**
(:func:`doc_segmentation`, cached in ``ctx.cache``), one chunk per section: the problems
and the measures (which matching always reads) at once, any other section only when a
rule first asks for a span of it (rjieba never joins characters across a newline, so
the tokens are those of one call on the whole text). Rules then take the words of any
span with :meth:`Segmentation.words` (a bisect, no new rjieba call).

From that segmentation come:

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
_EAGER = ("problems", "measures")


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


def _cut(text: str, base: int = 0) -> tuple[list[str], list[int]]:
    """rjieba's ordinary tokens of ``text`` and their boundaries, offset by ``base``."""
    # rjieba ``cut`` covers every character, so offsets are running sums (much faster
    # than ``tokenize``, which builds a tuple per token)
    words: list[str] = _jieba().cut(text) if text else []
    offs = list(accumulate(map(len, words), initial=base))
    if offs[-1] != base + len(text):  # never seen; keep offsets right regardless
        toks = _jieba().tokenize(text)
        words = [w for (w, _s, _e) in toks]
        offs = [base] + [base + e for (_w, _s, e) in toks]
    return words, offs


class Segmentation:
    """The segmentation of one text: ordinary tokens and content words, with offsets.

    The text may be split into *chunks* at line starts (``cuts``), each cut by rjieba
    when a span first needs it (or at once when it meets ``eager``). That is exact:
    rjieba never joins characters across a newline (a newline is a token of its own and
    ends every run of Hanzi), so the tokens of a chunk are those of the whole text."""

    __slots__ = ("text", "_bounds", "_chunks", "_all")

    def __init__(self, text: str, cuts: list[int] | None = None,
                 eager: list[tuple[int, int]] | None = None):
        self.text = text
        n = len(text)
        bounds = [0]
        for c in sorted(cuts or ()):
            c = text.rfind("\n", 0, c) + 1   # the start of its line
            if bounds[-1] < c < n:
                bounds.append(c)
        bounds.append(n)
        self._bounds = bounds
        # per chunk: (words, offsets) once cut
        self._chunks: list[tuple[list[str], list[int]] | None] = [None] * (len(bounds) - 1)
        self._all: tuple[list[str], list[int]] | None = None
        if eager is None:
            eager = [(0, n)]
        for (s, e) in eager:
            for k in range(bisect_right(bounds, s) - 1, bisect_left(bounds, e)):
                self._chunk(k)

    def _chunk(self, k: int) -> tuple[list[str], list[int]]:
        ch = self._chunks[k]
        if ch is None:
            a = self._bounds[k]
            ch = self._chunks[k] = _cut(self.text[a:self._bounds[k + 1]], a)
        return ch

    def _whole(self) -> tuple[list[str], list[int]]:
        if self._all is None:
            chunks = [self._chunk(k) for k in range(len(self._chunks))]
            if len(chunks) == 1:
                self._all = chunks[0]
            else:
                words = list(chain.from_iterable(w for w, _o in chunks))
                offs = [0] + list(chain.from_iterable(o[1:] for _w, o in chunks))
                self._all = (words, offs)
        return self._all

    @property
    def raw_words(self) -> list[str]:
        """The ordinary tokens' words, in order (do not modify)."""
        return self._whole()[0]

    @property
    def offsets(self) -> list[int]:
        """Token boundaries: token ``i`` is ``text[offsets[i]:offsets[i + 1]]`` (do not
        modify)."""
        return self._whole()[1]

    @property
    def tokens(self) -> list[Token]:
        """The ordinary segmentation: ``[(word, start, end), ...]``."""
        words, offs = self._whole()
        return [(w, offs[i], offs[i + 1]) for i, w in enumerate(words)]

    def _pieces(self, start: int, end: int | None) -> list[tuple[list[str], list[int], int, int]]:
        """``(words, offsets, a, b)`` per chunk: the words ``words[a:b]`` lie wholly
        inside ``[start, end)`` (no token crosses a chunk boundary)."""
        bounds = self._bounds
        end = len(self.text) if end is None else end
        out = []
        for k in range(max(0, bisect_right(bounds, start) - 1),
                       min(len(self._chunks), bisect_left(bounds, end))):
            words, offs = self._chunk(k)
            a = bisect_left(offs, start)
            b = bisect_right(offs, end) - 1
            if a < b:
                out.append((words, offs, a, b))
        return out

    def token_words(self, start: int = 0, end: int | None = None) -> list[str]:
        """The words of the ordinary tokens lying wholly inside ``[start, end)``."""
        bounds = self._bounds
        if end is None:
            end = bounds[-1]
        k = bisect_right(bounds, start) - 1
        if 0 <= k < len(self._chunks) and end <= bounds[k + 1]:
            # within one chunk (the usual case: an item, a clause)
            words, offs = self._chunks[k] or self._chunk(k)
            return words[bisect_left(offs, start):max(0, bisect_right(offs, end) - 1)]
        return list(chain.from_iterable(w[a:b] for w, _o, a, b in self._pieces(start, end)))

    def span(self, start: int = 0, end: int | None = None) -> list[Token]:
        """Ordinary tokens lying wholly inside ``[start, end)``."""
        return [(words[i], offs[i], offs[i + 1])
                for words, offs, a, b in self._pieces(start, end) for i in range(a, b)]

    def words(self, start: int = 0, end: int | None = None, search: bool = True) -> list[str]:
        """Content words in ``[start, end)``, in order. With ``search`` (default) a
        compound of two dictionary words yields its halves instead (集中学习 → 集中,
        学习); topic-group words are never split. Without it, the ordinary tokens."""
        words = self.token_words(start, end)
        if not search:
            return [w for w in words if _content(w)]
        return list(chain.from_iterable(map(_expand, words)))


@lru_cache(maxsize=512)
def segmentation(text: str) -> Segmentation:
    """The (cached) segmentation of a text that is not the document (a heading, a
    lexicon entry, a note). For the document use :func:`doc_segmentation`."""
    return Segmentation(text)


def doc_segmentation(ctx) -> Segmentation:
    """The segmentation of the document's normalized text, once per review."""
    seg = ctx.cache.get(_CACHE_KEY)
    if seg is None or seg.text is not ctx.text:
        # one chunk per section; the problems and the measures (which matching always
        # reads) are cut at once, the others when a rule first asks for a span of them
        sections = ctx.doc.sections
        seg = Segmentation(ctx.text, cuts=[sec.start for sec in sections],
                           eager=[(sec.start, sec.end) for sec in sections
                                  if sec.kind in _EAGER])
        ctx.cache[_CACHE_KEY] = seg
    return seg


def tokens(text: str) -> list[Token]:
    """``[(word, start, end), ...]``: the ordinary segmentation of ``text``."""
    return list(segmentation(text).tokens)


def content_words(text: str) -> list[str]:
    """The content words of ``text`` (ordinary tokens), in order, repeats kept."""
    return segmentation(text).words(search=False)
