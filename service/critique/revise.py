"""Revision on evidence: when a review has blocking (error) findings, the model
rewrites only the flagged spans, given the findings and the notes; the text is
re-parsed and re-reviewed (rules, and the critique when asked). At most
``max_rounds`` rounds (``settings.max_revision_rounds``, 2 by default); it stops early
when nothing blocking remains, and when a round made the text worse (more errors, or
as many errors and more warnings) the better earlier round is kept.

The model answers edits ``{finding, original, replacement}``; an edit is applied only
when ``original`` is found verbatim inside the span its finding flagged, so nothing
outside the flagged spans can change. New facts are caught by the re-review (the
rules check the text against the notes) and make a round worse.

    revision = await arevise(text, structure=s, notes=n, backend=b, critique=True)
    revision.final.text, revision.final.review, revision.to_json()["rounds"][i]["diff"]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.critique.checks import config
from service.critique.locate import find_quote
from service.critique.prompt import render_revise
from service.critique.schema import Edit, RevisionAnswer

if TYPE_CHECKING:  # pragma: no cover
    from service.llm import Backend, Usage
    from service.notes import RoleNotes
    from service.review.engine import ReviewResult
    from service.review.finding import Finding

DEFAULT_ROUNDS = 2
STOP_REASONS = {
    "no_blocking": "没有阻断性问题，无需修改",
    "converged": "阻断性问题已全部解决",
    "max_rounds": "已达到修改轮数上限",
    "worse": "本轮修改后问题更多，保留较好的一轮",
    "nothing_revisable": "剩余的阻断性问题需要本人补充事实或调整结构，模型不做修改",
    "no_edits": "模型没有给出可用的修改",
    "unavailable": "模型修改不可用",
    "unreadable": "修改后的文本无法解析，保留较好的一轮",
}


def blocking(result: "ReviewResult") -> list["Finding"]:
    return [f for f in result.findings if f.severity == "error"]


def targets_of(result: "ReviewResult") -> list["Finding"]:
    """Blocking findings the model may act on: a real span, a revisable category."""
    skip = config().not_revisable
    return [f for f in blocking(result) if f.end > f.start and f.category not in skip]


def quality(result: "ReviewResult") -> tuple[int, int]:
    """Lower is better: (errors, warnings)."""
    return (len(blocking(result)), sum(1 for f in result.findings if f.severity == "warning"))


@dataclass
class Round:
    index: int
    text: str
    review: "ReviewResult"
    diff: str | None = None
    edits: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    usage: "Usage | None" = None
    prompt: dict | None = None

    def to_json(self) -> dict[str, Any]:
        errors, warnings = quality(self.review)
        return {"round": self.index, "text": self.text, "review": self.review.to_json(), "diff": self.diff,
                "errors": errors, "warnings": warnings, "edits": self.edits, "rejected": self.rejected,
                "usage": self.usage.to_json() if self.usage is not None else None, "prompt": self.prompt}


@dataclass
class Revision:
    rounds: list[Round]
    best: int
    stopped: str
    reason: str | None
    usage: "Usage"
    max_rounds: int

    @property
    def final(self) -> Round:
        return self.rounds[self.best]

    def prompts(self) -> list[dict]:
        """The rendered prompts sent (revise, critique), in the order they were sent."""
        out: list[dict] = []
        for r in self.rounds:
            for p in (r.prompt, r.review.critique.get("prompt")):
                if p and p not in out:
                    out.append(p)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"rounds": [r.to_json() for r in self.rounds], "best": self.best, "stopped": self.stopped,
                "message": STOP_REASONS[self.stopped] + (f"：{self.reason}" if self.reason else ""),
                "max_rounds": self.max_rounds, "usage": self.usage.to_json()}


# a sentence ends after 。！？； (and their ASCII forms) or at a line end
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』)）]*\n?|\n|$)")


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, one per diff line (a paragraph of a 对照检查材料 is
    one long line: a line diff would show the whole paragraph for one changed phrase).
    Joining the pieces gives ``text`` back, line ends included."""
    return [m.group() for m in _SENTENCE.finditer(text) if m.group()]


def diff(before: str, after: str, a: str, b: str) -> str:
    """A unified diff of two rounds with one sentence per line (a sentence's own line
    end, if it has one, is not shown twice)."""
    def lines(text: str) -> list[str]:
        return [p if p.endswith("\n") else p + "\n" for p in sentences(text)]
    return "".join(difflib.unified_diff(lines(before), lines(after), fromfile=a, tofile=b))


