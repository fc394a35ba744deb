"""Role notes: the member's own facts, the only source of facts for a draft.

Contract (design.md "Role notes"): YAML or JSON, English keys or their Chinese aliases
(职务/岗位, 单位, 党内职务, 党龄, 经历, 结构, 年度, 会议, 事实, 意见, 上年度整改, 自我查摆, 姓名).

- :func:`load_notes` reads a file, text or bytes and returns :class:`RoleNotes`;
  :func:`parse_notes` validates an already-decoded mapping (e.g. an HTTP body).
- Every problem raises :class:`NotesError`, whose ``str()`` is ONE Chinese line naming
  the field and the problem, e.g. ``角色笔记无效：facts（事实）至少需要一条``.
- Size is bounded (:data:`MAX_CHARS` characters of content in all); YAML anchors and
  aliases are refused (no expansion bombs).

Pure and light: pydantic and PyYAML only (the review path imports this module).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from service.errors import InputError

MAX_CHARS = 20_000          # content characters in all (every string value)
MAX_SOURCE_CHARS = 60_000   # raw file size (keys, indentation, comments included)
MAX_ITEMS = 200             # entries per list

# field name → (Chinese label, accepted Chinese keys). Order = order in messages/prompts.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "role": ("职务", ("职务", "岗位")),
    "unit": ("单位", ("单位",)),
    "party_duties": ("党内职务", ("党内职务",)),
    "years_in_party": ("党龄", ("党龄",)),
    "background": ("经历", ("经历",)),
    "structure": ("结构", ("结构",)),
    "year": ("年度", ("年度",)),
    "meeting": ("会议", ("会议",)),
    "facts": ("事实", ("事实",)),
    "feedback": ("意见", ("意见",)),
    "last_year": ("上年度整改", ("上年度整改",)),
    "self_assessment": ("自我查摆", ("自我查摆",)),
    "name": ("姓名", ("姓名",)),
}
LAST_YEAR_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "measure": ("措施", ("措施", "整改措施")),
    "status": ("完成情况", ("完成情况", "状态")),
    "note": ("说明", ("说明", "备注")),
}
STATUS_ALIASES = {
    "done": "done", "已完成": "done", "完成": "done", "已落实": "done",
    "partial": "partial", "部分完成": "partial", "基本完成": "partial", "部分落实": "partial",
    "not_done": "not_done", "未完成": "not_done", "没有完成": "not_done", "未落实": "not_done",
}
STATUS_LABELS = {"done": "已完成", "partial": "部分完成", "not_done": "未完成"}
MEETINGS = {"组织生活会": "org-life", "民主生活会": "dem-life"}


class NotesError(InputError):
    """Invalid or unreadable role notes; ``str(err)`` is one Chinese line (CLI exit 2,
    HTTP 422)."""

    code = "invalid_notes"


def _aliases(table: dict, name: str) -> AliasChoices:
    return AliasChoices(name, *table[name][1])


def _text(value: Any) -> Any:
    """Coerce scalars YAML may have typed (numbers, dates) to stripped text; a one-pair
    mapping (YAML read ``- 同事反映: 三次未补开`` as a dict) back to ``key: value``."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)) or type(value).__name__ in ("date", "datetime"):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (k, v), = value.items()
        if isinstance(k, (str, int)) and isinstance(v, (str, int, float)):
            return f"{k}: {v}"
    if isinstance(value, str):
        return value.strip()
    return value


def _text_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        out = [_text(v) for v in value]
        return [v for v in out if not (isinstance(v, str) and v == "")]
    return value


