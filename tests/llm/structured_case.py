"""The structured-output case shared by the cassette builder and the tests: a small
verdict about one problem item (the shape the critique pass will use)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Issue(BaseModel):
    quote: str = Field(min_length=1, description="原文中的一段，逐字引用")
    category: Literal["formulaic", "disguised_praise", "not_own_problem", "work_report"]
    reason: str


class Verdict(BaseModel):
    specific: bool
    issues: list[Issue]


PROBLEM = "一是理论学习不够深入。学习上满足于读原文，缺乏深层次思考。"

ANSWER = ('{"specific": false, "issues": [{"quote": "理论学习不够深入", "category": "formulaic", '
          '"reason": "只有概括性的说法，没有时间、事件和影响。"}]}')


def messages() -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "你审读个人对照检查材料中的一条问题，判断它是否具体。"},
        {"role": "user", "content": f"<问题>\n{PROBLEM}\n</问题>"},
    ]
