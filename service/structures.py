"""Structure configurations: the aspects and sections a year's material must have.

A *structure* says what a given meeting's 个人对照检查材料 is checked against: meeting type,
year, theme, the required aspects (方面/对照/带头/检视), the sections (查摆问题 / 原因剖析 /
整改措施 / 上年度整改 / 案例剖析), the dimensions causes must cover, and the year's terms.
Structures are data (``prompts/structures/<id>.yaml``, domain.md §3), never code; a branch
secretary can pass a custom YAML or JSON file with the same fields.

File format (UTF-8 YAML or JSON; unknown keys are errors)::

    id: org-life-2021            # org-life-YYYY | dem-life-YYYY | ...-theme (专题); file stem for built-ins
    meeting: 组织生活会          # 组织生活会 | 民主生活会
    year: 2021
    theme: 党史学习教育          # or null when the notice's theme is not known
    title: 2021年度组织生活会“四个对照”（党史学习教育）
    confidence: H                # H confirmed | M one report | L recollection (default M)
    sources: [domain.md §3（公开报道汇总）]   # free text; no invented URLs
    markers: [四个对照]          # phrases that identify this structure in a text (detection)
    aspects:                     # numbered 1..n in order
      - number: 1
        title: 对照党中央和习近平总书记的号召和要求   # exact official wording
        aliases: [对照党中央的号召和要求]            # shorter forms people write
        keywords: [号召, 学习, 理论]                 # place a member's facts under the aspect
        guidance: 一两句中文：这个方面查什么。       # goes into the drafting prompt
        confidence: H
        verified: true           # must be false for L items and for placeholder titles
    sections:                    # kind: problems | causes | measures | followup | case
      - {kind: problems, title: 查摆的突出问题, aliases: [查摆问题], required: true}
    cause_dimensions: [理想信念, 宗旨意识, 党性修养, 纪律规矩]   # 民主生活会 adds 权力观, 政绩观
    terms: {required: [党史学习教育], expected: [学史明理、学史增信、学史崇德、学史力行]}
    notes: 自由文本说明

An aspect the sources do not confirm carries a placeholder title such as
``第三个带头（待核实，请按通知原文填写）`` with ``verified: false``; it is never matched
against a text and must be filled in from the notice before use.

Matching (``match_aspect``, ``match_section``): headings and titles are normalized the same
way (NFKC, leading numbering such as （一）/一、/1. dropped, every punctuation mark and quote
removed, fillers such as 方面/方面存在的问题 at the end and 在/关于 at the start dropped) and
compared with rapidfuzz's normalized Indel similarity (``fuzz.ratio``, no processor: its
default processor mangles CJK punctuation). A heading is also tried cut at its first
colon and first comma. A score ≥ ``MATCH_THRESHOLD`` (0.75) is a match: an exact title or
alias scores 1.0, a one-character variant of a long title ~0.95, while an item headline
that merely starts with a short aspect word (理论学习有所松懈 vs 理论学习) stays ≈ 0.67.

Detection (``detect_structure``) weighs the title's year, ``YYYY年度`` in the opening
lines, the meeting type (组织生活会/民主生活会, also the pinyin stand-in ``zuzhi``),
the theme, the structure's markers and the share of its aspects found among the text's
headings; below ``DETECT_MIN_SCORE`` no structure is chosen.

Cost of detection (~0.2 ms on a 5,000-character material): cutting the short and numbered
lines into heading pieces is most of it; a piece is scored with rapidfuzz (one
``process.extract`` over the aspect keys) only when its length and its characters allow
the cutoff (``_Index.window``, ``_Index.could_match``: a bound, so the result is the same
as scoring every piece), which leaves the few aspect-like headings.

This module must stay light: pydantic, PyYAML and rapidfuzz only (no litellm, no FastAPI).
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

__all__ = [
    "Aspect", "SectionSpec", "Terms", "Structure", "StructureError", "Detection",
    "STRUCTURE_DIR", "MATCH_THRESHOLD", "DETECT_MIN_SCORE",
    "list_structures", "structure_ids", "get_structure", "load_structure",
    "match_aspect", "match_section", "detect_structure", "normalize_heading",
]

MATCH_THRESHOLD = 0.75      # match_aspect / match_section: score needed for a match
DETECT_MIN_SCORE = 0.30     # detect_structure: evidence needed to choose a structure

Confidence = Literal["H", "M", "L"]
MeetingType = Literal["组织生活会", "民主生活会"]
SectionKind = Literal["problems", "causes", "measures", "followup", "case"]
CORE_SECTION_KINDS = ("problems", "causes", "measures")
CONFIDENCE_LABELS = {"H": "高", "M": "中", "L": "低"}
SECTION_KIND_LABELS = {
    "problems": "查摆问题", "causes": "原因剖析", "measures": "整改措施",
    "followup": "整改落实情况", "case": "案例剖析",
}
_PLACEHOLDER_MARKS = ("待核实", "请按通知原文填写")


class StructureError(Exception):
    """A structure could not be found, read or validated. ``str()`` is one Chinese line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


