"""Request and response bodies of the HTTP API (design.md "HTTP API", "Review result").

Field limits are part of the contract (``max_length``); the request body as a whole is
bounded by :class:`service.api.limits.BodySizeLimit`. Output models allow extra keys
so a field the reviewer adds later reaches the caller instead of being dropped.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_TEXT_CHARS = 50_000        # review text (settings.max_text_chars may lower it)
MAX_NOTES_CHARS = 60_000       # notes given as YAML/JSON text (service.notes.MAX_SOURCE_CHARS)
MAX_ID_CHARS = 100

NotesText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NOTES_CHARS)]
Notes = dict[str, Any] | NotesText


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---- errors ------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    code: str = Field(description="稳定的错误代码（英文），如 validation_error、not_found")
    message: str = Field(description="给用户看的中文说明")


class ErrorOut(BaseModel):
    error: ErrorDetail


# ---- reviews -----------------------------------------------------------------------------

class ReviewRequest(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="待审读的材料全文")
    structure: str | None = Field(default=None, max_length=MAX_ID_CHARS,
                                  description="结构 ID（如 org-life-2021）；省略时按角色笔记或正文自动识别")
    notes: Notes | None = Field(default=None, description="角色笔记（对象，或 YAML/JSON 文本），用于核对事实")
    llm: bool = Field(default=False, description="规则检查之后再请模型审读")


class ReviewItem(_Out):
    id: str
    kind: Literal["problem", "cause", "measure", "followup"]
    aspect: int | None = None
    start: int
    end: int


class ReviewMatch(_Out):
    problem: str
    measures: list[str]
    score: float


class ReviewFinding(_Out):
    rule: str
    category: str
    severity: Literal["error", "warning", "info"]
    start: int
    end: int
    item: str | None = None
    source: Literal["rules", "llm"]
    message: str
    suggestion: str


class Critique(_Out):
    status: Literal["off", "ok", "unavailable"]
    model: str | None = None
    reason: str | None = None


class ReviewResult(_Out):
    structure: str | None
    items: list[ReviewItem]
    matches: list[ReviewMatch]
    findings: list[ReviewFinding]
    scores: dict[str, float]
    verdict: Literal["可提交", "需修改", "不达标"]
    critique: Critique


# ---- catalogue ---------------------------------------------------------------------------

class RuleOut(BaseModel):
    code: str
    name: str
    category: str
    severity: Literal["error", "warning", "info"]
    rubric: list[str]
    summary: str = Field(description="规则的中文标题")
    doc: str = Field(description="完整说明：检查什么、为什么、示例、应改为、来源")


class RulesOut(BaseModel):
    count: int
    rules: list[RuleOut]


class StructureSummary(BaseModel):
    id: str
    title: str
    meeting: str
    year: int
    theme: str | None
    confidence: str
    aspects: int = Field(description="方面个数")


class StructuresOut(BaseModel):
    count: int
    structures: list[StructureSummary]


class StructureOut(_Out):
    id: str
    title: str
    meeting: str
    year: int
    aspects: list[dict[str, Any]]
    sections: list[dict[str, Any]]


# ---- drafts ------------------------------------------------------------------------------

class DraftRequest(_In):
    notes: Notes = Field(description="角色笔记（对象，或 YAML/JSON 文本）：起草唯一的事实来源")
    structure: str | None = Field(default=None, max_length=MAX_ID_CHARS,
                                  description="结构 ID；省略时用角色笔记中的 structure 或 year + meeting")
    model: str | None = Field(default=None, max_length=200,
                              description="模型（须为服务端允许的模型之一）；省略时用服务端配置")
    rounds: int | None = Field(default=None, ge=0, le=2, description="修改轮数上限（0–2）")


DraftStatus = Literal["running", "done", "failed", "cancelled"]


class DraftSummary(BaseModel):
    id: str
    status: DraftStatus
    structure: str | None
    model: str | None
    verdict: str | None
    chars: int
    created_at: str
    updated_at: str
    finished_at: str | None


class RevisionRound(_Out):
    round: int = Field(description="轮次：0 为初稿，n 为第 n 轮修改后的稿子")
    text: str = Field(description="本轮全文")
    diff: str | None = Field(description="与上一轮相比的统一差异（unified diff）；第 0 轮为 null")
    verdict: str | None = Field(description="本轮审读结论")
    scores: dict[str, float] = Field(description="本轮审读分数")
    findings: dict[str, int] = Field(description="本轮各级别问题个数：error、warning、info")


class RevisionOut(_Out):
    rounds: list[RevisionRound]
    best: int = Field(description="保留的一轮（其全文即草稿的 text）")
    stopped: str = Field(description="停止原因代码，如 converged、max_rounds、worse、no_blocking")
    message: str | None = Field(description="停止原因的中文说明")
    max_rounds: int = Field(description="修改轮数上限")


class DraftOut(DraftSummary):
    rounds: int
    notes: dict[str, Any]
    prompts: Any = None
    text: str
    review: dict[str, Any] | None
    usage: dict[str, Any] | None
    error: dict[str, Any] | None
    revision: RevisionOut | None = Field(default=None, description="各轮修改（审读—修改循环）；没有进行修改时为 null")


class DraftsOut(BaseModel):
    count: int = Field(description="该调用者的草稿总数")
    drafts: list[DraftSummary]


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
