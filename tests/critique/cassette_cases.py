"""The cases the hand-written critique cassettes answer (shared by the builder and the
replay tests)."""

from __future__ import annotations

import json

from conftest import ROOT

from critique.conftest import PRAISE

NOTES = ROOT / "examples" / "notes" / "tax-clerk.yaml"
TEXT = PRAISE

VALID = json.dumps({
    "issues": [
        {"item": "p1", "check": "Q5", "quote": "说明我把学习当成任务来完成",
         "reason": "只说把学习当任务，没有剖析自己当时为什么这样做。", "suggestion": "写清当时的想法和它背后的思想根源。"},
        {"item": "m3", "check": "Q16", "quote": "严格落实“三会一课”制度",
         "reason": "这半句是口号，后面的具体安排已经足够。", "suggestion": "删去口号，保留具体的召开时间和补开时限。"},
    ],
    "rule_findings": [
        {"finding": "r1", "verdict": "confirm", "reason": "“工作太投入”“顾不上家庭”没有写出任何损害，是明批暗褒。"},
        {"finding": "r2", "verdict": "confirm", "reason": "整改措施中没有一条针对这个问题。"},
    ],
}, ensure_ascii=False)

INVALID = "审读结果如下：\n- p1：思想剖析不够\n（没有其他问题）"

CASES = {
    "deepseek_critique_valid.yaml": [VALID],
    "deepseek_critique_reask.yaml": [INVALID, VALID],
}