# ---------------------------------------------------------------------------- models

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Aspect(_Model):
    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    guidance: str = ""
    confidence: Confidence = "M"
    verified: bool = True

    @property
    def is_placeholder(self) -> bool:
        """A stand-in title for an unconfirmed aspect (never matched against texts)."""
        return any(mark in self.title for mark in _PLACEHOLDER_MARKS)

    @model_validator(mode="after")
    def _honest(self) -> "Aspect":
        if self.confidence == "L" and self.verified:
            raise ValueError(f"第 {self.number} 个方面把握为 L，verified 必须为 false")
        if self.is_placeholder and self.verified:
            raise ValueError(f"第 {self.number} 个方面标题注明待核实，verified 必须为 false")
        return self


class SectionSpec(_Model):
    kind: SectionKind
    title: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    required: bool = True


class Terms(_Model):
    required: list[str] = Field(default_factory=list)
    expected: list[str] = Field(default_factory=list)


class Structure(_Model):
    id: str = Field(min_length=1, max_length=64)
    meeting: MeetingType
    year: int = Field(ge=2000, le=2100)
    theme: str | None = None
    title: str = Field(min_length=1)
    confidence: Confidence = "M"
    sources: list[str] = Field(default_factory=list)
    markers: list[str] = Field(default_factory=list)
    aspects: list[Aspect] = Field(min_length=1)
    sections: list[SectionSpec] = Field(min_length=1)
    cause_dimensions: list[str] = Field(min_length=1)
    terms: Terms = Field(default_factory=Terms)
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", v):
            raise ValueError("id 只能包含字母、数字和 - _ .，且以字母或数字开头")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Structure":
        numbers = [a.number for a in self.aspects]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"方面编号应从 1 起依次排列，实际为 {numbers}")
        kinds = {s.kind for s in self.sections}
        missing = [SECTION_KIND_LABELS[k] for k in CORE_SECTION_KINDS if k not in kinds]
        if missing:
            raise ValueError(f"sections 缺少{'、'.join(missing)}部分")
        m = re.match(r"(org|dem)-life-(\d{4})(?:\b|-)", self.id)
        if m:
            meeting = "组织生活会" if m.group(1) == "org" else "民主生活会"
            if meeting != self.meeting:
                raise ValueError(f"id {self.id} 表示{meeting}，meeting 却是{self.meeting}")
            if int(m.group(2)) != self.year:
                raise ValueError(f"id {self.id} 中的年份与 year {self.year} 不一致")
        return self

    # -- helpers
    def aspect(self, number: int) -> Aspect | None:
        return next((a for a in self.aspects if a.number == number), None)

    def sections_of(self, kind: str) -> list[SectionSpec]:
        return [s for s in self.sections if s.kind == kind]

    def required_sections(self) -> list[SectionSpec]:
        return [s for s in self.sections if s.required]

    def unverified_aspects(self) -> list[Aspect]:
        return [a for a in self.aspects if not a.verified]

    @cached_property
    def _aspect_keys(self) -> tuple[tuple[int, tuple[str, ...]], ...]:
        out = []
        for a in self.aspects:
            if a.is_placeholder:
                continue
            keys = _unique(normalize_heading(s) for s in (a.title, *a.aliases))
            out.append((a.number, tuple(k for k in keys if len(k) >= 2)))
        return tuple(out)

    @cached_property
    def _section_keys(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple(
            (s.kind, tuple(k for k in _unique(normalize_heading(t, fillers=False)
                                              for t in (s.title, *s.aliases)) if len(k) >= 2))
            for s in self.sections
        )


# ---------------------------------------------------------------------------- loading

def _find_structure_dir() -> Path:
    """Source tree first; ``DUIZHAO_STRUCTURE_DIR`` overrides; an installed copy under
    ``<prefix>/share/duizhao/structures`` is the fallback."""
    env = os.environ.get("DUIZHAO_STRUCTURE_DIR")
    source = Path(__file__).resolve().parent.parent / "prompts" / "structures"
    candidates = ([Path(env)] if env else []) + [
        source, Path(sys.prefix) / "share" / "duizhao" / "structures"]
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


STRUCTURE_DIR = _find_structure_dir()

_ERROR_TEXT = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（请检查拼写）",
    "string_type": "应为文本",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表", "tuple_type": "应为列表",
    "dict_type": "应为映射（键: 值）", "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "string_too_short": "不能为空", "too_short": "不能为空",
    "string_too_long": "太长", "too_long": "项数太多",
}


