"""DZ202 原因剖析缺少主观维度

检查什么 / What it checks:
  原因剖析部分是否覆盖了应有的主观维度：默认为理想信念、宗旨意识（群众观点）、党性修养、
  纪律规矩四个；有结构配置时按结构的 cause_dimensions（民主生活会另有权力观、政绩观）。
  每个维度有一组同义词（lexicons/causes.yaml 的 dimensions：理想信念——信仰、信念、初心、
  理论武装……；宗旨意识——群众观点、为民、以人民为中心……；党性修养——党性、修养、
  自我改造、主观世界……；纪律规矩——纪律、规矩、制度、规定、底线……），原因部分任一处
  出现其一即算覆盖；“权力观/政绩观”合为一项（dimension_groups），谈到其一即可。
  缺的维度合并为一条提示（warning），标在原因部分的标题上。
  另：问题条目不少于 3 条、原因条目却少于 2 条且原因正文很短时，提示“剖析单薄”（info，
  标在原因部分的正文上）。
  有“原因剖析”标题而下面没有任何内容时也提示（warning）；整个原因部分连标题都没有时
  不报（那是结构规则 DZ001 的事）。
为什么 / Why (domain.md rubric Q11, Q13): 原因要从主观上、从思想根源上剖析，并覆盖理想信念、
  宗旨意识、党性修养、纪律规矩等方面；一个原因可以解释几个问题，但剖析太少说明没有挖到根子。
示例 / Example: 原因部分只写了“理论学习有所松懈”“宗旨意识有所弱化”“党性修养不够扎实”三条，
  没有谈纪律规矩。
应改为 / Instead write: 补一条纪律规矩方面的剖析，结合自己查摆出的问题，写清在执行哪项制度、
  守哪条规矩上思想松了，例如“对组织生活制度执行不严，认为推迟一两次不是大事”。
来源 / Source: domain.md §2（原因须来自主观：理想信念、宗旨意识/群众观点、党性修养、
  纪律规矩，领导干部另有权力观/政绩观）；评分表 Q11、Q13。
"""

from __future__ import annotations

from functools import lru_cache

from service.review.lexicon import PhraseMatcher, load
from service.text.normalize import normalize_phrase

CODE = "DZ202"
NAME = "cause-gap"
CATEGORY = "cause_gap"
SEVERITY = "warning"
RUBRIC = ("Q11", "Q13")


def _canonical(name: str) -> str:
    name = str(name).strip()
    return load("causes").get("dimension_aliases", {}).get(name, name)


def _spec(entry) -> tuple[str, tuple[str, ...]]:
    """(dimension, extra synonyms) from a structure entry: a name, or a mapping with
    ``name``/``title`` and optional ``aliases``."""
    if isinstance(entry, dict):
        name = entry.get("name") or entry.get("title") or ""
        return _canonical(name), tuple(str(a) for a in entry.get("aliases") or ())
    return _canonical(entry), ()


@lru_cache(maxsize=32)
def _dimension_matcher(specs: tuple[tuple[str, tuple[str, ...]], ...]) -> PhraseMatcher:
    """One automaton over the synonyms of the dimensions; payload = the dimensions a
    word covers. A dimension unknown to the lexicon is matched by its own name (and
    the aliases its structure gives)."""
    table = load("causes")["dimensions"]
    phrases: dict[str, set[str]] = {}
    for dim, extra in specs:
        for word in [dim, *table.get(dim, []), *extra]:
            key = normalize_phrase(str(word))
            if key:
                phrases.setdefault(key, set()).add(dim)
    return PhraseMatcher({w: frozenset(d) for w, d in phrases.items()})


def dimension_specs(ctx) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The cause dimensions to check: the structure's, else the lexicon's defaults."""
    dims = getattr(ctx.structure, "cause_dimensions", None) if ctx.structure else None
    if not dims:
        dims = load("causes")["default_dimensions"]
    out: dict[str, tuple[str, ...]] = {}
    for entry in dims:
        name, extra = _spec(entry)
        if name:
            out[name] = out.get(name, ()) + extra
    return tuple(out.items())


def covered(ctx, start: int, end: int, specs) -> set[str]:
    """Dimensions mentioned in ``ctx.text[start:end]``."""
    # longest=False: overlapping synonyms (党性 / 党性修养) may name different dimensions
    found: set[str] = set()
    for hit in _dimension_matcher(specs).find_all(ctx.text, start, end, longest=False):
        found |= hit.payload
    return found


def check(ctx, rule):
    doc = ctx.doc
    section = doc.section("causes")
    if section is None:
        return
    text = ctx.text
    body = text[section.heading_end:section.end]
    hs, he = section.heading_start, section.heading_end
    if not body.strip():
        # a heading with nothing under it: DZ001 reports only a missing heading
        yield ctx.finding(
            rule, hs, he,
            f"“{text[hs:he].strip()}”只有标题，没有内容：查摆出的问题没有剖析原因。",
            "请逐个问题追问“为什么会这样”，从理想信念、宗旨意识、党性修养、纪律规矩等"
            "方面写出自己思想上的原因。",
            missing=[d for d, _ in dimension_specs(ctx)],
        )
        return
    if not section.items:
        return
    specs = dimension_specs(ctx)
    dims = [d for d, _ in specs]
    found = covered(ctx, section.heading_end, section.end, specs)
    for group in load("causes").get("dimension_groups") or ():
        if found & set(group):
            found |= set(group)
    missing = [d for d in dims if d not in found]
    if missing:
        names = "、".join(missing)
        yield ctx.finding(
            rule, hs, he,
            f"原因剖析没有谈到{names}方面。原因应从主观上剖析，覆盖{'、'.join(dims)}等方面。",
            f"请对照查摆出的问题想一想：在{names}上，自己有哪些思想上的松懈？"
            "结合具体问题补写一条，不要写成空泛的套话。",
            missing=missing,
        )
    thin = load("causes")["thin"]
    n_chars = len("".join(body.split()))      # characters that are not whitespace
    if (len(doc.problems) >= thin["min_problems"] and len(section.items) < thin["min_causes"]
            and n_chars < thin["max_chars"]):
        # on the causes' text, not the heading: the engine keeps one finding per
        # (rule, span), and the heading may already carry the missing dimensions
        bs = section.heading_end + len(body) - len(body.lstrip())
        be = section.end - (len(body) - len(body.rstrip()))
        yield ctx.finding(
            rule, bs, be,
            f"查摆了{len(doc.problems)}个问题，原因剖析只有{len(section.items)}条、"
            f"{n_chars}字，剖析单薄。",
            "请逐个问题追问“为什么会这样”，把背后的思想原因写出来；"
            "一个原因可以解释几个问题，但要写清对应哪些问题。",
            severity="info",
        )