def apply_edits(result: "ReviewResult", targets: dict[str, "Finding"], edits: list[Edit]
                ) -> tuple[str, list[dict], list[dict]]:
    """(new text, applied, rejected). An edit applies only inside its finding's span."""
    doc = result.doc
    text = doc.norm.original
    spans: list[tuple[int, int, str, str]] = []
    applied, rejected = [], []
    for e in edits:
        f = targets.get(e.finding)
        if f is None:
            rejected.append({"finding": e.finding[:20], "why": "问题编号不存在"})
            continue
        where = find_quote(doc, e.original, f.start, f.end)
        if where is None:
            rejected.append({"finding": e.finding, "why": "原文不在该问题标出的片段中"})
            continue
        s, end = where
        replacement = e.replacement.strip()
        if replacement.count("\n") > text[s:end].count("\n"):
            replacement = " ".join(replacement.split())
        if any(s < b and a < end for a, b, _, _ in spans):
            rejected.append({"finding": e.finding, "why": "与另一处修改重叠"})
            continue
        if replacement == text[s:end]:
            rejected.append({"finding": e.finding, "why": "没有改动"})
            continue
        spans.append((s, end, replacement, e.finding))
    for s, end, replacement, fid in sorted(spans, reverse=True):
        applied.append({"finding": fid, "start": s, "end": end, "original": text[s:end], "replacement": replacement})
        text = text[:s] + replacement + text[end:]
    applied.reverse()
    return text, applied, rejected


async def arevise(text: str, *, structure: Any, notes: "RoleNotes | None", backend: "Backend",
                  max_rounds: int | None = None, critique: bool = True, initial: "ReviewResult | None" = None,
                  max_reasks: int = 2) -> Revision:
    """Revise ``text`` on the evidence of its review; see the module docstring.
    ``initial`` is the review of ``text`` when the caller has it already (it is
    critiqued here when ``critique`` and it has not been)."""
    from service.critique.critic import arun, ask
    from service.errors import InputError
    from service.llm import Usage
    from service.review.engine import review

    if max_rounds is None:
        from service.settings import get_settings

        max_rounds = get_settings().max_revision_rounds
    total = Usage()

    async def reviewed(t: str, given: "ReviewResult | None" = None) -> tuple["ReviewResult", "Usage"]:
        r = given if given is not None else review(t, structure=structure, notes=notes)
        used = Usage()
        if critique and r.critique.get("status") == "off":
            used = await arun(r, notes, backend, max_reasks=max_reasks)
        return r, used

    first, used = await reviewed(text, initial)
    total.add(used)
    rounds = [Round(0, text, first, usage=used)]
    stopped, reason = "max_rounds", None
    for n in range(1, max_rounds + 1):
        current = rounds[-1]
        if not blocking(current.review):
            stopped = "no_blocking" if n == 1 else "converged"
            break
        targets = {f"F{i}": f for i, f in enumerate(targets_of(current.review), 1)}
        if not targets:
            stopped = "nothing_revisable"
            break
        rendered = render_revise(current.review.doc, list(targets.items()), notes)
        out, used, why = await ask(backend, rendered.messages, RevisionAnswer, max_reasks=max_reasks)
        total.add(used)
        if out is None:
            stopped, reason = "unavailable", why
            break
        new_text, applied, rejected = apply_edits(current.review, targets, out.value.edits)
        if not applied:
            stopped = "no_edits"
            break
        try:
            new_review, crit_used = await reviewed(new_text)
        except InputError as exc:
            stopped, reason = "unreadable", str(exc)
            break
        used.add(crit_used)
        total.add(crit_used)
        rounds.append(Round(n, new_text, new_review, diff=diff(current.text, new_text, f"第{n - 1}轮", f"第{n}轮"),
                            edits=applied, rejected=rejected, usage=used, prompt=rendered.to_json()))
        if quality(new_review) > quality(current.review):
            stopped = "worse"
            break
        if not blocking(new_review):
            stopped = "converged"
            break
    else:
        if max_rounds == 0 and not blocking(first):
            stopped = "no_blocking"
    best = min(range(len(rounds)), key=lambda i: (quality(rounds[i].review), i))
    return Revision(rounds=rounds, best=best, stopped=stopped, reason=reason, usage=total, max_rounds=max_rounds)


def revise(text: str, **kw: Any) -> Revision:
    """Synchronous :func:`arevise`."""
    from service.llm.sync import run_sync

    return run_sync(arevise(text, **kw))