def _loc_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:20] + "…"


def _error_text(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "取值无效")))
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        text = f"取值应为{'、'.join(options)}之一" if options else "取值无效"
    elif kind in ("greater_than_equal", "greater_than"):
        text = f"应不小于 {ctx.get('ge', ctx.get('gt'))}"
    elif kind in ("less_than_equal", "less_than"):
        text = f"应不大于 {ctx.get('le', ctx.get('lt'))}"
    else:
        text = _ERROR_TEXT.get(kind, f"取值无效（{kind}）")
    if kind not in ("missing", "extra_forbidden") and not isinstance(err.get("input"), (dict, list)):
        text += f"（实际为“{_short(err.get('input'))}”）"
    return text


def _validation_message(name: str, exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = _loc_path(tuple(first.get("loc", ())))
    where = f"结构文件 {name} 第 {path} 项" if path else f"结构文件 {name}"
    more = f"（另有 {len(errors) - 1} 处错误）" if len(errors) > 1 else ""
    return f"{where}：{_error_text(first)}{more}"


MAX_FILE_BYTES = 1_000_000


def _parse(path: Path, name: str) -> Any:
    try:
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise StructureError(f"结构文件 {name} 太大（超过 1 MB）")
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StructureError(f"无法读取结构文件 {name}：文件不存在") from None
    except IsADirectoryError:
        raise StructureError(f"无法读取结构文件 {name}：这是一个目录") from None
    except PermissionError:
        raise StructureError(f"无法读取结构文件 {name}：没有读取权限") from None
    except UnicodeDecodeError:
        raise StructureError(f"无法读取结构文件 {name}：不是 UTF-8 编码") from None
    except OSError as e:
        raise StructureError(f"无法读取结构文件 {name}：读取失败（{e.strerror or e}）") from None
    if not raw.strip():
        raise StructureError(f"结构文件 {name} 是空的")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as e:
            raise StructureError(
                f"结构文件 {name} 不是有效的 JSON：第 {e.lineno} 行第 {e.colno} 列附近有语法错误") from None
    try:
        return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        at = f"：第 {mark.line + 1} 行第 {mark.column + 1} 列附近有语法错误" if mark else ""
        raise StructureError(f"结构文件 {name} 不是有效的 YAML{at}") from None


def load_structure(path: str | os.PathLike[str], *, name: str | None = None) -> Structure:
    """Read and validate one structure file (YAML or JSON). Raises StructureError."""
    path = Path(path)
    name = name or str(path)
    data = _parse(path, name)
    if not isinstance(data, dict):
        raise StructureError(f"结构文件 {name} 的顶层应为映射（键: 值），实际为{type(data).__name__}")
    try:
        return Structure.model_validate(data)
    except ValidationError as e:
        raise StructureError(_validation_message(name, e)) from None


@lru_cache(maxsize=1)
def _builtin() -> tuple[Structure, ...]:
    if not STRUCTURE_DIR.is_dir():
        raise StructureError(f"找不到结构配置目录 {STRUCTURE_DIR}")
    out = []
    for path in sorted(STRUCTURE_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        s = load_structure(path, name=path.name)
        if s.id != path.stem:
            raise StructureError(f"结构文件 {path.name} 的 id（{s.id}）应与文件名 {path.stem} 一致")
        out.append(s)
    return tuple(sorted(out, key=lambda s: (s.year, s.meeting != "组织生活会", s.id)))


@lru_cache(maxsize=1)
def _by_id() -> dict[str, Structure]:
    return {s.id: s for s in _builtin()}


def list_structures() -> list[Structure]:
    """The built-in structures, ordered by year then id (loaded once per process)."""
    return list(_builtin())


def structure_ids() -> list[str]:
    return [s.id for s in _builtin()]


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, name: str) -> Structure:
    return load_structure(path, name=name)


def get_structure(ref: str | os.PathLike[str], *, allow_path: bool = True) -> Structure:
    """A built-in structure by id, or a custom structure from a YAML/JSON file path.

    Pass ``allow_path=False`` where ``ref`` comes from a remote caller (HTTP API): then
    only built-in ids are accepted and the file system is never touched."""
    text = str(ref).strip()
    if not text:
        raise StructureError("未指定结构。可用：" + ", ".join(structure_ids()))
    by_id = _by_id()
    if not isinstance(ref, os.PathLike) and text in by_id:
        return by_id[text]
    if not allow_path:
        raise StructureError(f"未知的结构：{text}。可用：" + ", ".join(structure_ids()))
    path = Path(text)
    looks_like_path = ("/" in text or "\\" in text
                       or path.suffix.lower() in (".yaml", ".yml", ".json"))
    if isinstance(ref, os.PathLike) or looks_like_path or path.exists():
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return load_structure(path, name=text)   # raises the readable message
        return _load_cached(str(path.resolve()), mtime, text)
    raise StructureError(f"未知的结构：{text}。可用：" + ", ".join(structure_ids()))


# ---------------------------------------------------------------------------- matching

_NUMBERING = re.compile(
    r"^\s*(?:"
    r"[(\[【]\s*[一二三四五六七八九十\d]{1,3}\s*[)\]】]"
    r"|[一二三四五六七八九十]{1,3}\s*[、.,:]"
    r"|\d{1,2}\s*[、.,:)](?!\d)"
    r"|第[一二三四五六七八九十\d]{1,3}(?:个方面|方面|个|项|部分)?\s*[、.,:]?"
    r")\s*"
)
_NON_WORD = re.compile(r"[\W_]+")
_SUFFIX_FILLERS = ("方面存在的问题", "方面存在的不足", "方面存在的差距", "方面的问题",
                   "方面的差距", "方面问题", "方面")
_PREFIX_FILLERS = ("关于", "聚焦", "在")


def _strip_fillers(s: str) -> str:
    """Drop filler suffixes and prefixes (方面…, 在/关于…) while two characters remain."""
    changed = True
    while changed:
        changed = False
        # each loop runs only when one of its fillers is there (the tuple test is one call)
        if s.endswith(_SUFFIX_FILLERS):
            for suf in _SUFFIX_FILLERS:
                if s.endswith(suf) and len(s) - len(suf) >= 2:
                    s = s[: -len(suf)]
                    changed = True
        if s.startswith(_PREFIX_FILLERS):
            for pre in _PREFIX_FILLERS:
                if s.startswith(pre) and len(s) - len(pre) >= 2:
                    s = s[len(pre):]
                    changed = True
    return s


def normalize_heading(text: str, *, fillers: bool = True) -> str:
    """Comparable form of a heading or title (see the module docstring)."""
    return _normalized(text, fillers)


def _normalized(text: str, fillers: bool) -> str:
    """:func:`normalize_heading` with positional arguments (the detection hot path)."""
    s = unicodedata.normalize("NFKC", text)
    # at most two leading numberings (a match is never empty)
    m = _NUMBERING.match(s)
    if m:
        s = s[m.end():]
        m = _NUMBERING.match(s)
        if m:
            s = s[m.end():]
    if not s.isalnum():     # [\W_] is exactly the characters that are not alphanumeric
        s = _NON_WORD.sub("", s)
    if fillers and (s.endswith(_SUFFIX_FILLERS) or s.startswith(_PREFIX_FILLERS)):
        s = _strip_fillers(s)
    return s


_SENTENCE_END = re.compile(r"[。;；!！?？\n]")


def _heading_pieces(heading: str, fillers: bool = True) -> list[str]:
    """The heading, and the heading cut at its first colon and first comma."""
    text = unicodedata.normalize("NFKC", heading).strip()
    m = _NUMBERING.match(text)      # == _NUMBERING.sub("", text, count=1): it is anchored
    if m:
        text = text[m.end():]
    m = _SENTENCE_END.search(text)
    if m and m.start() >= 2:
        text = text[: m.start()]
    first = _normalized(text, fillers)
    out = [first] if first else []
    # NFKC folds the full-width colon and comma, so only the ASCII ones can be left
    piece = text
    for mark in (":", ","):
        cut = piece.find(mark)
        if cut >= 2:
            piece = piece[:cut]
            k = _normalized(piece, fillers)
            if k and k not in out:
                out.append(k)
    return out


_FLAT_CACHE: dict[int, tuple[Any, list[str], list[Any]]] = {}


def _flat(keyed: tuple[tuple[Any, tuple[str, ...]], ...]) -> tuple[list[str], list[Any]]:
    """``keyed`` as parallel lists (every key string, in order, and its owner), built once
    per keyed tuple (a structure's cached _aspect_keys / _section_keys)."""
    got = _FLAT_CACHE.get(id(keyed))
    if got is None or got[0] is not keyed:
        if len(_FLAT_CACHE) >= 64:
            _FLAT_CACHE.clear()
        # the entry holds ``keyed``, so its id stays valid while cached
        got = _FLAT_CACHE[id(keyed)] = (
            keyed, [k for _key, keys in keyed for k in keys],
            [key for key, keys in keyed for _k in keys])
    return got[1], got[2]


def _best(pieces: list[str], keyed: tuple[tuple[Any, tuple[str, ...]], ...]) -> tuple[Any, float]:
    """The owner of the key string closest to any piece, and that score in [0, 1]: the
    first (key string, piece) pair in order with the highest fuzz.ratio, none below > 0.
    One extractOne per piece (it keeps the first of equal scores); across pieces an equal
    score keeps the earlier key string, then the earlier piece."""
    choices, owners = _flat(keyed)
    best_i, best = -1, 0.0
    for p in pieces:
        got = process.extractOne(p, choices, scorer=fuzz.ratio, processor=None)
        if got is None:
            continue
        score = got[1] / 100.0
        if score > best or (score == best and got[2] < best_i):
            best_i, best = got[2], score
    return (owners[best_i] if best_i >= 0 else None), best


def match_aspect(structure: Structure, heading: str) -> tuple[int | None, float]:
    """Which aspect (its 1-based ``number``) a heading refers to, and the score in [0, 1].

    Returns ``(None, best_score)`` when no aspect reaches ``MATCH_THRESHOLD``. Placeholder
    (待核实) aspects are never matched."""
    pieces = _heading_pieces(heading)
    if not pieces:
        return None, 0.0
    number, score = _best(pieces, structure._aspect_keys)
    return (number if score >= MATCH_THRESHOLD else None), round(score, 4)


def match_section(structure: Structure, heading: str) -> tuple[str | None, float]:
    """Which section kind (problems/causes/…) a heading names, and the score in [0, 1]."""
    pieces = _heading_pieces(heading, fillers=False)
    if not pieces:
        return None, 0.0
    kind, score = _best(pieces, structure._section_keys)
    return (kind if score >= MATCH_THRESHOLD else None), round(score, 4)


# ---------------------------------------------------------------------------- detection

@dataclass(frozen=True)
class Detection:
    structure: Structure | None
    confidence: float                      # 0..1
    reason: str                            # one Chinese sentence
    scores: dict[str, float] = field(default_factory=dict)   # evidence score per id


_PINYIN = re.compile(r"(?i)zu\s?zhi")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_YEAR = re.compile(r"二[〇零][一二三四五六七八九〇零]{2}(?=年)")
_YEAR = re.compile(r"(20\d{2})\s*年(度)?")
_YEAR_DU = re.compile(r"20\d{2}\s*年度")
_HEAD_LINE = re.compile(
    r"^\s*(?:[(（【]\s*[一二三四五六七八九十]{1,3}\s*[)）】]|[一二三四五六七八九十]{1,3}\s*[、.．]"
    r"|[\d０-９]{1,2}\s*[、.．](?![\d０-９]))")
_PREAMBLE = 400
_MEETINGS = {"组织生活会": "组织生活会", "民主生活会": "民主生活会", "民主评议党员": "组织生活会"}


def _detect_text(text: str) -> str:
    """Cheap whole-text fold for phrase checks (no NFKC: it costs ~1 ms per 10k chars;
    the title, the opening lines and every heading are NFKC-normalized separately).
    Each step first checks, with one C-level ``in``, that it has something to do."""
    s = text
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "z" in s or "Z" in s:        # _PINYIN starts with z (no other letter folds to z)
        s = _PINYIN.sub("组织", s)
    if "〇" in s or "零" in s:       # _CN_YEAR needs one of them
        s = _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), s)
    return s


