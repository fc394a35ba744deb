"""``duizhao review FILE... [--structure ID] [--notes NOTES] [--format text|json] [--llm]``."""

from __future__ import annotations

import argparse
import json
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="审读对照检查材料（离线规则检查）",
                       description="审读一份或多份对照检查材料，逐条指出问题并给出修改建议。")
    p.add_argument("files", nargs="+", metavar="FILE", help="文本文件、.docx 或 -（标准输入）")
    p.add_argument("--structure", metavar="ID", help="结构 ID 或结构文件路径（默认自动识别）")
    p.add_argument("--notes", metavar="NOTES", help="角色笔记（YAML/JSON），用于核对事实")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")
    p.add_argument("--llm", action="store_true", help="在规则检查之后再请模型审读")
    p.add_argument("--model", metavar="M", help="--llm 使用的模型（litellm 名称）")
    p.add_argument("--api-base", metavar="URL", help="OpenAI 兼容服务地址")
    p.set_defaults(func=run)


def _fail(msg: str) -> int:
    print(f"duizhao: {msg}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from service.errors import InputError
    from service.inputs import read_input
    from service.review.engine import review
    from service.review.render import render_text
    from service.structures import StructureError, get_structure

    structure = None
    if args.structure:
        try:
            structure = get_structure(args.structure)
        except StructureError as exc:
            return _fail(str(exc))
    notes = None
    if args.notes:
        from service.notes import NotesError, load_notes
        try:
            notes = load_notes(args.notes)
        except NotesError as exc:
            return _fail(str(exc))
    critic = None
    if args.llm:
        try:
            from service.critique.command import make_critic
        except ImportError:
            return _fail("本版本尚未提供模型审读（--llm）。规则检查可直接使用，不加 --llm 即可。")
        try:
            critic = make_critic(args)
        except InputError as exc:
            return _fail(str(exc))

    colour = (args.format == "text" and sys.stdout.isatty()
              and not os.environ.get("NO_COLOR"))
    worst = 0
    for path in args.files:
        try:
            name, text = read_input(path)
            result = review(text, structure=structure, notes=notes)
        except (InputError, StructureError) as exc:
            print(f"duizhao: {exc}", file=sys.stderr)
            worst = 2
            continue
        if critic is not None:
            result = critic(result, notes)
        if args.format == "json":
            sys.stdout.write(json.dumps(result.to_json(path=name), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(render_text(result, name=name, colour=colour))
            if len(args.files) > 1:
                sys.stdout.write("\n")
        if result.has_errors and worst == 0:
            worst = 1
    return worst
