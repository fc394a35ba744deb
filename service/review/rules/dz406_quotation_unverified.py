"""DZ406 引用领导人原话需要核对

检查什么 / What it checks:
  “习近平总书记（在……讲话中）指出/强调/说/要求：“……””以及“正如总书记所说，“……””
  这样标明出自领导人之口的引号内文字（识别规则在 lexicons/quotations.yaml）。
  引号内不足8个汉字、不含标点的短语是提法（“国之大者”“人民至上”），不报；
  没有加引号的转述不报。
  提供了角色笔记、且笔记里有这段原文（忽略标点和空白比较）时，视为本人已提供出处，不报。
为什么 / Why (domain.md rubric Q23，并见 §2 No invented facts): 领导人原话必须与原文
  一字不差；记错、拼接、把转述放进引号，是审核中的硬伤，也是 AI 起草最常见的问题之一。
示例 / Example: “习近平总书记强调：“年轻干部要提高政治能力、调查研究能力……””
应改为 / Instead write: 对照原文核对后注明出处；记不准的改为不加引号的转述：
  “习近平总书记要求年轻干部提高七种能力，对照这一要求……”
来源 / Source: domain.md §2、评分表 Q23；lexicons/quotations.yaml。
"""

from __future__ import annotations

import re
from functools import lru_cache

from service.review.lexicon import load
from service.review.rules._wording import CJK, excerpt, item_at, orig
from service.text.normalize import normalize_phrase

CODE = "DZ406"
NAME = "quotation-unverified"
CATEGORY = "quotation_unverified"
SEVERITY = "warning"
RUBRIC = ("Q23",)

_SENTENCE_END = re.compile(r"[。!?\n]")
_QUOTE = re.compile(r"“([^“”\n]*)”|\"([^\"\n]*)\"")
_STRIP = re.compile(r"[\W_]+")
_MAX_SCAN = 400


@lru_cache(maxsize=1)
def _config():
    data = load("quotations")
    alt = lambda ws: "|".join(re.escape(normalize_phrase(w))  # noqa: E731
                              for w in sorted(ws, key=len, reverse=True))
    gap = int(data["gap_max"])
    rx = re.compile(
        rf"(?P<speaker>{alt(data['speakers'])})"
        rf"(?:在[^,。;:“”\"\n]{{1,{gap}}}?(?:上|中|时|期间|之际)|{alt(data['adverbs'])})*"
        rf"(?:{alt(data['verbs'])})(?:的|过)?")
    terms = frozenset(normalize_phrase(t) for t in data["terms_not_quotes"])
    return data, rx, terms


def _key(s: str) -> str:
    return _STRIP.sub("", normalize_phrase(s))


def _is_quotation(inner: str, min_chars: int, terms: frozenset[str]) -> bool:
    if inner in terms:
        return False
    cjk = len(CJK.findall(inner))
    if cjk >= min_chars:
        return True
    return cjk >= 4 and bool(re.search(r"[,,。;;、:!?]", inner))


def check(ctx, rule):
    text = ctx.text
    if "“" not in text and '"' not in text:
        return
    data, rx, terms = _config()
    notes_key = _key(ctx.notes.all_text()) if ctx.notes is not None else ""
    min_chars = int(data["min_chars"])
    seen: set[int] = set()
    for m in rx.finditer(text):
        pos, limit = m.end(), min(len(text), m.end() + _MAX_SCAN)
        while pos < limit:
            q = _QUOTE.search(text, pos, limit)
            end_m = _SENTENCE_END.search(text, pos, limit)
            if q is None or (end_m is not None and end_m.start() < q.start()):
                break                    # the sentence ended before the next quotation
            pos = q.end()
            if q.start() in seen:
                continue
            inner = q.group(1) if q.group(1) is not None else q.group(2)
            if not _is_quotation(inner, min_chars, terms):
                continue
            seen.add(q.start())
            if notes_key and _key(inner) and _key(inner) in notes_key:
                continue
            quote = excerpt(orig(ctx, q.start() + 1, q.end() - 1), 20)
            message = data["message"].format(quote=quote, speaker=m.group("speaker"))
            yield ctx.finding(rule, q.start(), q.end(), message,
                              data["suggestion"], item=item_at(ctx, q.start()))