def _title_of(s: str) -> str:
    for line in s.split("\n", 8)[:8]:
        line = line.strip()
        if line:
            return line if len(line) <= 80 else ""
    return ""


def _headings(s: str) -> list[str]:
    out: dict[str, None] = {}
    for line in s.split("\n"):
        line = line.strip()
        if not line:
            continue
        if len(line) <= 40 or _HEAD_LINE.match(line):
            for k in _heading_pieces(line[:120]):
                out[k] = None
    return list(out)


@dataclass
class _Index:
    structures: tuple[Structure, ...]
    choices: list[str]
    owners: list[tuple[int, int]]           # (structure index, aspect number)
    # the distinct choices sorted by length, their lengths, and the owners of each
    by_len: list[str] = field(default_factory=list)
    lens: list[int] = field(default_factory=list)
    by_len_owners: list[tuple[tuple[int, int], ...]] = field(default_factory=list)
    # per structure: its theme and required terms (the cues of the theme evidence)
    cues: list[list[str]] = field(default_factory=list)
    # heading length → (first index, the choices) of the choices whose length allows
    # the match cutoff (filled on first use of each length)
    windows: dict[int, tuple[int, list[str]]] = field(default_factory=dict)
    # one character of any choice (findall counts them: faster than a set test per
    # character, which hashes a new one-character string each time)
    chars: re.Pattern[str] | None = None

    def could_match(self, h: str) -> bool:
        """False when ``h`` cannot reach the cutoff with any choice: fuzz.ratio(a, b) is
        200·LCS(a, b) / (|a| + |b|), and LCS(a, b) ≤ c, the number of characters of ``a``
        that occur in some choice; the bound 200·c / (|a| + c) reaches the cutoff only
        when c ≥ |a|·_SHARE. Most headings that are not aspect headings fail this."""
        return len(self.chars.findall(h)) >= len(h) * _SHARE  # type: ignore[union-attr]

    def window(self, n: int) -> tuple[int, list[str]]:
        """The choices a heading of length ``n`` can reach the cutoff with (see
        :func:`detect_structure`), and the index of the first in ``by_len``."""
        got = self.windows.get(n)
        if got is None:
            lo = bisect_left(self.lens, n * _SHARE)
            hi = bisect_right(self.lens, n / _SHARE)
            got = self.windows[n] = (lo, self.by_len[lo:hi])
        return got


