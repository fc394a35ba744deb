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

A problem without a measure (rule DZ301, ``checks.yaml`` ``addable_rules``) cannot be
fixed inside its span, so for those findings only the model may also answer an
*addition* ``{finding, measure}``: one new measure per problem, inserted after the last
item of the measures section, numbered like that item when the next marker can be
written reliably (一是 → 二是, （五） → （六）, 3. → 4.), else as a paragraph of its own,
and opened with a reference to the problem ("针对“<headline>”的问题，") that the real
matcher must link to that problem before the addition is accepted. A document without
a measures section takes no addition. An applied addition is recorded in the round's
``edits`` with ``kind: "addition"`` (``original`` empty, ``start == end`` the insertion
point); an edit has ``kind: "edit"``. Note that the grounding rule (DZ501) does not
check the measures section (a measure's deadline is a plan, not a fact), so a number or
date the model puts in an added measure does not make the round worse: the prompt asks
for 【待补：……】 instead.

    revision = await arevise(text, structure=s, notes=n, backend=b, critique=True)
    revision.final.text, revision.final.review, revision.to_json()["rounds"][i]["diff"]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from service.critique.checks import config
from service.critique.locate import find_quote
from service.critique.prompt import render_revise
from service.critique.schema import Addition, Edit, RevisionAnswer
from service.prompts import cn

if TYPE_CHECKING:  # pragma: no cover
    from service.document import Document, Item, Node
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


def apply_edits(result: "ReviewResult", targets: dict[str, "Finding"], edits: list[Edit],
                additions: list[Addition] | tuple[Addition, ...] = ()) -> tuple[str, list[dict], list[dict]]:
    """(new text, applied, rejected). An edit applies only inside its finding's span; an
    addition only for an addable (DZ301) finding, inserted into the measures section."""
    doc = result.doc
    text = doc.norm.original
    spans: list[tuple[int, int, str, str]] = []
    applied, rejected = [], []
    insertion, added = plan_additions(doc, targets, additions, rejected)
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
        if insertion is not None and s < insertion < end:
            rejected.append({"finding": e.finding, "why": "与新增的整改措施位置冲突"})
            continue
        spans.append((s, end, replacement, e.finding))
    for s, end, replacement, fid in sorted(spans, reverse=True):
        applied.append({"finding": fid, "start": s, "end": end, "original": text[s:end], "replacement": replacement,
                        "kind": "edit"})
        text = text[:s] + replacement + text[end:]
    if insertion is not None:
        # every edit before the insertion point ends at or before it: shift by their change
        shift = sum(len(a["replacement"]) - (a["end"] - a["start"]) for a in applied if a["end"] <= insertion)
        at = insertion + shift
        text = text[:at] + "".join(a["replacement"] for a in added) + text[at:]
        applied += added
    applied.sort(key=lambda a: (a["start"], a["kind"] == "addition"))
    return text, applied, rejected


# --------------------------------------------------------------------------- additions
_CN_NUMERAL = re.compile(r"[一二三四五六七八九十]{1,3}")
_ARABIC_NUMERAL = re.compile(r"[0-9０-９]{1,2}")
# the styles whose next marker can be written (document.py marker styles)
_CN_STYLES = {"dun", "paren", "ordinal", "shi"}
_ARABIC_STYLES = {"arabic", "aparen"}
_LEADING_MARKER = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、是]|"
                             r"第[一二三四五六七八九十]{1,3}[，、]|\d{1,2}[.、．]|[\u2460-\u2473])\s*")
_SENTENCE_ENDS = "。；！？;!?"


def next_marker(doc: "Document", item: "Item") -> tuple[str, bool] | None:
    """(the next marker written like ``item``'s, inline?) when it can be written
    reliably: ``item`` is the last of a run of siblings of one style numbered 1, 2, …
    with no measure groups; else None."""
    section = item.section
    node = _node_of(section.nodes if section else [], item.start)
    if node is None or node.children or node.parent is not None:
        return None
    siblings = section.nodes
    if siblings[-1] is not node or any(n.style != node.style or n.value != i or n.children
                                       for i, n in enumerate(siblings, 1)):
        return None
    value = node.value + 1
    label = doc.norm.original[slice(*doc.norm.orig_span(node.start, node.body_start))]
    if node.style in _CN_STYLES and value < 100:
        new, n = _CN_NUMERAL.subn(cn(value), label, count=1)
    elif node.style in _ARABIC_STYLES and value < 100:
        old = _ARABIC_NUMERAL.search(label)
        digits = str(value)
        if old and not old.group().isascii():
            digits = digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        new, n = _ARABIC_NUMERAL.subn(digits, label, count=1)
    elif node.style == "circled" and value <= 20:
        new, n = chr(0x245F + value), 1
    else:
        return None
    return (new, node.inline) if n == 1 else None


def _node_of(nodes: list["Node"], start: int) -> "Node | None":
    for n in nodes:
        if n.start == start:
            return n
        found = _node_of(n.children, start)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=1)
def _leading_reference() -> re.Pattern[str]:
    """A "针对……的问题，" the model wrote itself at the start of a measure (the matcher's
    openers and closers, service/review/lexicons/matching.yaml)."""
    from service.review.lexicon import load

    refs = load("matching")["references"]
    alt = lambda words: "|".join(map(re.escape, sorted(words, key=len, reverse=True)))  # noqa: E731
    return re.compile(rf"^(?:{alt(refs['openers'])})[^，,。；;：:\n]{{0,40}}?(?:{alt(refs['closers'])})[，,：:]?")


