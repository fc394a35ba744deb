"""DZ407 年度主题提法缺失或沿用往年提法

检查什么 / What it checks:
  - 本年度结构（prompts/structures/*.yaml 的 terms.required）要求体现的主题提法，
    全文一处也没有出现（如2021年度组织生活会的“党史学习教育”）：提示级，标在标题上
    （没有标题时标在第一个部分标题上）。terms.expected 只用于起草，不在这里检查。
  - 往年学习教育、主题教育的专用提法（lexicons/terms.yaml 的 year_slogans）出现在相隔
    两年及以上的材料里（如2021年的“学史明理、学史增信……”出现在2024年度材料中），
    或出现在更早年度的材料里（2023年主题教育的提法出现在2021年度材料中）：警告级，
    “引用了往年会议的提法，可能沿用了旧材料”。
  不知道材料年度（没有识别出结构）时不检查。
为什么 / Why (domain.md rubric Q20，并见 Q24 老调重弹): 每年的组织生活会、民主生活会
  有各自的主题；漏了主题说明没有对照本年度要求，沿用往年提法是照搬旧材料的明显痕迹。
示例 / Example: 2024年度民主生活会材料中写“坚持学史明理、学史增信、学史崇德、学史力行”。
应改为 / Instead write: 按本年度通知写本年度的主题（2024年：党纪学习教育），结合自己
  学了什么、对照了哪些要求来写。
来源 / Source: domain.md §3（各年度主题与提法）、§4 Also watch；lexicons/terms.yaml。
"""

from __future__ import annotations

import re
from functools import lru_cache

from service.review.lexicon import load
from service.review.rules._wording import anchor, inner, item_at, literal_rx, orig
from service.text.normalize import normalize_phrase

CODE = "DZ407"
NAME = "theme-terms"
CATEGORY = "nonstandard_term"
SEVERITY = "info"
RUBRIC = ("Q20",)

_SEPS = "、,;"


@lru_cache(maxsize=1)
def _slogans():
    """[(year, campaign, regex, anchor)], longest phrases first so a full slogan wins."""
    data = load("terms")
    out = []
    for group in data["year_slogans"]:
        for phrase in group["phrases"]:
            out.append((int(group["year"]), group["campaign"],
                        re.compile(literal_rx(phrase, optional_punct=_SEPS)),
                        anchor(phrase, drop=_SEPS), len(phrase)))
    out.sort(key=lambda x: -x[4])
    return data, tuple(out)


def _title_span(doc) -> tuple[int, int]:
    if doc.title_span:
        return doc.title_span
    if doc.sections:
        s = doc.sections[0]
        return s.heading_start, s.heading_end
    return 0, 0


def check(ctx, rule):
    st = ctx.structure
    if st is None or ctx.structure_confidence < 0.6:
        return  # a guessed structure is not grounds to ask for its terms
    text = ctx.text
    data, slogans = _slogans()

    # 1. the year's required terms
    for term in st.terms.required:
        if normalize_phrase(term) not in text:
            s, e = _title_span(ctx.doc)
            yield ctx.finding(
                rule, s, e, data["required_message"].format(title=st.title, term=term),
                data["required_suggestion"].format(term=term))

    # 2. another year's slogans
    year = int(st.year)
    gap = int(data["stale_after_years"])
    taken: list[tuple[int, int, int]] = []     # (start, end, slogan year)
    for s_year, _campaign, rx, anc, _len in slogans:
        if 0 <= year - s_year < gap or anc not in text:
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if any(s < t_e and e > t_s for t_s, t_e, _ in taken):
                continue
            taken.append((s, e, s_year))
    # merge neighbouring hits of the same year (学史明理、学史增信 → one finding)
    taken.sort()
    merged: list[list[int]] = []
    for s, e, y in taken:
        if merged and merged[-1][2] == y and s - merged[-1][1] <= 2:
            merged[-1][1] = e
        else:
            merged.append([s, e, y])
    campaigns = {int(g["year"]): g["campaign"] for g in data["year_slogans"]}
    for s, e, y in merged:
        fmt = dict(found=inner(orig(ctx, s, e)), year=y, campaign=campaigns[y], doc_year=year)
        key = "future" if y > year else "stale"
        yield ctx.finding(rule, s, e, data[f"{key}_message"].format(**fmt),
                          data[f"{key}_suggestion"].format(**fmt),
                          item=item_at(ctx, s), severity="warning")