# fuzz.ratio(a, b) ≤ 200·min(|a|, |b|) / (|a| + |b|), so a pair reaches the cutoff only when
# min/max of the two lengths is at least this share (taken with a margin: no pair that could
# reach the cutoff is skipped)
_SHARE = MATCH_THRESHOLD * 100 / (200 - MATCH_THRESHOLD * 100) - 1e-9

_INDEX_CACHE: dict[tuple[int, ...], _Index] = {}


def _index(structures: tuple[Structure, ...]) -> _Index:
    key = tuple(id(s) for s in structures)
    cached = _INDEX_CACHE.get(key)
    if cached is not None:      # the cached entry holds the structures, so ids stay valid
        return cached
    choices, owners = [], []
    for i, st in enumerate(structures):
        for number, keys in st._aspect_keys:
            for k in keys:
                choices.append(k)
                owners.append((i, number))
    grouped: dict[str, list[tuple[int, int]]] = {}
    for k, owner in zip(choices, owners):
        grouped.setdefault(k, []).append(owner)
    by_len = sorted(grouped, key=len)
    if len(_INDEX_CACHE) >= 8:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[key] = built = _Index(
        structures, choices, owners, by_len, [len(k) for k in by_len],
        [tuple(grouped[k]) for k in by_len],
        [_unique([c for c in (st.theme, *st.terms.required) if c]) for st in structures],
        chars=re.compile("[" + "".join(map(re.escape, sorted(set("".join(by_len))))) + "]"
                         if by_len else "(?!)"))
    return built


