"""DZ301 问题没有对应的整改措施（两张皮）

检查什么 / What it checks:
  查摆出的每一条问题，在整改措施部分是否至少有一条措施回应它：措施点名了这个问题
  （“针对……的问题”“对应第X个问题”），或措施与问题说的是同一件事（按分词后的实词
  和同义词组比较，如“纳税人”与“群众”、“党小组会”与“组织生活”；措施组的小标题也算）。
  匹配方法见 service/review/matching.py。没有任何措施沾到问题的主题时为错误；有措施
  沾了边（提到问题标题中的主题，或与问题叙述有一些共同的词，但够不上对应）时只给警告，
  以免漏认了换了说法的措施而误报。没有整改措施部分时不检查（由结构规则报告）。
为什么 / Why (domain.md rubric Q14): 措施要与问题一一对应，查摆了问题却不整改，
  审核人会认为检查只是走过场。
示例 / Example:
  查摆了“宗旨意识树的还不够牢……”，整改措施只写了加强学习、改进工作方法，
  没有一条说怎样服务群众。
应改为 / Instead write:
  补一条针对该问题的措施：“针对宗旨意识不牢的问题，2022年起每月……，6月底前……”，
  写明动作、对象、数量或频次和完成时限。
来源 / Source: domain.md §2（措施与问题一一对应，不搞“两张皮”）、rubric Q14。
"""

from __future__ import annotations

from service.review.excerpt import excerpt

from service.review import matching

CODE = "DZ301"
NAME = "unmatched-problem"
CATEGORY = "unmatched_problem"
SEVERITY = "error"
RUBRIC = ("Q14",)




def check(ctx, rule):
    doc = ctx.doc
    if not doc.problems or not doc.measures:
        return  # a missing section is the structure rule's finding
    res = matching.result(ctx)
    weak_min = matching.threshold("unmatched_error_below")
    for p in doc.problems:
        if res.by_problem[p.id]:
            continue
        # error only when no measure even touches the problem's headline topic and the
        # best overlap is low; otherwise the match may have been missed: a warning
        weak = res.head_hit[p.id] > 0 or res.best[p.id] >= weak_min
        start = p.body_start
        end = start + max(1, len(p.headline))
        head = excerpt(ctx.doc.norm.orig_text(start, end))  # as the member wrote it
        if weak:
            message = f"问题“{head}”没有找到明确对应的整改措施（只有个别措施与它沾边）。"
        else:
            message = f"问题“{head}”没有对应的整改措施。"
        yield ctx.finding(
            rule, start, end, message,
            "请补一条针对这个问题的措施（可写“针对……的问题”），写明做什么（动作和对象）、"
            "做多少或多久一次、什么时候前完成。您打算具体怎样改？由谁或用什么方式检查？",
            item=p, severity="warning" if weak else None,
        )
