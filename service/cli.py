"""The ``duizhao`` command: thin dispatch over service/commands/*.

Each subcommand module imports what it needs inside ``run``; nothing here imports
litellm or FastAPI, so ``duizhao review`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from service import __version__

# subcommand modules, in help order
COMMANDS = ("review", "draft", "export", "serve", "eval", "rules", "structures")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line Chinese error and exit code 2 (design.md)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"duizhao: 用法错误：{message}（duizhao --help 查看用法）\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="duizhao", description="对照：个人对照检查材料的起草与审读。")
    parser.add_argument("--version", action="version", version=f"duizhao {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"service.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"service.commands.{name}":
                continue  # not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("duizhao: 已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("DUIZHAO_DEBUG"):
            raise
        print(f"duizhao: 内部错误（{type(exc).__name__}），输入没有被修改。"
              "设置 DUIZHAO_DEBUG=1 可查看详细信息，请反馈给维护者。", file=sys.stderr)
        return 4


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
