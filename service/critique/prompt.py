"""The critique and revision prompts: typed inputs, registered as prompt tasks
(``prompts/critique.*.j2``, ``prompts/revise.*.j2``) and rendered with hashes.

Every string that comes from the member (draft text, notes) passes through
:func:`service.prompts.as_data` (one line, no ``<``/``>``) and sits inside a data
delimiter that the system message declares to be data, never instructions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.critique.checks import config
from service.notes import STATUS_LABELS
from service.prompts import Rendered, _In, as_data, register_task, render

if TYPE_CHECKING:  # pragma: no cover
    from service.document import Document, Item
    from service.notes import RoleNotes
    from service.review.finding import Finding

KIND_LABEL = {"problem": "问题", "cause": "原因", "measure": "措施", "followup": "上年度整改"}


class CheckIn(_In):
    id: str
    applies: str            # 问题 | 原因 | 措施
    question: str


class ItemIn(_In):
    id: str
    kind: str               # 问题 | 原因 | 措施 | 上年度整改
    aspect: int | None
    text: str


class RuleFindingIn(_In):
    id: str                 # r1, r2, …
    item: str
    category: str
    message: str
    quote: str


class MemberIn(_In):
    role: str
    party_duties: list[str]


class CritiqueInput(_In):
    structure: str
    member: MemberIn
    checks: list[CheckIn]
    items: list[ItemIn]
    rule_findings: list[RuleFindingIn]


class TargetIn(_In):
    id: str                 # F1, F2, …
    item: str | None
    span: str               # the flagged text, verbatim
    message: str
    suggestion: str
    addable: bool           # a problem without a measure: a new measure may be added


class NotesIn(_In):
    role: str
    party_duties: list[str]
    facts: list[str]
    feedback: list[str]
    last_year: list[str]
    self_assessment: list[str]


class ReviseInput(_In):
    targets: list[TargetIn]
    items: list[ItemIn]
    notes: NotesIn | None


register_task("critique", CritiqueInput, ("critique.system.j2", "critique.user.j2"))
register_task("revise", ReviseInput, ("revise.system.j2", "revise.user.j2"))


def item_text(doc: "Document", item: "Item") -> str:
    """The item's text as written (marker included), as prompt data."""
    return as_data(doc.norm.orig_text(item.start, item.end))


def items_in(doc: "Document", items: list["Item"] | None = None) -> list[ItemIn]:
    return [ItemIn(id=it.id, kind=KIND_LABEL.get(it.kind, it.kind), aspect=it.aspect, text=item_text(doc, it))
            for it in (doc.items if items is None else items)]


def member_in(notes: "RoleNotes | None") -> MemberIn:
    if notes is None:
        return MemberIn(role="（未提供）", party_duties=[])
    return MemberIn(role=as_data(notes.role), party_duties=[as_data(d) for d in notes.party_duties])


def render_critique(doc: "Document", structure: Any, notes: "RoleNotes | None",
                    rule_findings: list[tuple[str, "Finding"]]) -> Rendered:
    kinds = {it.kind for it in doc.items}
    checks = [CheckIn(id=c.id, applies=KIND_LABEL[c.applies], question=c.question)
              for c in config().checks if c.applies in kinds]
    text = doc.norm.original
    data = CritiqueInput(
        structure=as_data(getattr(structure, "title", None) or "（未识别）"),
        member=member_in(notes), checks=checks, items=items_in(doc),
        rule_findings=[RuleFindingIn(id=rid, item=f.item or "", category=f.category, message=as_data(f.message),
                                     quote=as_data(text[f.start:f.end])) for rid, f in rule_findings],
    )
    return render("critique", data)


def render_revise(doc: "Document", targets: list[tuple[str, "Finding"]], notes: "RoleNotes | None") -> Rendered:
    text = doc.norm.original
    addable = config().addable_rules
    wanted = {f.item for _, f in targets if f.item}
    notes_in = None
    if notes is not None:
        notes_in = NotesIn(
            role=as_data(notes.role), party_duties=[as_data(d) for d in notes.party_duties],
            facts=[as_data(f) for f in notes.facts], feedback=[as_data(f) for f in notes.feedback],
            last_year=[as_data(f"{i.measure}（{STATUS_LABELS[i.status]}）" + (f"：{i.note}" if i.note else "")) for i in notes.last_year],
            self_assessment=[as_data(s) for s in notes.self_assessment],
        )
    data = ReviseInput(
        targets=[TargetIn(id=tid, item=f.item, span=as_data(text[f.start:f.end]), message=as_data(f.message),
                          suggestion=as_data(f.suggestion), addable=f.rule in addable) for tid, f in targets],
        items=items_in(doc, [it for it in doc.items if it.id in wanted]),
        notes=notes_in,
    )
    return render("revise", data)
