"""DZ601 template_copy and service/text/neardup.py."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from evals.harness import clean_document, embed
from service.review.engine import review
from service.review.rules.dz601_template_copy import CORPUS_DIR
from service.text import neardup
from service.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "seed_2021.txt"
STOCK = sorted(CORPUS_DIR.glob("stock_*.txt"))


def _own(result):
    return [f for f in result.findings if f.rule == "DZ601"]


# ---- neardup ---------------------------------------------------------------------

def test_similarity_bounds():
    a = SEED.read_text(encoding="utf-8")
    assert neardup.similarity(a, a) == 1.0
    assert neardup.similarity(a, clean_document()) < 0.1
    assert neardup.similarity("", a) == 0.0


def test_similarity_of_a_lightly_edited_copy():
    a = "理论学习的自觉性和主动性不够强，往往是上级要求学什么就学什么，安排学多少就学多少。"
    b = "理论学习的主动性不够强，往往是上级要求学什么就学什么，安排多少就学多少。"
    assert 0.6 <= neardup.similarity(a, b) < 1.0


def test_features_ignore_punctuation_and_pinyin():
    assert neardup.features("作为党小组长落实zuzhi生活、开展批评，12次") == "作为党小组长落实生活开展批评12次"


def test_units_drop_numbering_markers():
    text = "（一）理想信念有所松懈。二是学用脱节。3.服务不主动"
    got = [text[u.start:u.end] for u in neardup.units(text)]
    assert got == ["理想信念有所松懈", "学用脱节", "服务不主动"]


def test_corpus_best_is_exact_jaccard():
    doc = neardup.CorpusDoc("t", "t")
    corpus = neardup.Corpus([(doc, "甲乙丙丁戊己庚辛壬癸。子丑寅卯辰巳午未申酉。")])
    q = neardup.shingles("甲乙丙丁戊己庚辛壬")         # 7 of the unit's 8 trigrams
    assert corpus.best(q) == (pytest.approx(7 / 8), 0)
    assert corpus.best(neardup.shingles("子丑寅卯甲乙丙丁")) is None


def test_runs_join_consecutive_copied_sentences():
    corpus = neardup.load_corpus(str(CORPUS_DIR))
    text = ("对分管部门和人员要求不够严格，有时存在重业务轻党建的倾向，认为把业务工作抓好了就行。"
            "我今年带的两名新同事，我一次也没有和他们谈过心。"
            "工作中有求稳怕乱的思想，习惯于按老规矩、老套路办事，改革创新的魄力不足。"
            "调查研究不够深入，有时满足于听汇报、看材料，蹲点调研、解剖麻雀做得不够。")
    runs = corpus.search(text)
    assert len(runs) == 2                      # own sentence breaks the run
    assert runs[0].units == 1 and runs[1].units == 2
    assert all(r.doc.name == "stock_dem_life_leadership" for r in runs)
    assert text[runs[1].start:runs[1].end].startswith("工作中有求稳怕乱")
    assert text[runs[1].start:runs[1].end].endswith("做得不够")


def test_short_stock_sentence_is_not_a_run():
    corpus = neardup.load_corpus(str(CORPUS_DIR))
    assert corpus.search("现将对照检查情况报告如下。") == []     # 12 characters < 20


# ---- the corpus ------------------------------------------------------------------

def test_seed_is_in_the_corpus_verbatim():
    assert (CORPUS_DIR / "seed_2021.txt").read_bytes() == SEED.read_bytes()


def test_every_stock_document_is_labelled_honestly():
    readme = (CORPUS_DIR / "README.md").read_text(encoding="utf-8")
    label = ("hand-assembled from stock phrasing typical of circulated templates, "
             "not copies of specific published documents")
    assert 3 <= len(STOCK) <= 5
    for path in STOCK:
        row = next(line for line in readme.splitlines() if f"`{path.name}`" in line)
        assert label in row.lower(), path.name


def test_corpus_documents_do_not_copy_each_other():
    texts = [normalize(p.read_text(encoding="utf-8")).text for p in CORPUS_DIR.glob("*.txt")]
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert neardup.similarity(a, b) < 0.2


# ---- DZ601 in documents ----------------------------------------------------------

def test_seed_is_flagged_as_template_copy():
    text = SEED.read_text(encoding="utf-8")
    own = _own(review(text))
    assert len(own) >= 5
    assert all(f.extra["template"] == "seed_2021" and f.extra["similarity"] >= 0.9 for f in own)
    assert all(f.severity == "warning" and f.category == "template_copy" for f in own)
    assert "流传模板" in own[0].message and "相似度" in own[0].message
    copied = sum(f.end - f.start for f in own)
    assert copied > 0.7 * len(text.strip())
    # spans index the original text
    assert text[own[1].start:own[1].end].startswith("理论学习还缺乏探索精神")


def test_clean_document_has_no_template_copy():
    assert _own(review(clean_document())) == []


def test_lightly_edited_stock_paragraph_is_flagged():
    text = ("二是理论学习的自觉性和主动性不强，往往是上级要求学什么就学什么，安排学多少就学多少，"
            "缺乏学习的计划性。学习时满足于读读文件、看看报纸、记记笔记，浅尝辄止、不求甚解。")
    doc, (s, e) = embed("problem", text)
    own = [f for f in _own(review(doc)) if f.start < e and f.end > s]
    assert len(own) == 1
    assert own[0].extra["template"] == "stock_org_life_six_aspects"
    assert own[0].item == "p2"


def test_aspect_headings_are_never_template_copy():
    text = ("一、查摆问题\n（一）“对照党中央和习近平总书记的号召和要求”方面\n"
            "一是今年12次集中学习我缺席了3次，事后没有补学原文。\n"
            "（二）“对照新时代合格党员标准”方面\n一是党小组会第二季度只开了1次。\n"
            "二、原因剖析\n（一）把学习当作软任务。\n三、整改措施\n（一）每次缺席后一周内补学。\n")
    assert _own(review(text)) == []


# ---- cost ------------------------------------------------------------------------

def test_cold_start_does_not_import_datasketch_and_builds_lazily():
    code = ("import sys; import service.review.rules.dz601_template_copy as m; "
            "from service.text import neardup as n; "
            "print(n.load_corpus.cache_info().currsize, 'datasketch' in sys.modules, "
            "'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["0", "False", "False"]


def test_search_is_fast():
    corpus = neardup.load_corpus(str(CORPUS_DIR))
    text = normalize(SEED.read_text(encoding="utf-8") + clean_document()).text
    times = []
    for _ in range(5):
        t = time.perf_counter()
        corpus.search(text)
        times.append(time.perf_counter() - t)
    assert sorted(times)[2] < 0.02           # ~1 ms on a laptop; generous for CI