def _number(value: Any) -> Any:
    """Accept 8, "8", "8年", "2021年度"."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,4})\s*(年度|年)?\s*", value)
        if m:
            return int(m.group(1))
    return value


def _check_duplicate_keys(data: Any, table: dict) -> None:
    if not isinstance(data, dict):
        return
    for name, (label, chinese) in table.items():
        present = [k for k in (name, *chinese) if k in data]
        if len(present) > 1:
            raise PydanticCustomError(
                "duplicate_key", "{field}（{label}）重复：同时写了 {keys}，只能写一个",
                {"keys": "、".join(present), "field": name, "label": label},
            )


class LastYearItem(BaseModel):
    """One of last year's measures and how it went."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str = Field(min_length=1, validation_alias=_aliases(LAST_YEAR_FIELDS, "measure"))
    status: Literal["done", "partial", "not_done"] = Field(
        validation_alias=_aliases(LAST_YEAR_FIELDS, "status"))
    note: str | None = Field(default=None, validation_alias=_aliases(LAST_YEAR_FIELDS, "note"))

    @model_validator(mode="before")
    @classmethod
    def _before(cls, data: Any) -> Any:
        if isinstance(data, str):  # a bare measure without status: say what is missing
            data = {"measure": data}
        _check_duplicate_keys(data, LAST_YEAR_FIELDS)
        return data

    @field_validator("measure", "note", mode="before")
    @classmethod
    def _strip(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        if isinstance(v, str):
            return STATUS_ALIASES.get(v.strip().lower().replace("-", "_"), v.strip())
        return v

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class RoleNotes(BaseModel):
    """A member's role notes (design.md contract). Build with :func:`load_notes` or
    :func:`parse_notes` to get :class:`NotesError` instead of pydantic errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = Field(min_length=1, max_length=200, validation_alias=_aliases(FIELDS, "role"))
    unit: str | None = Field(default=None, max_length=200, validation_alias=_aliases(FIELDS, "unit"))
    party_duties: list[str] = Field(default_factory=list, max_length=20,
                                    validation_alias=_aliases(FIELDS, "party_duties"))
    years_in_party: int | None = Field(default=None, ge=0, le=90,
                                       validation_alias=_aliases(FIELDS, "years_in_party"))
    background: str | None = Field(default=None, validation_alias=_aliases(FIELDS, "background"))
    structure: str | None = Field(default=None, max_length=300, validation_alias=_aliases(FIELDS, "structure"))
    year: int | None = Field(default=None, ge=2000, le=2100, validation_alias=_aliases(FIELDS, "year"))
    meeting: str | None = Field(default=None, validation_alias=_aliases(FIELDS, "meeting"))
    facts: list[str] = Field(min_length=1, max_length=MAX_ITEMS, validation_alias=_aliases(FIELDS, "facts"))
    feedback: list[str] = Field(default_factory=list, max_length=MAX_ITEMS,
                                validation_alias=_aliases(FIELDS, "feedback"))
    last_year: list[LastYearItem] = Field(default_factory=list, max_length=MAX_ITEMS,
                                          validation_alias=_aliases(FIELDS, "last_year"))
    self_assessment: list[str] = Field(default_factory=list, max_length=MAX_ITEMS,
                                       validation_alias=_aliases(FIELDS, "self_assessment"))
    name: str | None = Field(default=None, max_length=50, validation_alias=_aliases(FIELDS, "name"))

    @model_validator(mode="before")
    @classmethod
    def _before(cls, data: Any) -> Any:
        _check_duplicate_keys(data, FIELDS)
        return data

    @field_validator("role", "unit", "background", "structure", "name", mode="before")
    @classmethod
    def _strip(cls, v: Any) -> Any:
        v = _text(v)
        return None if v == "" else v

    @field_validator("party_duties", "facts", "feedback", "self_assessment", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _text_list(v)

    @field_validator("last_year", mode="before")
    @classmethod
    def _last_year(cls, v: Any) -> Any:
        return [] if v is None else v

    @field_validator("years_in_party", "year", mode="before")
    @classmethod
    def _numbers(cls, v: Any) -> Any:
        return _number(v)

    @field_validator("meeting", mode="before")
    @classmethod
    def _meeting(cls, v: Any) -> Any:
        v = _text(v)
        if v in (None, ""):
            return None
        if isinstance(v, str):
            for zh, en in MEETINGS.items():
                if v.startswith(en):
                    return v.replace(en, zh, 1)
            if not any(zh in v for zh in MEETINGS):
                raise PydanticCustomError("meeting", "应为 组织生活会 或 民主生活会（可带“专题”），实际为“{v}”",
                                          {"v": v[:30]})
        return v

    @model_validator(mode="after")
    def _bounded(self) -> "RoleNotes":
        total = sum(len(s) for s in self._strings(include_name=True))
        if total > MAX_CHARS:
            raise PydanticCustomError("too_long_total", "内容共 {n} 字，超过上限 {m} 字，请精简",
                                      {"n": total, "m": MAX_CHARS})
        return self

    # ---- views -------------------------------------------------------------------
    def _strings(self, include_name: bool = False) -> list[str]:
        out = [self.role, self.unit or "", *self.party_duties, self.background or ""]
        out += self.facts + self.feedback
        for item in self.last_year:
            out += [item.measure, item.note or ""]
        out += self.self_assessment
        if include_name and self.name:
            out.append(self.name)
        return [s for s in out if s]

    def all_text(self) -> str:
        """Every statement of the member, one per line (role, unit, duties, background,
        facts, feedback, last-year measures and notes, self-assessment), never the name.
        This is what a draft's facts may be grounded in."""
        return "\n".join(self._strings())

    def for_model(self, include_name: bool = False) -> dict[str, Any]:
        """The notes as plain JSON data for a prompt: empty fields dropped, the name
        left out unless asked for."""
        data = self.model_dump(mode="json", exclude_none=True)
        if not include_name:
            data.pop("name", None)
        return {k: v for k, v in data.items() if v not in ([], "")}

    def structure_id(self) -> str | None:
        """The structure id the notes ask for: ``structure`` as given, else derived from
        ``year`` + ``meeting`` (``org-life-2021``, ``dem-life-2023-theme``), else None."""
        if self.structure:
            return self.structure
        if self.year and self.meeting:
            prefix = next(en for zh, en in MEETINGS.items() if zh in self.meeting)
            return f"{prefix}-{self.year}" + ("-theme" if "专题" in self.meeting else "")
        return None


# ---- loading -------------------------------------------------------------------------

class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases (``&a`` / ``*a``): no expansion bombs."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.events.AliasEvent):
            raise NotesError("角色笔记无效：不支持 YAML 锚点/别名（& 与 *），请直接写出内容")
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise NotesError("角色笔记无效：不支持 YAML 锚点/别名（& 与 *），请直接写出内容")
        return super().compose_node(parent, index)


def _looks_like_path(s: str) -> bool:
    if "\n" in s or s.lstrip().startswith("{") or len(s) > 1024:
        return False
    if s.lower().endswith((".yaml", ".yml", ".json")):
        return True
    try:
        return Path(s).is_file()
    except OSError:
        return False


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise NotesError("角色笔记无法解码：请以 UTF-8 编码保存")


def _parse_text(text: str, filename: str | None) -> Any:
    text = text.lstrip("\ufeff")
    if len(text) > MAX_SOURCE_CHARS:
        raise NotesError(f"角色笔记过长：文件共 {len(text)} 字符，超过上限 {MAX_SOURCE_CHARS}")
    if not text.strip():
        raise NotesError("角色笔记为空：至少需要 role（职务）和 facts（事实）")
    is_json = (filename or "").lower().endswith(".json") or text.lstrip().startswith("{")
    if is_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise NotesError(f"角色笔记不是有效的 JSON：第 {e.lineno} 行第 {e.colno} 列，{e.msg}") from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (safe loader subclass)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
        raise NotesError(f"角色笔记不是有效的 YAML：{where}格式错误（请检查缩进、冒号和括号）") from None
    except yaml.YAMLError:
        raise NotesError("角色笔记不是有效的 YAML：无法解析") from None


def load_notes(source: "str | Path | bytes | Mapping[str, Any]", *,
               filename: str | None = None) -> RoleNotes:
    """Load role notes from a file path, YAML/JSON text, bytes, or a decoded mapping.

    A ``Path`` (or a one-line ``str`` ending in .yaml/.yml/.json or naming an existing
    file) is read from disk; other strings and bytes are the content itself.
    ``filename`` only helps choose JSON vs YAML. Raises :class:`NotesError`.
    """
    if isinstance(source, Mapping):
        return parse_notes(source)
    if isinstance(source, str) and _looks_like_path(source):
        source = Path(source)
    if isinstance(source, Path):
        filename = filename or source.name
        try:
            if source.stat().st_size > MAX_SOURCE_CHARS * 4:
                raise NotesError(f"角色笔记过长：文件 {source.name} 超过上限 {MAX_SOURCE_CHARS} 字符")
            source = source.read_bytes()
        except FileNotFoundError:
            raise NotesError(f"无法读取角色笔记：文件 {source} 不存在") from None
        except IsADirectoryError:
            raise NotesError(f"无法读取角色笔记：{source} 是目录") from None
        except OSError as e:
            raise NotesError(f"无法读取角色笔记：{source}（{e.strerror or '读取失败'}）") from None
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_SOURCE_CHARS * 4:
            raise NotesError(f"角色笔记过长：超过上限 {MAX_SOURCE_CHARS} 字符")
        source = _decode(bytes(source))
    if not isinstance(source, str):
        raise NotesError("角色笔记无效：应为 YAML 或 JSON 文本")
    return parse_notes(_parse_text(source, filename))


def parse_notes(data: Any) -> RoleNotes:
    """Validate decoded notes (a mapping); raises :class:`NotesError`."""
    if not isinstance(data, Mapping):
        raise NotesError("角色笔记无效：顶层应为键值对（YAML 映射或 JSON 对象），至少包含 role（职务）和 facts（事实）")
    try:
        return RoleNotes.model_validate(dict(data))
    except ValidationError as e:
        raise NotesError(explain(e)) from None


# ---- messages ------------------------------------------------------------------------

def _where(loc: tuple) -> str:
    """('last_year', 0, 'status') → 'last_year 第1条 status（上年度整改·完成情况）'."""
    if not loc:
        return ""
    parts, labels = [], []
    table = FIELDS
    for p in loc:
        if isinstance(p, int):
            parts.append(f"第{p + 1}条")
            continue
        key = str(p)
        name = next((n for n, (_, zh) in table.items() if key == n or key in zh), None)
        parts.append(name or key)
        if name:
            labels.append(table[name][0])
            table = LAST_YEAR_FIELDS if name == "last_year" else table
    label = f"（{'·'.join(labels)}）" if labels else ""
    return " ".join(parts) + label


_PROBLEMS = {
    "missing": "缺失（必填）",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "int_type": "应为整数",
    "int_parsing": "应为整数（如 8）",
    "int_from_float": "应为整数",
    "model_type": "应为键值对",
    "dict_type": "应为键值对",
    "model_attributes_type": "应为键值对",
}


def explain(err: ValidationError) -> str:
    """One Chinese line for the first problem of a pydantic ValidationError."""
    errors = err.errors(include_url=False)
    # a misspelt key is the root cause of the "missing" error that comes with it
    e = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    kind, loc, ctx = e["type"], tuple(e.get("loc", ())), e.get("ctx") or {}
    where = _where(loc)
    if kind == "too_short":
        problem = "至少需要一条"
    elif kind == "too_long":
        problem = f"条目过多（上限 {ctx.get('max_length')} 条）"
    elif kind == "string_too_long":
        problem = f"过长（上限 {ctx.get('max_length')} 字）"
    elif kind == "string_too_short":
        problem = "不能为空"
    elif kind in ("greater_than_equal", "less_than_equal"):
        problem = f"数值不合理（{e.get('input')}）"
    elif kind == "literal_error" and loc and loc[-1] in ("status", "完成情况", "状态"):
        problem = f"应为 done/partial/not_done（或 已完成/部分完成/未完成），实际为“{str(e.get('input'))[:20]}”"
    elif kind == "missing" and len(loc) == 1 and loc[0] == "facts":
        problem = "缺失：至少需要一条本年度的具体事实"
    elif kind == "missing" and loc and loc[-1] == "status":
        problem = "缺失：请写明 已完成/部分完成/未完成"
    elif kind == "extra_forbidden":
        allowed = LAST_YEAR_FIELDS if len(loc) > 1 else FIELDS
        return (f"角色笔记无效：未知字段“{where}”（可用字段："
                + "、".join(f"{k}/{v[0]}" for k, v in allowed.items()) + "）")
    elif kind == "duplicate_key":
        return f"角色笔记无效：{e['msg']}"
    elif kind in ("meeting", "too_long_total"):
        problem = e["msg"]
    else:
        problem = _PROBLEMS.get(kind, "格式不正确")
    return f"角色笔记无效：{where}{problem}" if where else f"角色笔记无效：{problem}"
