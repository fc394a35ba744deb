"""Drafting scorers: one draft (and its notes and structure) → :class:`Score` objects.

- ``structure``: every aspect of the year's structure present with at least one problem,
  every section the prompt asked for present (``service.prompts.section_plan``).
- ``specificity`` / ``coverage``: the reviewer's own document scores (how concrete the
  problems are; share of problems with a matching measure). They are only as good as
  the reviewer, whose accuracy the reviewer task measures.
- ``grounding``: (a) every number, date and 《title》 outside the measures is in the
  source material (the notes, the structure, the 规范提法 table); (b) every entry of the
  notes (facts, feedback, last year's measures, self-assessment) is used; (c) every
  aspect either uses a fact of the notes or asks for one with 【待补：……】. The value is
  the mean of the three shares; ``details`` keep each part and its evidence.
- ``no_template_copy``: share of the draft's sentences (≥ 15 Hanzi/digits) that are not
  near-copies of a known template sentence (``service/review/corpus``; exact character
  3-gram Jaccard ≥ 0.6, or ≥ 80 % of the sentence's 3-grams inside one template
  sentence). Independent of the reviewer's DZ601 implementation.
- ``similarity`` (suite level, :func:`cross_member`): the largest pairwise similarity of
  drafts for *different* members (exact Jaccard of character 3-gram sets of the body,
  headings removed).
- ``usage`` and ``revision``: tokens, cost, backend calls and attempts; revision rounds.

Numbers: Arabic numbers are compared together with the character that follows them
(the unit: 次, 户, 月, %, …) and Chinese numerals of two or more followed by a classifier
are converted (两次 → 2次), so an invented "4次" is not excused by an unrelated "4月"
in the notes. Quantities and deadlines inside the measures are commitments, not facts
(reviewer dev-set label decision), and are not checked; text inside 【待补：……】 is a
question to the member and is not checked either.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from evals.scorers import Score

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "service" / "review" / "corpus"

USED_MIN_RECALL = 0.5        # share of a note entry's character bigrams found in the draft
COPY_JACCARD = 0.6
COPY_CONTAINMENT = 0.8
COPY_MIN_CHARS = 15

_CN_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CLASSIFIERS = "个次名户件项天年月日周人条份位篇本卷遍处所家间场批轮期节课分钟小时元岁台"
_APPROX = "多余来"
_CN_NUM = re.compile(rf"[零一二两三四五六七八九十百千万]{{1,6}}(?=[{_APPROX}]?[{_CLASSIFIERS}])")
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_TITLE = re.compile(r"《[^《》\n]{1,60}》")
_ASK = re.compile(r"【待补[:：][^】]*】")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_FEATURE = re.compile(r"[^\u4e00-\u9fff0-9]+")
_SENT_END = re.compile(r"[。！？；!?;\n]")
_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}是|[（(][一二三四五六七八九十\d]{1,3}[）)]|"
                     r"[一二三四五六七八九十]{1,3}、|\d{1,2}[、.．])")


# ---- small text helpers ------------------------------------------------------------------

def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cn_value(s: str) -> int | None:
    """二 → 2, 十二 → 12, 三十 → 30, 一百二十 → 120, 两 → 2 (None when not a number)."""
    total, section, num = 0, 0, 0
    units = {"十": 10, "百": 100, "千": 1000, "万": 10000}
    for ch in s:
        if ch in _CN_DIGIT:
            num = _CN_DIGIT[ch]
        elif ch in units:
            u = units[ch]
            if u == 10000:
                section = (section + num) * u
                total += section
                section = 0
            else:
                section += (num or 1) * u
            num = 0
        else:
            return None
    return total + section + num


def _unit_after(text: str, end: int) -> str:
    """The unit character after a number (skipping 多/余/来), or ''."""
    i = end
    if i < len(text) and text[i] in _APPROX:
        i += 1
    return text[i] if i < len(text) else ""


def number_tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(value, unit, start, end) for Arabic numbers and Chinese numerals ≥ 2 followed by
    a classifier. Values are strings ("2", "2.1", "6000")."""
    out = []
    for m in _ARABIC.finditer(text):
        v = m.group()
        v = v.rstrip("0").rstrip(".") if "." in v else str(int(v))
        out.append((v, _unit_after(text, m.end()), m.start(), m.end()))
    for m in _CN_NUM.finditer(text):
        val = cn_value(m.group())
        if val is None or val < 2:
            continue
        out.append((str(val), _unit_after(text, m.end()), m.start(), m.end()))
    return out


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def bigrams(text: str) -> set[str]:
    f = _FEATURE.sub("", text)
    return {f[i:i + 2] for i in range(len(f) - 1)}


