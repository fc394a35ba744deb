"""``duizhao export FILE -o OUT.docx``: a draft as a Word file in 公文 layout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="把材料导出为公文格式的 Word 文件",
                       description="把文本材料导出为公文格式（GB/T 9704）的 .docx 文件。")
    p.add_argument("file", metavar="FILE", help="文本文件或 -（标准输入）")
    p.add_argument("-o", "--output", required=True, metavar="OUT.docx", help="输出的 .docx 文件")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from service.errors import InputError
    from service.export.docx import build_docx
    from service.inputs import read_input

    out = Path(args.output)
    if out.suffix.lower() != ".docx":
        print("duizhao: 输出文件必须以 .docx 结尾。", file=sys.stderr)
        return 2
    try:
        _name, text = read_input(args.file)
    except InputError as exc:
        print(f"duizhao: {exc}", file=sys.stderr)
        return 2
    if not text.strip():
        print("duizhao: 文本为空：没有可导出的内容。", file=sys.stderr)
        return 2
    data = build_docx(text)
    try:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        print(f"duizhao: 无法写入 {out}：{exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"已导出：{out}（{len(data) // 1024} KB）", file=sys.stderr)
    return 0
