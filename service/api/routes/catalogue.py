"""``GET /v1/rules``, ``GET /v1/structures``, ``GET /v1/structures/{id}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from service.api.errors import ApiError
from service.api.schemas import ErrorOut, RuleOut, RulesOut, StructureOut, StructuresOut, StructureSummary

router = APIRouter(tags=["catalogue"])


@router.get("/rules", operation_id="listRules", response_model=RulesOut, summary="审读规则目录（含说明）")
def list_rules() -> Any:
    from service.review.registry import all_rules

    rules = [RuleOut(code=r.code, name=r.name, category=r.category, severity=r.severity, rubric=list(r.rubric),
                     summary=r.summary, doc=r.doc) for r in all_rules()]
    return RulesOut(count=len(rules), rules=rules)


@router.get("/structures", operation_id="listStructures", response_model=StructuresOut,
            summary="各年度组织生活会、民主生活会的方面结构配置")
def list_structures() -> Any:
    from service.structures import list_structures as structures

    items = [StructureSummary(id=s.id, title=s.title, meeting=s.meeting, year=s.year, theme=s.theme,
                              confidence=s.confidence, aspects=len(s.aspects)) for s in structures()]
    return StructuresOut(count=len(items), structures=items)


@router.get("/structures/{structure_id}", operation_id="getStructure", response_model=StructureOut,
            summary="一个结构配置的全部内容",
            responses={404: {"model": ErrorOut, "description": "没有这个结构"}})
def get_structure(structure_id: str = Path(max_length=100, description="结构 ID，如 org-life-2021")) -> Any:
    from service.structures import StructureError
    from service.structures import get_structure as lookup

    try:
        s = lookup(structure_id, allow_path=False)  # an HTTP id never names a file
    except StructureError as exc:
        raise ApiError(404, "unknown_structure", str(exc)) from None
    return s.model_dump(mode="json")
