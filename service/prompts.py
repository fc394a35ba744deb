"""Prompt templates: Jinja2 files in ``prompts/`` rendered from a typed input model.

- One *task* = an input model + its message templates (``<task>.system.j2``,
  ``<task>.user.j2``). Templates are repository files; user text enters only as
  variables (never ``from_string``), already cleaned by :func:`as_data` so it cannot
  close the data delimiters.
- ``StrictUndefined``; :func:`check_templates` (run on first use and in the tests)
  verifies, with ``jinja2.meta.find_undeclared_variables``, that each task's templates
  use exactly the fields of its input model.
- Every render is identified as ``<task>@<template hash>`` and carries the sha256 of
  the template sources and of the rendered messages; results record both.

No litellm here; Jinja2 is imported on first use (the review path never loads it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from service.notes import STATUS_LABELS, RoleNotes

CN_NUMERALS = "一二三四五六七八九十"


def _find_prompts_dir() -> Path:
    """``DUIZHAO_PROMPTS_DIR`` overrides; the source tree first; an installed copy under
    ``<prefix>/share/duizhao/prompts`` is the fallback (as for structures)."""
    env = os.environ.get("DUIZHAO_PROMPTS_DIR")
    candidates = ([Path(env)] if env else []) + [
        Path(__file__).resolve().parent.parent / "prompts", Path(sys.prefix) / "share" / "duizhao" / "prompts"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


PROMPTS_DIR = _find_prompts_dir()


def cn(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二 (numbering up to 99)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def as_data(text: str | None) -> str:
    """A member's string made safe to sit between data delimiters: one line, no
    control or bidi characters, and no ``<``/``>`` (so it cannot open or close a tag)."""
    if text is None:
        return ""
    text = _CONTROL.sub(" ", str(text))
    text = text.replace("<", "＜").replace(">", "＞")
    return " ".join(text.split())


# ---- input models ---------------------------------------------------------------------

class _In(BaseModel):
    model_config = {"frozen": True, "extra": "forbid"}


class AspectIn(_In):
    number: int
    heading: str            # （一）“对照……”方面
    title: str
    guidance: str
    verified: bool


class SectionIn(_In):
    kind: str
    heading: str            # 一、查摆的突出问题
    title: str


class StructureIn(_In):
    id: str
    title: str
    meeting: str
    year: int
    theme: str | None
    aspects: list[AspectIn]
    sections: list[SectionIn]
    cause_dimensions: list[str]
    required_terms: list[str]
    expected_terms: list[str]


class MemberIn(_In):
    role: str
    unit: str | None
    party_duties: list[str]
    years_in_party: int | None
    background: str | None


class LastYearIn(_In):
    measure: str
    status: str             # 已完成 | 部分完成 | 未完成
    note: str | None


class Formulation(_In):
    term: str
    exact: str
    verb: str | None = None


class DraftInput(_In):
    """Everything the draft prompt may use. Built by :func:`draft_input`."""

    structure: StructureIn
    member: MemberIn
    facts: list[str]
    feedback: list[str]
    last_year: list[LastYearIn]
    self_assessment: list[str]
    formulations: list[Formulation]
    name: str | None


TASKS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "draft": (DraftInput, ("draft.system.j2", "draft.user.j2")),
}
ROLES = {"system": "system", "user": "user"}


def register_task(name: str, model: type[BaseModel], templates: tuple[str, ...]) -> None:
    """Add a task (e.g. the critique pass); checked like the built-in ones."""
    TASKS[name] = (model, templates)
    _checked.cache_clear()


# ---- building the draft input ------------------------------------------------------------

def section_plan(structure: Any, notes: RoleNotes) -> list[Any]:
    """The sections a draft writes, in the structure's order: problems, causes and
    measures always; the first follow-up section when the notes have last year's
    measures (or it is required); every other required section (e.g. case analysis)."""
    plan, followup_done = [], False
    for s in structure.sections:
        if s.kind in ("problems", "causes", "measures"):
            plan.append(s)
        elif s.kind == "followup":
            if s.required or (notes.last_year and not followup_done):
                plan.append(s)
                followup_done = True
        elif s.required:
            plan.append(s)
    return plan


def aspect_heading(number: int, title: str) -> str:
    return f"（{cn(number)}）“{title}”方面"


@lru_cache(maxsize=1)
def formulations() -> tuple[Formulation, ...]:
    data = yaml.safe_load((PROMPTS_DIR / "formulations.yaml").read_text(encoding="utf-8"))
    return tuple(Formulation(**f) for f in data)


def structure_input(structure: Any, notes: RoleNotes) -> StructureIn:
    sections = [SectionIn(kind=s.kind, heading=f"{cn(i)}、{s.title}", title=s.title)
                for i, s in enumerate(section_plan(structure, notes), 1)]
    terms = getattr(structure, "terms", None)
    return StructureIn(
        id=structure.id, title=structure.title, meeting=structure.meeting, year=structure.year,
        theme=structure.theme,
        aspects=[AspectIn(number=a.number, heading=aspect_heading(a.number, a.title), title=a.title,
                          guidance=a.guidance or "", verified=bool(a.verified)) for a in structure.aspects],
        sections=sections, cause_dimensions=list(structure.cause_dimensions),
        required_terms=list(getattr(terms, "required", []) or []),
        expected_terms=list(getattr(terms, "expected", []) or []),
    )


def draft_input(notes: RoleNotes, structure: Any, *, include_name: bool = False) -> DraftInput:
    """The draft prompt's input: the structure, and the notes as cleaned data."""
    return DraftInput(
        structure=structure_input(structure, notes),
        member=MemberIn(role=as_data(notes.role), unit=as_data(notes.unit) or None,
                        party_duties=[as_data(d) for d in notes.party_duties],
                        years_in_party=notes.years_in_party, background=as_data(notes.background) or None),
        facts=[as_data(f) for f in notes.facts],
        feedback=[as_data(f) for f in notes.feedback],
        last_year=[LastYearIn(measure=as_data(i.measure), status=STATUS_LABELS[i.status],
                              note=as_data(i.note) or None) for i in notes.last_year],
        self_assessment=[as_data(s) for s in notes.self_assessment],
        formulations=list(formulations()),
        name=as_data(notes.name) if include_name and notes.name else None,
    )