def _level(conf: float) -> str:
    return "把握较大" if conf >= 0.75 else "把握一般" if conf >= 0.5 else "把握较小"


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    last = parts[-1]
    return "、".join(parts[:-1]) + ("及 " if last[:1].isdigit() else "及") + last


def detect_structure(text: str, structures: list[Structure] | None = None) -> Detection:
    """Guess the structure a material was written for (built-ins unless ``structures``).

    Evidence weights: title year 0.25 (conflict −0.3), ``YYYY年度`` in the opening lines 0.2
    (conflict −0.15), meeting type 0.15 (conflict −0.3), theme 0.1, 专题 0.1, markers up to
    0.2, aspects found among headings 0.45 × share. Confidence is the capped score, reduced
    when the runner-up is close."""
    pool = tuple(structures) if structures is not None else _builtin()
    if not pool:
        return Detection(None, 0.0, "没有可供判断的结构配置")
    s = _detect_text(text)
    title = unicodedata.normalize("NFKC", _title_of(s))
    head = unicodedata.normalize("NFKC", s[:_PREAMBLE])
    title_years = {int(y) for y, _ in _YEAR.findall(title)}
    title_has_du = bool(_YEAR_DU.search(title))
    head_years = {int(y) for y, du in _YEAR.findall(head) if du}

    def meeting_of(segment: str) -> str | None:
        found = {m for w, m in _MEETINGS.items() if w in segment}
        return found.pop() if len(found) == 1 else None
    meeting = meeting_of(title) or meeting_of(head)
    if meeting is None:
        counts = {m: 0 for m in ("组织生活会", "民主生活会")}
        for w, m in _MEETINGS.items():
            counts[m] += s.count(w)
        if counts["组织生活会"] != counts["民主生活会"]:
            meeting = max(counts, key=counts.get)
    special = "专题" in head

    idx = _index(pool)
    found: dict[int, set[int]] = {}
    if idx.choices:
        cutoff = MATCH_THRESHOLD * 100
        # only the choices whose length allows the cutoff are scored (idx.window), and only
        # for headings whose characters allow it (idx.could_match); equal choices are
        # scored once
        by_len_owners, window, could_match = idx.by_len_owners, idx.window, idx.could_match
        extract, ratio = process.extract, fuzz.ratio
        for h in _headings(s):
            lo, choices = window(len(h))
            if not choices or not could_match(h):
                continue
            for _, score, ci in extract(h, choices, scorer=ratio, processor=None,
                                        score_cutoff=cutoff, limit=None):
                for i, number in by_len_owners[lo + ci]:
                    found.setdefault(i, set()).add(number)

    # whole-text phrase tests, once per phrase (structures share markers and cues, and a
    # miss scans the whole text)
    in_text: dict[str, bool] = {}

    def occurs(phrase: str) -> bool:
        got = in_text.get(phrase)
        if got is None:
            got = in_text[phrase] = phrase in s
        return got

    results: list[tuple[float, int, list[str]]] = []
    for i, st in enumerate(pool):
        score, why = 0.0, []
        for mk in st.markers:
            if mk in title:
                score += 0.2; why.insert(0, f"标题中的“{mk}”"); break
            if mk in head:
                score += 0.15; why.append(f"开头的“{mk}”"); break
            if occurs(mk):
                score += 0.1; why.append(f"正文中的“{mk}”"); break
        if title_years:
            if st.year in title_years:
                score += 0.25; why.append(f"标题中的年份 {st.year}")
            elif not title_has_du and not st.id.endswith("-theme") and st.year + 1 in title_years:
                score += 0.1; why.append(f"标题中的年份 {st.year + 1}（{st.year}年度会议次年召开）")
            else:
                score -= 0.3
        elif head_years:
            if st.year in head_years:
                score += 0.2; why.append(f"开头的“{st.year}年度”")
            else:
                score -= 0.15
        if meeting:
            if meeting == st.meeting:
                score += 0.15; why.append(f"会议类型“{st.meeting}”")
            else:
                score -= 0.3
        cues = idx.cues[i]
        hit = next((c for c in cues if c in head), None)
        if hit:
            score += 0.1; why.append(f"主题“{hit}”")
        elif any(occurs(c) for c in cues):
            score += 0.04
        if special and st.id.endswith("-theme"):
            score += 0.1; why.append("“专题”")
        n_found = len(found.get(i, ()))
        if n_found:
            score += 0.45 * n_found / len(st.aspects)
            why.append(f"{len(st.aspects)} 个方面标题中的 {n_found} 个匹配")
        results.append((score, i, why))

    results.sort(key=lambda r: -r[0])
    scores = {pool[i].id: round(sc, 3) for sc, i, _ in results}
    best, bi, why = results[0]
    second = results[1][0] if len(results) > 1 else 0.0
    if best < DETECT_MIN_SCORE:
        conf = round(max(0.0, min(best, DETECT_MIN_SCORE)), 3)
        if best > 0 and why:
            reason = f"证据不足（仅见{_join(why)}），无法判断结构，请指定结构"
        else:
            reason = "未见年份、会议类型、主题或已知方面标题，无法判断结构，请指定结构"
        return Detection(None, conf, reason, scores)
    margin = best - second
    conf = min(1.0, best) * (0.6 + 0.4 * min(1.0, margin / 0.3))
    conf = round(max(0.0, min(1.0, conf)), 3)
    st = pool[bi]
    reason = f"依据{_join(why)}，判断为 {st.id}（{_level(conf)}）"
    if margin < 0.15 and len(results) > 1:
        reason += f"；与 {pool[results[1][1]].id} 难以区分"
    return Detection(st, conf, reason, scores)


def _unique(items: Any) -> list[Any]:
    seen: dict[Any, None] = {}
    for x in items:
        seen.setdefault(x, None)
    return list(seen)
