"""service/text/neardup.py: the fast search (exact-copy look-up, Aho–Corasick prefilter,
rare-3-gram candidates) against a plain computation that scores every sentence unit
against every corpus unit, on real documents and on generated near-copies."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from evals.harness import clean_document
from service.review.rules.dz601_template_copy import CORPUS_DIR
from service.text import neardup as nd
from service.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
CORPUS = nd.load_corpus(str(CORPUS_DIR))
CORPUS_TEXTS = [normalize(p.read_text(encoding="utf-8")).text
                for p in sorted(CORPUS_DIR.glob("*.txt"))]
OWN = [normalize(t).text for t in (
    clean_document(),
    (ROOT / "evals/datasets/bench/specific_2021.txt").read_text(encoding="utf-8"),
    (ROOT / "evals/datasets/bench/mixed_2024.txt").read_text(encoding="utf-8"),
)]


def _grams(f: str) -> frozenset[str]:
    return frozenset(f[i:i + 3] for i in range(len(f) - 2)) if len(f) >= 3 else frozenset((f,))


def plain_best(corpus, grams, min_sim=nd.MIN_UNIT_SIMILARITY):
    """(best score, documents of the corpus units with that score), or None: every
    corpus unit scored, Jaccard or (long units) containment."""
    la = len(grams)
    best, docs = 0.0, set()
    for ui, ug in enumerate(corpus._unit_grams):
        c = len(grams & ug)
        if not c or c < min_sim * la:
            continue
        score = c / (la + len(ug) - c)
        if score < min_sim:
            score = c / la if la >= nd.MIN_CONTAINED_GRAMS and c >= nd.MIN_CONTAINMENT * la else 0.0
        if score > best:
            best, docs = score, {corpus._unit_doc[ui]}
        elif score == best and score:
            docs.add(corpus._unit_doc[ui])
    if best < min_sim or not docs:
        return None
    return best, docs


def plain_search(corpus, text, start=0, end=None, breaks=(), min_sim=nd.MIN_UNIT_SIMILARITY,
                 min_chars=nd.MIN_RUN_CHARS):
    """Corpus.search written out unit by unit: (start, end, similarity, units, chars,
    document names or None when a unit's best document is ambiguous)."""
    end = len(text) if end is None else end
    segs, pos = [], start
    for m in nd._UNIT_END.finditer(text, start, end):
        segs.append((pos, m.start()))
        pos = m.end()
    segs.append((pos, end))
    runs, cur = [], []

    def close():
        if cur:
            chars = sum(c[2] for c in cur)
            if chars >= min_chars:
                sim = sum(c[2] * c[3] for c in cur) / chars
                if all(len(c[4]) == 1 for c in cur):
                    weight = {}
                    for c in cur:
                        d = next(iter(c[4]))
                        weight[d] = weight.get(d, 0) + c[2]
                    doc = corpus.docs[max(weight, key=weight.__getitem__)].name
                else:
                    doc = None
                runs.append((cur[0][0], cur[-1][1], round(sim, 2), len(cur), chars, doc))
            cur.clear()

    for a, b in segs:
        s, e = nd._trim(text, a, b)
        f = nd.features(text[s:e])
        if not f:
            continue
        if any(bs < e and be > s for bs, be in breaks):
            close()
            continue
        if len(f) < nd.MIN_UNIT_CHARS:
            continue
        hit = plain_best(corpus, _grams(f), min_sim)
        if hit is None:
            close()
        else:
            cur.append((s, e, len(f), hit[0], hit[1]))
    close()
    return runs


def _same(corpus, text, **kw):
    got = [(r.start, r.end, r.similarity, r.units, r.chars, r.doc.name)
           for r in corpus.search(text, **kw)]
    want = plain_search(corpus, text, **kw)
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want):
        assert g[:5] == w[:5]
        if w[5] is not None:
            assert g[5] == w[5]
    return got


_HANZI = "".join(sorted({c for t in CORPUS_TEXTS + OWN for c in t if nd._is_feature(c)}))
_MARKERS = ["", "", "", "一是", "二是", "（三）", "4.", "五、", "第六，", "①", "  ", "١、", " 12."]
_ENDS = ["。", "。", "；", "！", "\n", "，", "？"]


def _mutate(rng: random.Random, sentence: str) -> str:
    chars = list(sentence)
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3, 5])):
        if not chars:
            break
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.4:
            chars[i] = rng.choice(_HANZI)
        elif op < 0.7:
            del chars[i]
        else:
            chars.insert(i, rng.choice("，、 的12"))
    return "".join(chars)


def _corpus_sentences() -> list[str]:
    out = []
    for t in CORPUS_TEXTS:
        out += [t[u.start:u.end] for u in nd.units(t)]
    return out