def trigrams(text: str) -> frozenset[str]:
    f = _FEATURE.sub("", text)
    if len(f) < 3:
        return frozenset((f,)) if f else frozenset()
    return frozenset(f[i:i + 3] for i in range(len(f) - 2))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


# ---- the material a draft may draw on ------------------------------------------------------

def note_entries(notes) -> list[tuple[str, str]]:
    """(kind, text) of every entry a draft should use."""
    out = [("事实", f) for f in notes.facts] + [("意见", f) for f in notes.feedback]
    out += [("上年度整改", i.measure + (f"（{i.note}）" if i.note else "")) for i in notes.last_year]
    out += [("自我查摆", s) for s in notes.self_assessment]
    return out


def source_text(notes, structure) -> str:
    """Everything a draft may take numbers and titles from: the rendered user message
    (the structure and the notes, exactly as the model saw them) and the 规范提法 table."""
    from service.prompts import formulations, render_draft

    rendered = render_draft(notes, structure)
    user = "\n".join(m["content"] for m in rendered.messages if m["role"] == "user")
    terms = "\n".join(f"{f.term} {f.exact} {f.verb or ''}" for f in formulations())
    return user + "\n" + terms


# ---- scorers -------------------------------------------------------------------------------

def structure_score(doc, structure, notes) -> Score:
    from service.prompts import section_plan
    from service.structures import MATCH_THRESHOLD, match_aspect

    wanted = [s.kind for s in section_plan(structure, notes)]
    have = {s.kind for s in doc.sections}
    missing_sections = [k for k in wanted if k not in have]
    found: dict[int, int] = {}
    for a in doc.aspects:
        number, score = match_aspect(structure, a.title)
        if number is not None and score >= MATCH_THRESHOLD and a.items:
            found.setdefault(number, a.number)
    aspects = [a for a in structure.aspects if not a.is_placeholder]
    missing_aspects = [a for a in aspects if a.number not in found]
    total = len(wanted) + len(aspects)
    ok = total - len(missing_sections) - len(missing_aspects)
    titles = {s.kind: s.title for s in structure.sections}
    if not missing_sections and not missing_aspects:
        expl = f"{len(aspects)} 个方面、{len(wanted)} 个部分齐全，每个方面至少一条问题"
    else:
        parts = [f"缺少部分“{titles.get(k, k)}”" for k in missing_sections]
        parts += [f"缺少方面“{a.title}”（或该方面没有问题）" for a in missing_aspects]
        expl = "；".join(parts)
    return Score(round(ok / total, 4) if total else None, expl,
                 {"missing_sections": missing_sections, "missing_aspects": [a.number for a in missing_aspects]})


def specificity_score(review: dict, text: str) -> Score:
    probs = [i for i in review.get("items", []) if i["kind"] == "problem"]
    value = review.get("scores", {}).get("specificity")
    if not probs:
        return Score(0.0, "没有识别出问题条目")
    formulaic = sum(1 for f in review.get("findings", []) if f["category"] == "formulaic")
    worst = min(probs, key=lambda i: i.get("specificity", 1.0))
    expl = (f"{len(probs)} 条问题，平均具体度 {value}；套话（formulaic）发现 {formulaic} 条；"
            f"最不具体的一条（{worst.get('specificity')}）：{_quote(text[worst['start']:worst['end']], 60)}")
    return Score(value, expl, {"problems": len(probs), "formulaic_findings": formulaic})


def coverage_score(review: dict, text: str) -> Score:
    value = review.get("scores", {}).get("coverage")
    items = {i["id"]: i for i in review.get("items", [])}
    unmatched = [m["problem"] for m in review.get("matches", []) if not m["measures"]]
    if not items or value is None:
        return Score(None, "没有识别出问题条目")
    if not unmatched:
        return Score(value, f"{len(review.get('matches', []))} 条问题都有对应措施")
    quotes = [_quote(text[items[p]["start"]:items[p]["end"]], 40) for p in unmatched if p in items]
    return Score(value, f"{len(unmatched)} 条问题没有对应措施：" + "；".join(quotes), {"unmatched": unmatched})


def _measure_spans(doc) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in doc.sections if s.kind == "measures"]


