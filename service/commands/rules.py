"""``duizhao rules [CODE]``: the rule catalogue, or one rule's documentation."""

from __future__ import annotations

import argparse
import sys

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="列出审读规则，或查看一条规则的说明",
                       description="不带参数时列出全部规则；给出规则代码（如 DZ101）时显示其完整说明。")
    p.add_argument("code", nargs="?", metavar="CODE", help="规则代码，如 DZ101")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from service.review.registry import all_rules, get_rule

    if args.code:
        rule = get_rule(args.code)
        if rule is None:
            print(f"duizhao: 没有规则 {args.code}。用 duizhao rules 查看全部规则。", file=sys.stderr)
            return 2
        print(f"{rule.code}  {rule.name}  类别：{rule.category}  "
              f"级别：{SEVERITY_LABEL[rule.severity]}  对应：{'、'.join(rule.rubric) or '—'}")
        print()
        print(rule.doc)
        return 0
    rules = all_rules()
    width = max(len(r.category) for r in rules)
    for r in rules:
        print(f"{r.code}  {SEVERITY_LABEL[r.severity]}  {r.category:<{width}}  {r.summary}")
    print(f"\n共 {len(rules)} 条规则。查看说明：duizhao rules DZ101")
    return 0
