"""DZ302 措施没有对应的问题（两张皮）

检查什么 / What it checks:
  整改措施中的每一条，是否回应了查摆出的某个问题：措施点名了问题（“针对……的问题”），
  或与某个问题说的是同一件事（按分词后的实词和同义词组比较，措施组小标题也算）。
  匹配方法见 service/review/matching.py。文中没有查摆问题部分时不检查（由结构规则报告）。
为什么 / Why (domain.md rubric Q14): 与问题无关的措施说明“问题”和“措施”各写各的，
  是“两张皮”；多半是从模板里搬来的套话。
示例 / Example:
  查摆的是学习、组织生活、服务群众的问题，措施里却有一条“加强网络安全管理，
  定期更新杀毒软件”。
应改为 / Instead write:
  说明这条措施针对哪个问题（“针对……的问题，……”）；如果它回应的问题没有写进查摆部分，
  就补写那个问题，或删去这条措施。
来源 / Source: domain.md §2（措施与问题一一对应，没有游离的措施）、rubric Q14。
"""

from __future__ import annotations

from service.review.excerpt import excerpt

from service.review import matching

CODE = "DZ302"
NAME = "orphan-measure"
CATEGORY = "orphan_measure"
SEVERITY = "warning"
RUBRIC = ("Q14",)




def check(ctx, rule):
    doc = ctx.doc
    if doc.section("problems") is None or not doc.problems or not doc.measures:
        return  # no problems section: the structure rule reports it
    answers = matching.answered_by(ctx)
    for m in doc.measures:
        if answers.get(m.id):
            continue
        start = m.body_start
        end = start + max(1, len(m.headline))
        yield ctx.finding(
            rule, start, end,
            f"措施“{excerpt(ctx.doc.norm.orig_text(start, end))}”没有对应查摆出的任何问题，"
            "与问题“两张皮”。",
            "这条措施是针对哪个问题的？请在措施开头写明“针对……的问题”；如果它回应的问题"
            "没有写进查摆部分，请考虑补写那个问题，否则可以删去这条措施。",
            item=m,
        )