def grounding_score(doc, notes, structure, target: dict | None = None) -> Score:
    text = doc.norm.text
    sources = source_text(notes, structure)
    asks = [(m.start(), m.end()) for m in _ASK.finditer(text)]
    titles_src = set(_TITLE.findall(sources))
    year = structure.year
    allowed_years = {str(year), str(year + 1), str(year - 1)}
    src_tokens = {(v, u) for v, u, _, _ in number_tokens(sources)}
    src_values = {v for v, _, _, _ in number_tokens(sources)}

    # (a) numbers and titles outside the measures and the questions
    titles = [(m.group(), m.start(), m.end()) for m in _TITLE.finditer(text)]
    checked = _blank(text, _measure_spans(doc) + asks + [(s, e) for _, s, e in titles])
    ungrounded, n_checked = [], 0
    for v, u, s, e in number_tokens(checked):
        n_checked += 1
        if (v, u) in src_tokens or (u == "年" and v in allowed_years):
            continue
        if not re.match(rf"[{_CLASSIFIERS}%％]", u or " ") and v in src_values:
            continue  # a bare number (no unit) that the sources contain
        line_s = text.rfind("\n", 0, s) + 1
        ungrounded.append({"token": text[s:e] + (u or ""), "context": _quote(text[max(line_s, s - 20):e + 12], 50)})
    bad_titles = []
    for t, s, e in titles:
        if any(a <= s < b for a, b in asks):
            continue
        n_checked += 1
        if t not in titles_src:
            bad_titles.append(t)
    n_bad = len(ungrounded) + len(bad_titles)
    grounded = round(1 - n_bad / n_checked, 4) if n_checked else 1.0

    # (b) every entry of the notes is used
    body = _blank(text, asks)
    body_grams = bigrams(body)
    entries = note_entries(notes)
    unused = []
    for kind, e in entries:
        g = bigrams(e)
        if g and len(g & body_grams) / len(g) < USED_MIN_RECALL:
            unused.append(f"{kind}：{_quote(e, 40)}")
    used = round(1 - len(unused) / len(entries), 4) if entries else 1.0

    # (c) every aspect uses a fact of the notes or asks for one
    entry_grams = [bigrams(e) for _, e in entries]
    silent = []
    for a in doc.aspects:
        seg = text[a.start:a.end]
        if "【待补" in seg:
            continue
        seg_grams = bigrams(seg)
        if any(g and len(g & seg_grams) / len(g) >= USED_MIN_RECALL for g in entry_grams):
            continue
        silent.append(_quote(a.title, 30))
    n_aspects = len(doc.aspects)
    asks_ok = round(1 - len(silent) / n_aspects, 4) if n_aspects else None
    must_ask = bool((target or {}).get("asks"))
    no_ask = must_ask and not asks

    parts = [p for p in (grounded, used, asks_ok) if p is not None]
    value = round(sum(parts) / len(parts), 4) if parts else None
    if no_ask and value is not None:
        value = round(value * 0.5, 4)  # thin notes and not one question: the draft invented the rest
    expl = []
    if ungrounded or bad_titles:
        shown = [u["token"] for u in ungrounded[:6]] + bad_titles[:3]
        expl.append(f"笔记和结构里没有的数字/名称 {n_bad} 处（共查 {n_checked} 处）：" + "、".join(shown))
    else:
        expl.append(f"数字、日期和文件名都来自笔记或结构（共 {n_checked} 处）")
    expl.append(f"笔记条目用到 {len(entries) - len(unused)}/{len(entries)}"
                + (f"，未用：{'；'.join(unused[:3])}" if unused else ""))
    if silent:
        expl.append(f"{len(silent)} 个方面既没有用笔记事实也没有【待补】提问：" + "、".join(silent))
    if no_ask:
        expl.append("笔记很少，但全文没有一处【待补：……】提问（得分减半）")
    elif asks:
        expl.append(f"【待补】提问 {len(asks)} 处")
    return Score(value, "；".join(expl), {
        "grounded": grounded, "facts_used": used, "asks": asks_ok, "placeholders": len(asks),
        "ungrounded": ungrounded, "ungrounded_titles": bad_titles, "unused_entries": unused,
        "aspects_without_facts_or_asks": silent, "checked": n_checked})


# ---- template copy -------------------------------------------------------------------------

def sentences(text: str) -> list[str]:
    out, pos = [], 0
    for m in _SENT_END.finditer(text + "\n"):
        s = _MARKER.sub("", text[pos:m.start()]).strip()
        pos = m.end()
        if len(_FEATURE.sub("", s)) >= COPY_MIN_CHARS:
            out.append(s)
    return out


