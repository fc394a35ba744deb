"""DZ601 照搬照抄流传模板

检查什么 / What it checks:
  把材料逐句与随产品附带的“流传模板”语料（service/review/corpus/，说明见其 README.md：
  2021年广泛流传的种子模板原文，加上按常见套话手工拼成的几篇模板样本）比对：
  一句话与语料中某句的 3 字片段 Jaccard 相似度 ≥ 0.6 即算“抄自模板”（只抄了模板长句
  前半截的，15 字以上且 80% 的片段出现在模板同一句中，也算）；连续抄自模板的
  句子合成一段，合计不少于 20 个汉字（或数字）才报告，一段一条提示，写明相似度和
  像哪一篇模板。年度规定的方面标题（“对照入党誓词”方面等）是规定用语，不参与比对；
  单独一句规范提法或“现将对照检查情况报告如下”之类的短套话不足 20 字，不会单独报出。
  方法说明（为何用精确 Jaccard 而非 MinHash）见 service/text/neardup.py。
为什么 / Why (domain.md rubric Q24): 审核者会退回“照搬照抄、千篇一律”的材料；整段套用
  模板，说明问题不是自己查摆出来的。
示例 / Example: “一是理论学习还缺乏探索精神。能够及时跟进学习习近平总书记最新重要讲话
  精神和党的理论创新成果……但对学到的东西很少进行反复琢磨、深层研究。”（种子模板原句）
应改为 / Instead write: 自己的事：“今年支部安排的12次集中学习，我缺席了3次，事后只看了
  会议纪要，没有补学原文。”
来源 / Source: domain.md §2“No 照搬照抄 / 千篇一律 / 老调重弹”；评分表 Q24；
  engineering.md “Chinese text”（3 字片段近似重复检测）。
"""

from __future__ import annotations

from bisect import bisect_right
from operator import le
from pathlib import Path

from service.text.neardup import MIN_RUN_CHARS, MIN_UNIT_SIMILARITY, load_corpus

CODE = "DZ601"
NAME = "template-copy"
CATEGORY = "template_copy"
SEVERITY = "warning"
RUBRIC = ("Q24",)

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"

_SUGGESTION = ("请删去套话，用自己今年的真实情况重写这一段：具体是哪件事、什么时候、"
               "造成了什么影响、当时是怎么想的。审核时，与流传模板雷同的材料会被认为"
               "是照搬照抄、千篇一律。")


def _regions(doc):
    if doc.preamble_span:
        yield doc.preamble_span
    for sec in doc.sections:
        yield sec.heading_end, sec.end


def _item_at(items, starts, start: int, end: int):
    """The first of ``items`` (document order) whose span contains [start, end).
    ``starts`` (their starts) is given when they are sorted and do not overlap: then
    only the last item starting at or before ``start`` can contain the span."""
    if starts is not None:
        i = bisect_right(starts, start) - 1
        if i >= 0 and end <= items[i].end:
            return items[i]
        return None
    for it in items:
        if it.start <= start and end <= it.end:
            return it
    return None


def check(ctx, rule):
    corpus = load_corpus(str(CORPUS_DIR))
    doc = ctx.doc
    text = ctx.text
    breaks = [(a.start, a.heading_end) for a in doc.aspects]
    items = starts = None
    for runs in corpus.search_many(text, _regions(doc), breaks=breaks,
                                   min_sim=MIN_UNIT_SIMILARITY, min_chars=MIN_RUN_CHARS):
        for run in runs:
            if items is None:
                items = doc.items
                starts = [it.start for it in items]
                if not all(map(le, starts, starts[1:])) or not all(
                        it.end <= s for it, s in zip(items, starts[1:])):
                    starts = None
            excerpt = doc.norm.orig_text(run.start, run.end)
            if len(excerpt) > 24:
                excerpt = excerpt[:24] + "……"
            message = (f"“{excerpt}”这段（连续{run.units}句，{run.chars}字）与流传模板"
                       f"《{run.doc.title}》高度相似（相似度{run.similarity:.2f}），像是照搬照抄。")
            yield ctx.finding(rule, run.start, run.end, message, _SUGGESTION,
                              item=_item_at(items, starts, run.start, run.end),
                              similarity=run.similarity, template=run.doc.name)
