"""DZ404 用拼音代替汉字

检查什么 / What it checks:
  中文行文里夹着的一串小写字母，恰好是党内生活常用词的不带声调拼音（zuzhi = 组织、
  dang = 党、ganbu = 干部、qunzhong = 群众、fubai = 腐败……，可以几个词连写：
  zuzhizuzhi）。词表见 lexicons/pinyin_words.yaml，拼音预先算好存在 pinyin_words.tsv
  （scripts/build_pinyin.py 生成，审读时不加载 pypinyin）。
  为避免误报：必须整串都能切分成词表里的拼音；5个字母以上、由多音节词组成的，至少一侧挨着
  汉字（可隔一个空格）；更短的或含单字词（dang）的，两侧都要紧挨着汉字；全大写的缩写、
  夹在英文短语里的、网址邮箱里的、ascii_allow 里的英文词（OA、ERP、PPT、WPS、APP、Excel、
  word、CPU……）都不报。
为什么 / Why (domain.md rubric Q30): 从网上下载的模板常把“组织”“党”等词写成拼音来躲避
  敏感词过滤，照抄进正式材料是明显的模板痕迹，也是严重的文字差错。
示例 / Example: “2021年党支部zuzhi生活会……服从zuzhi的各项决定”（种子文档）
应改为 / Instead write: “2021年党支部组织生活会……服从组织的各项决定”
来源 / Source: domain.md 评分表 Q30；engineering.md “pypinyin”；种子文档第3、5、8、18行。
"""

from __future__ import annotations

import re
from functools import lru_cache

from service.review.lexicon import LEXICON_DIR, load
from service.review.rules._wording import CJK, item_at

CODE = "DZ404"
NAME = "pinyin-substitution"
CATEGORY = "pinyin_substitution"
SEVERITY = "error"
RUBRIC = ("Q30",)

_RUN = re.compile(r"[A-Za-z]+")
_MAX_RUN = 40           # longer ASCII runs are not pinyin stand-ins
_LONG = 5               # runs this long (multi-syllable words only) need CJK on one side
_URLISH = set("./@_-:#\\%&=+~") | set("0123456789")


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, tuple[str, ...]], int, frozenset[str]]:
    table: dict[str, list[str]] = {}
    with (LEXICON_DIR / "pinyin_words.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            py, word = line.rstrip("\n").split("\t")
            table.setdefault(py, []).append(word)
    allow = frozenset(w.lower() for w in load("pinyin_words").get("ascii_allow", []))
    return ({k: tuple(v) for k, v in table.items()}, max(map(len, table)), allow)


@lru_cache(maxsize=1)
def _prefixes() -> frozenset[str]:
    """Every non-empty prefix of a lexicon pinyin."""
    return frozenset(k[:i] for k in _lexicon()[0] for i in range(1, len(k) + 1))


def segment(run: str) -> list[str] | None:
    """Split a lowercase run into lexicon pinyins (fewest pieces), or None."""
    table, longest, _ = _lexicon()
    prefixes = _prefixes()
    n = len(run)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + longest) + 1):
            piece = run[i:j]
            if piece not in prefixes:
                break                   # no longer piece from i is a pinyin either
            if piece in table:
                cand = best[i] + [piece]
                if best[j] is None or len(cand) < len(best[j]):
                    best[j] = cand
    return best[n]


# ASCII letters → "a", any other byte → "-": over ``text.encode("ascii", "replace")``
# (one byte per character, so the offsets are the text's) the runs of "a" are the
# matches of _RUN, found with bytes.find instead of re's slower per-character scan
_LETTERS = bytes(ord("a") if chr(b).isascii() and chr(b).isalpha() else ord("-")
                 for b in range(256))


def _run_spans(text: str) -> list[tuple[int, int]]:
    """``[m.span() for m in _RUN.finditer(text)]``."""
    marks = text.encode("ascii", "replace").translate(_LETTERS)
    out = []
    s = marks.find(b"a")
    while s != -1:
        e = marks.find(b"-", s)
        if e == -1:
            e = len(marks)
        out.append((s, e))
        s = marks.find(b"a", e)
    return out


def _side(text: str, pos: int, step: int, allow_space: bool) -> str:
    """The character next to a run (skipping one space when ``allow_space``)."""
    i = pos
    if 0 <= i < len(text) and allow_space and text[i] == " ":
        i += step
    return text[i] if 0 <= i < len(text) else ""


def check(ctx, rule):
    text = ctx.text
    ascii_part = text.encode("ascii", "ignore")
    if ascii_part.upper() == ascii_part.lower():
        return                          # no ASCII letter at all (checked in C, quickly)
    table, _, allow = _lexicon()
    for s, e in _run_spans(text):
        run = text[s:e]
        low = run.lower()
        if len(run) > _MAX_RUN or low in allow:
            continue
        if run.isupper() or (run[0].islower() and not run.islower()):
            continue                     # abbreviations (ZZB), camelCase identifiers
        prev_c = text[s - 1] if s > 0 else ""
        next_c = text[e] if e < len(text) else ""
        if prev_c in _URLISH or next_c in _URLISH:
            continue
        pieces = segment(low)
        if not pieces:
            continue
        short = len(run) < _LONG or any(len(table[p][0]) == 1 for p in pieces)
        if short:
            ok = bool(CJK.match(prev_c)) and bool(CJK.match(next_c))
        else:
            left = _side(text, s - 1, -1, True)
            right = _side(text, e, 1, True)
            if (left.isascii() and left.isalnum()) or (right.isascii() and right.isalnum()):
                continue                 # part of an English phrase
            ok = bool(CJK.match(left)) or bool(CJK.match(right))
        if not ok:
            continue
        words = "".join("/".join(table[p]) if len(table[p]) > 1 else table[p][0]
                        for p in pieces)
        yield ctx.finding(
            rule, s, e,
            f"“{run}”是“{words}”的拼音，正式材料里不能用拼音代替汉字。",
            f"改为“{words}”。（从模板复制来的材料常这样躲避敏感词过滤，请逐处改回汉字。）",
            item=item_at(ctx, s))