@lru_cache(maxsize=1)
def template_sentences() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(file stem, sentence, 3-grams) of every template sentence in the corpus."""
    from service.text.normalize import normalize

    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = normalize(path.read_text(encoding="utf-8")).text
        for s in sentences(text):
            out.append((path.stem, s, trigrams(s)))
    return tuple(out)


def template_copy_score(text: str) -> Score:
    sents = sentences(body_for_similarity(text))
    if not sents:
        return Score(None, "没有可比较的句子")
    corpus = template_sentences()
    copied = []
    for s in sents:
        g = trigrams(s)
        best, src = 0.0, None
        for stem, _, cg in corpus:
            inter = len(g & cg)
            if not inter:
                continue
            j = inter / (len(g) + len(cg) - inter)
            c = inter / len(g)
            score = j if j >= COPY_JACCARD else (c if c >= COPY_CONTAINMENT else 0.0)
            if score > best:
                best, src = score, stem
        if best:
            copied.append({"sentence": _quote(s, 60), "source": src, "similarity": round(best, 2)})
    value = round(1 - len(copied) / len(sents), 4)
    if not copied:
        return Score(value, f"{len(sents)} 句中没有与已知模板雷同的句子")
    longest = max(copied, key=lambda c: len(c["sentence"]))
    return Score(value, f"{len(sents)} 句中 {len(copied)} 句与已知模板雷同，例如（{longest['source']}，"
                        f"{longest['similarity']}）：{longest['sentence']}", {"copied": copied[:20]})


# ---- cross-member similarity ---------------------------------------------------------------

_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,2}、.{0,40}|[（(][一二三四五六七八九十]{1,2}[)）][“\"].{0,40}[”\"]方面)\s*$")


def body_for_similarity(text: str) -> str:
    """The draft without its title line and its section / aspect headings (mandated
    text every draft of the same structure shares)."""
    lines = text.strip().splitlines()[1:]
    return "\n".join(l for l in lines if not _HEADING.match(l))


def cross_member(drafts: dict[str, str]) -> dict[str, Any]:
    """Pairwise similarity of drafts for different members: per case its most similar
    other case, and the largest pair overall."""
    grams = {k: trigrams(body_for_similarity(v)) for k, v in drafts.items()}
    keys = sorted(grams)
    per_case: dict[str, Score] = {}
    pairs = []
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            pairs.append((round(jaccard(grams[a], grams[b]), 4), a, b))
    for k in keys:
        mine = [(s, b if a == k else a) for s, a, b in pairs if k in (a, b)]
        if not mine:
            per_case[k] = Score(None, "只有一份初稿，无法比较")
            continue
        s, other = max(mine)
        per_case[k] = Score(s, f"与 {other} 最相似（字符 3-gram Jaccard {s}）", {"most_similar": other})
    top = max(pairs) if pairs else None
    return {
        "per_case": per_case,
        "max": None if top is None else {"value": top[0], "cases": [top[1], top[2]]},
        "pairs": len(pairs),
        "method": "exact Jaccard of character 3-gram sets (Hanzi and digits), title and headings removed",
    }


# ---- usage and revision --------------------------------------------------------------------

def usage_score(result) -> Score:
    u = result.usage.to_json()
    tok = (result.budget or {}).get("tokenizer") or "未知"
    cost = "未知" if u["cost_usd"] is None else f"${u['cost_usd']:.6f}"
    total = u["total_tokens"]
    expl = (f"提示 {u['prompt_tokens']} + 输出 {u['completion_tokens']} = {total} 词元（{tok} 分词器，按后端报告）；"
            f"费用 {cost}；后端调用 {u['calls']} 次，HTTP 尝试 {u['attempts']} 次")
    return Score(total, expl, {**u, "tokenizer": tok})


def revision_score(result) -> Score:
    """Revision rounds the pipeline ran (design.md: revise ≤ 2 rounds, only on evidence),
    from ``result.revision`` (``service.critique.revise``): rounds applied, which round
    was kept, and why it stopped."""
    import inspect

    from service.drafting import pipeline

    rev = getattr(result, "revision", None)
    if rev is None:
        params = inspect.signature(pipeline.adraft_stream).parameters
        if not any("round" in name for name in params):
            return Score(None, "流水线尚未实现修订轮次，无法计量")
        return Score(0, "没有进行修订（未要求修订或没有阻断性问题）")
    rounds = max(len(rev.get("rounds") or []) - 1, 0)
    kept = rev.get("best", 0)
    per_round = "；".join(f"第{r['round']}轮 错误 {r['errors']}、警告 {r['warnings']}" for r in rev.get("rounds") or [])
    return Score(rounds, f"修订 {rounds} 轮，采用第 {kept} 轮；{rev.get('message', '')}（{per_round}）",
                 {"stopped": rev.get("stopped"), "best": kept})
