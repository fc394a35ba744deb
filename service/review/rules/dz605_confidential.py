"""DZ605 含密级标志或他人个人信息

检查什么 / What it checks (词表见 lexicons/confidential.yaml):
  1. 密级标志：“绝密★”“机密★1年”“秘密★6个月”，单独成行的“机密”“内部资料 注意保密”
     “此件不公开”，“密级：秘密”等。只认标志，不认话题：“保密意识不强”“涉密文件管理
     不规范”“没有标注密级”“保守党的秘密”“商业秘密”都是检讨内容，不报。带★的标志
     出现在哪里都报，检讨中提到的也报（“把标有‘机密★1年’的纪要发到群里”：材料本身
     不能带密级标志，写“一份涉密文件”即可）；不带★的“内部资料”等写在引号里或
     “标有/印有……”之后时是在叙述，不报。
  2. 个人信息：身份证号（18 位，出生日期有效且校验位正确）、手机号（1[3-9] 开头的
     11 位）、银行卡号（16–19 位，通过 Luhn 校验）。提示中的号码打码显示。
  （他人姓名加负面评价难以可靠判断，不查。）
为什么 / Why (domain.md rubric Q28): 对照检查材料是内部材料；带密级标志的内容不能上传到
  联网系统，别人的身份证号、手机号更不能写进材料或上传。用户最担心的就是上传泄密。
示例 / Example: 材料首行“机密★1年”；“纳税人张某（手机13812345678）……”。
应改为 / Instead write: 删除密级标志（材料确属涉密的，不要上传，按保密规定处理）；
  写“一位纳税人”，不写联系方式和证件号。
来源 / Source: domain.md 评分表 Q28；§5（上传内部材料导致泄密的担忧）。
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from service.review.lexicon import load
from service.text.normalize import normalize_phrase

CODE = "DZ605"
NAME = "confidential"
CATEGORY = "confidential"
SEVERITY = "error"
RUBRIC = ("Q28",)

_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’")
_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}\d{4}\d{3}[0-9Xx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![\d.])1[3-9]\d(?:[ -]?\d{4}){2}(?![\d.])")
# where a mobile number can start (re skips to a "1" fast; _PHONE starts with a look-behind)
_PHONE_START = re.compile(r"1[3-9]\d")
_DIGITS = re.compile(r"(?<![\d.])\d(?:[ -]?\d){15,18}(?![\d.])")
# every ID or card number contains this (16 digits, single spaces or hyphens between):
# without it neither pattern can match, and the text need not be scanned for them
_LONG_DIGITS = re.compile(r"\d(?:[ -]?\d){15}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MENTION_WINDOW = 6
_REMOVE = "提交或上传前请删除。"


@lru_cache(maxsize=1)
def _cfg() -> dict:
    d = load("confidential")
    levels = "|".join(map(re.escape, d["secrecy_levels"]))
    marks = sorted({normalize_phrase(m) for m in d["mark_lines"]}, key=len, reverse=True)
    return {
        # 机密★ / 秘密 ☆ / 绝密*长期 (a bare * only before a term: not Markdown bold)
        "star": re.compile(rf"({levels})\s*(?:★|☆|\*(?=\s*(?:\d|长期)))"
                           r"(?:\s*(?:\d+\s*(?:年|个月)|长期))?"),
        "line": re.compile(r"^[ \t\u3000(\[【]*(" + "|".join(map(re.escape, marks)) +
                           r")[ \t\u3000)\]】]*$", re.M),
        "line_term": re.compile(rf"^[ \t\u3000]*({levels})\s*(?:\d+\s*(?:年|个月)|长期)[ \t\u3000]*$",
                                re.M),
        "inline": [re.compile(normalize_phrase(p)) for p in d["inline_patterns"]],
        "mention": tuple(normalize_phrase(w) for w in d["mention_words"]),
        "units": tuple(normalize_phrase(u) for u in d["number_units"]),
        # star and line_term need a secrecy level, line needs a mark line
        "levels_any": re.compile(levels),
        "marks_any": re.compile("|".join(map(re.escape, marks))),
    }


def _valid_id(s: str) -> bool:
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == s[17].upper()


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _mask(digits: str, head: int, tail: int = 4) -> str:
    return digits[:head] + "*" * (len(digits) - head - tail) + digits[-tail:]


def _marks(text: str, cfg) -> list[tuple[int, int]]:
    # a ★ mark is reported wherever it stands, even inside a confession ("把标有“机密★1年”
    # 的纪要发到群里"): the material itself must not carry it
    levels = cfg["levels_any"].search(text) is not None
    # a star mark holds ★, ☆ or * (found with str's fast search)
    star = levels and ("★" in text or "☆" in text or "*" in text)
    spans = [(*m.span(), True) for m in cfg["star"].finditer(text)] if star else []
    for rx, needed in (("line", cfg["marks_any"].search(text) is not None), ("line_term", levels)):
        if needed:
            spans += [(*m.span(1), False) for m in cfg[rx].finditer(text)]
    spans += [(*m.span(), False) for rx in cfg["inline"] for m in rx.finditer(text)]
    if not spans:
        return []
    quotes = [m.span() for m in _QUOTED.finditer(text)]
    out, last_end = [], -1
    for s, e, star in sorted(spans):
        if s < last_end:
            continue
        if not star and any(qs < s and e <= qe for qs, qe in quotes):
            continue
        if not star and any(w in text[max(0, s - _MENTION_WINDOW):s] for w in cfg["mention"]):
            continue
        out.append((s, e))
        last_end = e
    return out


def _phones(text: str):
    """``_PHONE.finditer(text)``, trying the pattern only where _PHONE_START matches."""
    p = 0
    while (c := _PHONE_START.search(text, p)) is not None:
        m = _PHONE.match(text, c.start())
        if m is None:
            p = c.start() + 1
            continue
        yield m
        p = m.end()


def _personal(text: str, cfg) -> list[tuple[int, int, str, str]]:
    """(start, end, what, masked) for ID numbers, bank cards and mobile numbers."""
    found: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []
    long_digits = _LONG_DIGITS.search(text) is not None
    for m in (_ID.finditer(text) if long_digits else ()):
        if _valid_id(m.group(0)):
            found.append((m.start(), m.end(), "身份证号", _mask(m.group(0), 3)))
            taken.append(m.span())
    for m in (_DIGITS.finditer(text) if long_digits else ()):
        digits = re.sub(r"[ -]", "", m.group(0))
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        if 16 <= len(digits) <= 19 and digits[0] in "3456" and _luhn(digits):
            found.append((m.start(), m.end(), "银行卡号", _mask(digits, 4)))
            taken.append(m.span())
    for m in _phones(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        after = text[m.end():m.end() + 2].lstrip()
        if after[:1] and after[0] in cfg["units"]:
            continue
        digits = re.sub(r"[ -]", "", m.group(0))
        found.append((m.start(), m.end(), "手机号", _mask(digits, 3)))
    return sorted(found)




def check(ctx, rule):
    text = ctx.text
    cfg = _cfg()
    for s, e in _marks(text, cfg):
        yield ctx.finding(
            rule, s, e,
            f"材料中有密级或内部资料标志“{text[s:e].strip()}”：带这类标志的内容不能上传，"
            + _REMOVE,
            "请删除该标志；检讨涉密载体管理问题时写“一份涉密文件”即可，不写密级和文件名。"
            "如果材料本身确属涉密内容，请不要上传到本系统，按保密规定在涉密环境中处理。",
            item=ctx.doc.item_at(s),
        )
    for s, e, what, masked in _personal(text, cfg):
        yield ctx.finding(
            rule, s, e,
            f"材料中有疑似{what}“{masked}”：个人信息不应写进对照检查材料，" + _REMOVE,
            f"请删除该{what}；需要提到当事人时，写明身份（如“一位纳税人”“一名同事”）即可。",
            item=ctx.doc.item_at(s),
        )
