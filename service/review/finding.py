"""Findings: what a rule reports, in the contract of design.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# design.md "Finding categories": fixed vocabulary, rules may share one.
CATEGORIES: frozenset[str] = frozenset(
    """structure_missing structure_extra numbering formulaic disguised_praise
    suggestion_not_criticism not_own_problem work_report objective_excuse cause_gap
    unmatched_problem orphan_measure vague_measure last_year_missing feedback_unaddressed
    case_analysis_missing nonstandard_term ungrounded_fact quotation_unverified
    template_copy length_balance register confidential ai_flavour placeholder
    pinyin_substitution typo""".split()
)

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SOURCES: tuple[str, ...] = ("rules", "llm")

# domain.md rubric severities → contract severities
RUBRIC_SEVERITY = {"B": "error", "M": "warning", "m": "info"}


@dataclass(slots=True)
class Finding:
    """One problem the reviewer found. ``start``/``end`` index the original text."""

    rule: str
    category: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str
    item: str | None = None
    source: str = "rules"
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        extra = d.pop("extra")
        if extra:
            d.update(extra)
        return d