def measure_body(measure: str) -> str:
    """The model's measure on one line, without a marker or reference of its own, ending
    with a sentence end."""
    body = re.sub(r"\s*\n\s*", "", measure.strip())
    body = _LEADING_MARKER.sub("", body, count=1)
    body = _leading_reference().sub("", body, count=1).strip()
    if body and body[-1] not in _SENTENCE_ENDS:
        body += "。"
    return body


def references(finding: "Finding", text: str, problem_number: int) -> list[str]:
    """The openings that name the finding's problem, best first: its headline as written
    (up to the first clause break, so the matcher reads it as one phrase), then its
    number in the document."""
    cfg = config()
    head = re.split(r"[，,：:；;（）()\n。！？]", text[finding.start:finding.end].strip(), maxsplit=1)[0].strip()
    head = head.strip("“”\"")[:30]
    out = [cfg.addition_reference.format(headline=head)] if len(head) >= 2 else []
    return out + [cfg.addition_reference_index.format(n=cn(problem_number))]


def _answered(text: str, insert_at: int, length: int, problem: str) -> bool:
    """Does the measure inserted at [insert_at, insert_at + length) answer ``problem``
    (the real matcher, on the re-parsed text)?"""
    from service.document import parse
    from service.review import matching
    from service.review.context import ReviewContext

    doc = parse(text)
    answers = matching.answered_by(ReviewContext(doc=doc))
    for m in doc.measures:
        s, e = doc.norm.orig_span(m.start, m.end)
        if s < insert_at + length and insert_at < e and problem in answers.get(m.id, ()):
            return True
    return False


def plan_additions(doc: "Document", targets: dict[str, "Finding"], additions, rejected: list[dict]
                   ) -> tuple[int | None, list[dict]]:
    """(insertion point in the original text or None, the accepted additions in order,
    recorded like edits). Rejections are appended to ``rejected``."""
    from service.document import parse

    cfg = config()
    text = doc.norm.original
    seen: set[str] = set()
    accepted: list[dict] = []
    insertion: int | None = None
    section = doc.section("measures")
    for a in additions:
        f = targets.get(a.finding)
        if f is None:
            rejected.append({"finding": a.finding[:20], "why": "问题编号不存在", "kind": "addition"})
            continue
        if f.rule not in cfg.addable_rules:
            rejected.append({"finding": a.finding, "why": "只有“问题没有对应的整改措施”才能新增措施，这个问题请修改原文",
                             "kind": "addition"})
            continue
        if a.finding in seen:
            rejected.append({"finding": a.finding, "why": "每个问题至多新增一条措施", "kind": "addition"})
            continue
        seen.add(a.finding)
        if section is None:
            rejected.append({"finding": a.finding, "why": "材料没有整改措施部分，无法新增措施", "kind": "addition"})
            continue
        problems = doc.problems
        number = next((i for i, p in enumerate(problems, 1) if p.id == f.item), None)
        body = measure_body(a.measure)
        if number is None or not body:
            rejected.append({"finding": a.finding, "why": "找不到要新增措施的问题，或措施为空", "kind": "addition"})
            continue
        # the text as it stands with the additions accepted so far, all at one point
        so_far = "".join(x["replacement"] for x in accepted)
        current = text if insertion is None else text[:insertion] + so_far + text[insertion:]
        cdoc = doc if insertion is None else parse(current)
        where = _place(cdoc, section.kind)
        done = False
        for ref in references(f, text, number):
            for at, piece in where(ref + body):
                if insertion is not None and at != insertion + len(so_far):
                    continue    # every addition goes to one point, after the ones before it
                candidate = current[:at] + piece + current[at:]
                if _answered(candidate, at, len(piece), f.item):
                    base = at if insertion is None else insertion
                    accepted.append({"finding": a.finding, "start": base, "end": base, "original": "",
                                     "replacement": piece, "kind": "addition"})
                    insertion = base
                    done = True
                    break
            if done:
                break
        if not done:
            rejected.append({"finding": a.finding, "why": "新增的措施无法与该问题对应", "kind": "addition"})
    return insertion, accepted


def _place(doc: "Document", kind: str):
    """For the current document: a function from a measure's text to the ways of
    inserting it, best first: (original offset, text to insert)."""
    text = doc.norm.original
    section = doc.section(kind)
    items = section.items if section else []

    def ways(measure: str) -> list[tuple[int, str]]:
        if not items:
            # an empty measures section: a paragraph after its heading
            at = doc.norm.orig_span(section.heading_start, section.heading_end)[1]
            return [(at, "\n" + measure)]
        last = items[-1]
        ls, at = doc.norm.orig_span(last.start, last.end)
        line_start = text.rfind("\n", 0, ls) + 1
        indent = text[line_start:ls] if not text[line_start:ls].strip() else ""
        out = []
        marker = next_marker(doc, last)
        if marker is not None:
            label, inline = marker
            if inline and text[at - 1:at] in tuple(_SENTENCE_ENDS):
                out.append((at, label + measure))
            else:
                out.append((at, "\n" + indent + label + measure))
        out.append((at, "\n" + indent + measure))
        return out

    return ways


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
        new_text, applied, rejected = apply_edits(current.review, targets, out.value.edits, out.value.additions)
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