def _own_sentences() -> list[str]:
    out = []
    for t in OWN:
        out += [t[u.start:u.end] for u in nd.units(t)]
    return out


def _generated(rng: random.Random, n: int = 40) -> str:
    templ, own = _corpus_sentences(), _own_sentences()
    parts = []
    for _ in range(n):
        src = templ if rng.random() < 0.6 else own
        s = rng.choice(src)
        if rng.random() < 0.3:
            s = s[: rng.randrange(1, len(s) + 1)]        # first clauses only
        if rng.random() < 0.5:
            s = _mutate(rng, s)
        if rng.random() < 0.1:
            s = s + rng.choice(templ)                     # two sentences run together
        parts.append(rng.choice(_MARKERS) + s + rng.choice(_ENDS))
    return "".join(parts)


def test_exact_copies_index_only_unambiguous_units():
    for f, di in CORPUS._exact.items():
        hit = plain_best(CORPUS, _grams(f))
        assert hit == (1.0, {di})
    assert len(CORPUS._exact) > 0.9 * len(CORPUS)


@pytest.mark.parametrize("text", CORPUS_TEXTS + OWN, ids=lambda t: t[:8])
def test_search_equals_plain_on_real_documents(text):
    _same(CORPUS, text)
    half = len(text) // 2
    _same(CORPUS, text, start=half // 3, end=half)


def test_search_equals_plain_on_generated_near_copies():
    rng = random.Random(20261127)
    matched = 0
    for i in range(60):
        text = normalize(_generated(rng)).text
        kw = {}
        if i % 3 == 0:
            spans = []
            for _ in range(rng.randrange(1, 4)):
                a = rng.randrange(len(text))
                spans.append((a, a + rng.randrange(1, 40)))
            kw["breaks"] = spans
        if i % 4 == 1:
            kw["min_sim"] = rng.choice([0.5, 0.7, 0.85, 1.0])
        if i % 5 == 2:
            kw["start"] = rng.randrange(len(text) // 2)
            kw["end"] = rng.randrange(kw["start"], len(text) + 1)
        matched += len(_same(CORPUS, text, **kw))
    assert matched > 30          # the generated texts do exercise the matching


def test_best_equals_plain_on_generated_units():
    rng = random.Random(7)
    templ, own = _corpus_sentences(), _own_sentences()
    checked = 0
    for _ in range(3000):
        s = rng.choice(templ if rng.random() < 0.7 else own)
        if rng.random() < 0.3:
            s = s[: rng.randrange(1, len(s) + 1)]
        s = _mutate(rng, s) if rng.random() < 0.7 else s
        if rng.random() < 0.4:                  # with a piece of another sentence: two
            t = rng.choice(templ)               # corpus units share its rare 3-grams
            k = rng.randrange(len(t) + 1)
            s = s + t[k:k + rng.randrange(2, 12)] if rng.random() < 0.5 else t[k:k + 8] + s
        f = nd.features(s)
        if len(f) < nd.MIN_UNIT_CHARS:
            continue
        g = _grams(f)
        got, want = CORPUS.best(g), plain_best(CORPUS, g)
        assert (got is None) == (want is None), s
        if got is not None:
            assert got[0] == want[0] and got[1] in want[1], s
            checked += 1
    assert checked > 300


def test_search_many_equals_plain_region_by_region():
    from service.document import parse
    from service.review.rules.dz601_template_copy import _regions

    seed = (ROOT / "tests" / "fixtures" / "seed_2021.txt").read_text(encoding="utf-8")
    rng = random.Random(5)
    docs = [seed] + [(ROOT / "evals/datasets/bench" / n).read_text(encoding="utf-8")
                     for n in ("specific_2021.txt", "mixed_2024.txt")]
    docs.append("一、查摆问题\n" + _generated(rng) + "\n二、原因剖析\n" + _generated(rng)
                + "\n三、整改措施\n" + _generated(rng))
    total = 0
    for raw in docs:
        doc = parse(raw)
        text = doc.norm.text
        regions = list(_regions(doc))
        breaks = [(a.start, a.heading_end) for a in doc.aspects]
        got = CORPUS.search_many(text, regions, breaks)
        assert len(got) == len(regions)
        for (s, e), runs in zip(regions, got):
            want = plain_search(CORPUS, text, s, e, breaks)
            assert [(r.start, r.end, r.similarity, r.units, r.chars) for r in runs] == \
                [w[:5] for w in want]
            total += len(runs)
    assert total >= 5


def test_unit_ends_agree():
    # search() turns the characters of _UNIT_ENDS into "\n" and splits there: they must
    # be exactly the class units() splits at
    ends = set(nd._UNIT_ENDS + "\n")
    assert {chr(c) for c in range(0x10000) if nd._UNIT_END.fullmatch(chr(c))} == ends
