"""Outline mode (提纲): what drafting produces when no model is configured.

Deterministic and offline. Every fact, opinion and self-assessment of the notes is
placed under the aspect it fits (the structure's aspect keywords, and words shared with
the aspect's title and guidance, segmented with rjieba); each problem slot carries the
questions the member must answer (【待补：……】); each problem gets a matching measure
slot; the causes section lists the structure's cause dimensions as questions; last
year's measures are listed with their status. Headings and numbering are the ones the
reviewer's parser reads, so the outline reviews like any draft. Wording: outline.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.notes import RoleNotes
from service.prompts import aspect_heading, cn, section_plan

TEXTS_FILE = Path(__file__).parent / "outline.yaml"


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Slot:
    kind: str        # fact | feedback | self
    index: int       # 1-based index in its notes list
    text: str


def _clean(text: str) -> str:
    return " ".join(text.split()).rstrip("。；;.，, ")


@lru_cache(maxsize=1)
def _topics() -> dict[str, frozenset[str]]:
    """word → topic groups, from the reviewer's matching lexicon (纳税人 = 群众 = 学生家长)."""
    from service.review.lexicon import load

    out: dict[str, set[str]] = {}
    for group, words in (load("matching").get("topics") or {}).items():
        for w in words:
            out.setdefault(w, set()).add("#" + group)
    return {w: frozenset(g) for w, g in out.items()}


@lru_cache(maxsize=4096)
def _concepts(text: str) -> frozenset[str]:
    """Content words of ``text`` and the topic groups they belong to."""
    import rjieba

    stop, topics = set(texts()["stopwords"]), _topics()
    words = {w for w in rjieba.cut(text) if len(w) >= 2 and w not in stop and not w.isascii()}
    words |= {w for w in topics if len(w) >= 2 and w in text}
    return frozenset(words | {g for w in words for g in topics.get(w, ())})


def _score(slot_text: str, aspect: Any) -> float:
    """Keyword hits (3 each) + shared words/topics with the aspect's title, aliases,
    keywords and guidance (1 each)."""
    keywords = sum(3.0 for k in aspect.keywords if k and k in slot_text)
    vocab = _concepts(" ".join([aspect.title, *aspect.aliases, *aspect.keywords, aspect.guidance or ""]))
    return keywords + len(_concepts(slot_text) & vocab)


def place(notes: RoleNotes, structure: Any) -> dict[int, list[Slot]]:
    """aspect number → the notes' items placed under it, in notes order. Each item goes
    to its best-scoring aspect; with no evidence at all, to the aspect with the fewest
    items so far (lowest number on a tie). Unverified aspects receive items only when
    every aspect is unverified."""
    slots = [Slot("fact", i, t) for i, t in enumerate(notes.facts, 1)]
    slots += [Slot("feedback", i, t) for i, t in enumerate(notes.feedback, 1)]
    slots += [Slot("self", i, t) for i, t in enumerate(notes.self_assessment, 1)]
    aspects = [a for a in structure.aspects if a.verified] or list(structure.aspects)
    placed: dict[int, list[Slot]] = {a.number: [] for a in structure.aspects}
    for slot in slots:
        scores = [(_score(slot.text, a), a.number) for a in aspects]
        best = max(s for s, _ in scores)
        if best > 0:
            number = min(n for s, n in scores if s == best)
        else:
            number = min((len(placed[a.number]), a.number) for a in aspects)[1]
        placed[number].append(slot)
    return placed


def _headline(text: str, limit: int = 24) -> str:
    """A clause that names an item, for 针对“……”的问题: the first clause of at least
    8 characters (the longest one otherwise). No punctuation inside, so the reviewer's
    reference matcher reads it whole."""
    text = re.sub(r"[（(][^）)]*[）)]", "", text).replace("“", "").replace("”", "")
    clauses = [c for c in re.split(r"[，,；;。：:！!？?、]", text) if c.strip()]
    head = next((c for c in clauses if len(c) >= 8), max(clauses, key=len) if clauses else text)
    return head[:limit]


def outline(notes: RoleNotes, structure: Any) -> str:
    """The outline text for ``notes`` under ``structure``."""
    t = texts()
    placed = place(notes, structure)
    lines = [t["title"].format(year=structure.year, meeting=structure.meeting), "".join(t["notice"]), t["preamble"]]
    problem_heads: list[str] = []
    for number, section in enumerate(section_plan(structure, notes), 1):
        lines.append(f"{cn(number)}、{section.title}")
        if section.kind == "problems":
            for aspect in structure.aspects:
                lines.append(aspect_heading(aspect.number, aspect.title))
                items = []
                if not aspect.verified:
                    items.append(t["problem"]["unverified"])
                for slot in placed[aspect.number]:
                    items.append(t["problem"][slot.kind].format(text=_clean(slot.text)))
                    problem_heads.append(_headline(_clean(slot.text)))
                if not placed[aspect.number]:
                    items.append(t["problem"]["empty"].format(aspect=aspect.title))
                    problem_heads.append(f"“{aspect.title}”方面待补")
                lines += [f"{cn(i)}是{item}" for i, item in enumerate(items, 1)]
        elif section.kind == "causes":
            lines += [f"（{cn(i)}）" + t["cause"].format(dimension=d)
                      for i, d in enumerate(structure.cause_dimensions, 1)]
        elif section.kind == "measures":
            lines += [f"（{cn(i)}）" + t["measure"].format(problem=head)
                      for i, head in enumerate(problem_heads, 1)]
        elif section.kind == "followup":
            if notes.last_year:
                lines += [f"（{cn(i)}）" + t["followup"][item.status].format(
                    measure=_clean(item.measure), note=(_clean(item.note) + "。") if item.note else "")
                    for i, item in enumerate(notes.last_year, 1)]
            else:
                lines.append("（一）" + t["followup"]["empty"])
        elif section.kind == "case":
            lines.append("（一）" + t["case"])
        else:
            lines.append("（一）" + t["other"])
    return "\n".join(lines) + "\n"
