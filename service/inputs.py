"""Reading a draft from a file, a Word document or standard input.

Text files are decoded as UTF-8 with a leading BOM dropped (design.md's span
convention); a .docx yields the text of its paragraphs joined by ``\\n`` and spans then
index that extracted text.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from service.errors import InputError
from service.text.normalize import decode_input

MAX_BYTES = 5 * 1024 * 1024


def docx_text(data: bytes, name: str = "Word 文件") -> str:
    """The text of a .docx: its paragraphs (body and tables) joined by newlines."""
    try:
        import docx  # python-docx; imported only for Word input
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise InputError("无法读取 Word 文件：缺少 python-docx。") from exc
    from lxml.etree import XMLSyntaxError  # python-docx's parser

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
        raise InputError(f"{name}：Word 文件已损坏或不是 .docx 格式（旧版 .doc 请先另存为 .docx）。") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text or Word file → text, or an InputError naming ``name``."""
    if data[:4] == b"PK\x03\x04":
        return docx_text(data, name)
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}：不是文本文件（看起来是二进制文件）。请提供 .txt、.md 或 .docx。")
    try:
        return decode_input(data)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}：不是 UTF-8 编码的文本（第 {exc.start} 字节处无法解码）。"
            "请用“另存为 UTF-8”后再试，或直接提供 .docx 文件。") from exc


def read_input(path: str) -> tuple[str, str]:
    """(display name, text) for a path or ``-`` (standard input)."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        name = "<标准输入>"
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"找不到文件：{path}")
        if p.is_dir():
            raise InputError(f"{path} 是一个目录，请指定文件。")
        try:
            with p.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
        name = path
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}：文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）。")
    return name, decode_text(data, name)
