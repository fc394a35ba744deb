"""Human-readable rendering of a review result (the CLI's text format).

Findings are grouped by section, each with its line number, the quoted span, the
message and the suggestion; colour only when writing to a terminal.
"""

from __future__ import annotations

from service.review.engine import ReviewResult
from service.review.finding import Finding

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
SECTION_LABEL = {"preamble": "开头部分", "problems": "查摆问题", "causes": "原因剖析",
                 "measures": "整改措施", "followup": "上年度整改", "case": "案例剖析",
                 "other": "其他"}
_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _quote(text: str, start: int, end: int, limit: int = 60) -> str:
    span = text[start:end].replace("\r", "").replace("\n", " ").strip()
    if len(span) > limit:
        span = span[: limit - 1] + "…"
    return span


def _section_of(result: ReviewResult, f: Finding) -> str:
    doc = result.doc
    for s in doc.sections:
        o_start, o_end = doc.norm.orig_span(s.start, s.end)
        if o_start <= f.start < max(o_end, o_start + 1):
            return SECTION_LABEL.get(s.kind, s.title)
    first = doc.sections[0].start if doc.sections else len(doc.norm.text)
    if f.start < doc.norm.orig_span(first, first)[0]:
        return "标题和开头"
    return "结尾"


def render_text(result: ReviewResult, name: str | None = None, colour: bool = False) -> str:
    def c(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if colour else s

    text = result.text
    out: list[str] = []
    head = name or "（文本）"
    struct = result.structure.id if result.structure is not None else "未识别"
    out.append(c(_BOLD, f"{head}"))
    line = f"结构：{struct}"
    if result.detection and result.detection.get("method") == "detected":
        line = f"结构：{struct}（自动识别：{result.detection.get('reason', '')}）"
    out.append(line)
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in SEVERITY_LABEL}
    out.append(
        f"结论：{result.verdict}    错误 {counts['error']} · 警告 {counts['warning']} · "
        f"提示 {counts['info']}    具体性 {result.scores['specificity']:.2f} · "
        f"措施对应率 {result.scores['coverage']:.2f}")
    crit = result.critique or {}
    if crit.get("status") == "ok":
        out.append(f"模型审读：已完成（{crit.get('model')}）")
    elif crit.get("status") == "unavailable":
        out.append(f"模型审读：未能完成（{crit.get('reason')}），以下仅为规则检查结果")
    if not result.findings:
        out.append("没有发现问题。")
        return "\n".join(out) + "\n"
    groups: dict[str, list[Finding]] = {}
    for f in result.findings:
        groups.setdefault(_section_of(result, f), []).append(f)
    for section, findings in groups.items():
        out.append("")
        out.append(c(_BOLD, f"【{section}】"))
        for f in findings:
            line_no = text.count("\n", 0, f.start) + 1
            sev = c(_COLOURS[f.severity], SEVERITY_LABEL[f.severity])
            tag = f"{f.rule}" + (f" {f.item}" if f.item else "")
            out.append(f"  {sev} 第{line_no}行 {tag}  {f.message}")
            q = _quote(text, f.start, f.end)
            if q:
                out.append(c(_DIM, f"      原文：“{q}”"))
            if f.suggestion:
                out.append(f"      建议：{f.suggestion}")
            verdict = f.extra.get("llm_verdict") if f.extra else None
            if verdict:
                word = "模型认同" if verdict == "confirms" else "模型认为可能不成立"
                reason = f.extra.get("llm_reason") or ""
                out.append(c(_DIM, f"      {word}：{reason}"))
    return "\n".join(out) + "\n"