# ---- rendering ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    task: str
    messages: list[dict[str, str]]
    template_hash: str      # sha256 of the task's template sources
    rendered_hash: str      # sha256 of the rendered messages (JSON)

    @property
    def id(self) -> str:
        return f"{self.task}@{self.template_hash[:12]}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "template_sha256": self.template_hash, "rendered_sha256": self.rendered_hash}


class PromptTemplateError(RuntimeError):
    """A template does not match its input model (a developer error, caught by tests)."""


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPTS_DIR)), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["cn"] = cn
    return env


def _source(name: str) -> str:
    return (PROMPTS_DIR / name).read_text(encoding="utf-8")


def template_variables(name: str) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(environment().parse(_source(name))))


def check_templates() -> dict[str, str]:
    """Check every task's templates against its input model; return task → template
    hash. Raises :class:`PromptTemplateError` naming the difference."""
    return dict(_checked())


@lru_cache(maxsize=1)
def _checked() -> tuple[tuple[str, str], ...]:
    out = []
    for task, (model, names) in TASKS.items():
        fields = set(model.model_fields)
        used: set[str] = set()
        for name in names:
            if not (PROMPTS_DIR / name).is_file():
                raise PromptTemplateError(f"prompt template {name} (task {task}) is missing")
            found = template_variables(name)
            unknown = found - fields
            if unknown:
                raise PromptTemplateError(f"{name}: variables not in {model.__name__}: {sorted(unknown)}")
            used |= found
        unused = fields - used
        if unused:
            raise PromptTemplateError(f"task {task}: fields of {model.__name__} no template uses: {sorted(unused)}")
        out.append((task, template_hash(task)))
    return tuple(out)


def template_hash(task: str) -> str:
    h = hashlib.sha256()
    for name in TASKS[task][1]:
        h.update(name.encode() + b"\0" + _source(name).encode("utf-8") + b"\0")
    return h.hexdigest()


def render(task: str, data: BaseModel) -> Rendered:
    """Render a task's messages from its input model instance."""
    model, names = TASKS[task]
    if not isinstance(data, model):
        raise TypeError(f"task {task} needs {model.__name__}, got {type(data).__name__}")
    hashes = dict(_checked())
    context = {k: getattr(data, k) for k in model.model_fields}
    messages = []
    for name in names:
        role = name.split(".")[-2]
        text = environment().get_template(name).render(**context).strip() + "\n"
        messages.append({"role": ROLES[role], "content": text})
    rendered = hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return Rendered(task=task, messages=messages, template_hash=hashes[task], rendered_hash=rendered)


def render_draft(notes: RoleNotes, structure: Any, *, include_name: bool = False) -> Rendered:
    return render("draft", draft_input(notes, structure, include_name=include_name))
