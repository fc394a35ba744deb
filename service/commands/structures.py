"""``duizhao structures [ID]``: list the structure configurations or show one in full.

Without ID: a table (id, 会议, 年份, 主题, 把握). With an id or a path to a custom YAML/JSON
file: the whole configuration in readable Chinese. An unknown id or a broken file prints
the one-line StructureError message on stderr and returns 2 (nothing on stdout).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from service.structures import Structure


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "structures",
        help="列出各年度的方面结构配置，或查看其中一个",
        description="列出各年度组织生活会、民主生活会的方面结构配置；给出 ID 或自定义结构文件路径时显示完整配置。",
    )
    parser.add_argument("ref", nargs="?", metavar="ID",
                        help="结构 ID（如 org-life-2021）或自定义结构文件（YAML/JSON）的路径")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from service.structures import StructureError, get_structure, list_structures

    ref = getattr(args, "ref", None)
    try:
        if not ref:
            text = render_table(list_structures())
        else:
            text = render_structure(get_structure(ref))
    except StructureError as e:
        print(f"duizhao: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


# ---------------------------------------------------------------------------- rendering

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _confidence(code: str) -> str:
    from service.structures import CONFIDENCE_LABELS

    return f"{CONFIDENCE_LABELS.get(code, code)}（{code}）"


def render_table(structures: "list[Structure]") -> str:
    header = ["ID", "会议", "年份", "主题", "把握"]
    rows = [[s.id, s.meeting, str(s.year), s.theme or "（以通知为准）", _confidence(s.confidence)]
            for s in structures]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in [header, ["-" * w for w in widths], *rows]]
    lines.append("")
    lines.append(f"共 {len(structures)} 个结构。查看详情：duizhao structures ID；"
                 "也可用 --structure 指定自定义结构文件（YAML/JSON）。")
    return "\n".join(lines) + "\n"


def render_structure(s: "Structure") -> str:
    from service.structures import SECTION_KIND_LABELS

    out = [f"{s.title}（{s.id}）",
           f"会议：{s.meeting}　年份：{s.year}　主题：{s.theme or '未定（以上级通知为准）'}　"
           f"把握：{_confidence(s.confidence)}"]
    if s.markers:
        out.append("识别词：" + "、".join(s.markers))
    out += ["", f"方面（{len(s.aspects)} 个）："]
    for a in s.aspects:
        flag = "【待核实】" if not a.verified else ""
        out.append(f"  {a.number}. {flag}{a.title}　把握：{_confidence(a.confidence)}")
        if a.aliases:
            out.append("     别称：" + "、".join(a.aliases))
        if a.keywords:
            out.append("     关键词：" + "、".join(a.keywords))
        if a.guidance:
            out.append("     要点：" + a.guidance)
    out += ["", "部分："]
    for sec in s.sections:
        need = "必需" if sec.required else "可选"
        line = f"  - {sec.title}（{SECTION_KIND_LABELS.get(sec.kind, sec.kind)}，{need}）"
        if sec.aliases:
            line += "　别称：" + "、".join(sec.aliases)
        out.append(line)
    out += ["", "原因剖析维度：" + "、".join(s.cause_dimensions)]
    out.append("必备提法：" + ("；".join(s.terms.required) if s.terms.required else "无"))
    out.append("应有提法：" + ("；".join(s.terms.expected) if s.terms.expected else "无"))
    out += ["", "来源："]
    out += [f"  - {src}" for src in s.sources] or ["  - （未注明）"]
    if s.notes:
        out += ["", "说明："] + [f"  {line}" for line in s.notes.splitlines() if line.strip()]
    unverified = s.unverified_aspects()
    if unverified:
        nums = "、".join(str(a.number) for a in unverified)
        out += ["", f"注意：第 {nums} 个方面未经核实，使用前请按上级通知原文填写"
                    "（可复制本配置另存为自定义结构文件）。"]
    return "\n".join(out) + "\n"
