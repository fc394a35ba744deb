"""Reading drafts: text, Word, standard input, and every kind of bad input."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from service.errors import InputError
from service.inputs import decode_text, read_input

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seed_2021.txt"


def _docx_bytes(lines):
    d = docx.Document()
    for line in lines:
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_bom_dropped_and_crlf_kept():
    text = decode_text("\ufeff一、查摆问题\r\n".encode("utf-8"), "x.txt")
    assert text == "一、查摆问题\r\n"


def test_docx_paragraphs_joined():
    assert decode_text(_docx_bytes(["标题", "一、查摆问题"]), "x.docx") == "标题\n一、查摆问题"


@pytest.mark.parametrize("data,needle", [
    (b"\x00\x01\x02binary", "不是文本文件"),
    ("中文".encode("gbk"), "UTF-8"),
    (b"PK\x03\x04not a zip", "Word 文件已损坏"),
])
def test_bad_bytes(data, needle):
    with pytest.raises(InputError) as ei:
        decode_text(data, "x")
    assert needle in str(ei.value) and "\n" not in str(ei.value)


def test_docx_with_broken_xml():
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx_bytes(["正文"]))) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    with pytest.raises(InputError):
        decode_text(buf.getvalue(), "broken.docx")


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="找不到文件"):
        read_input(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="目录"):
        read_input(str(tmp_path))


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "service.cli", *args], input=stdin,
                          capture_output=True, cwd=ROOT)


def test_cli_bad_file_among_good_ones_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x00\x00")
    proc = _cli("review", "--format", "json", str(bad), str(SEED))
    assert proc.returncode == 2
    out = proc.stdout.decode().strip().splitlines()
    assert len(out) == 1 and '"path"' in out[0]
    err = proc.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "不是文本文件" in err[0] and "Traceback" not in proc.stderr.decode()


@pytest.mark.parametrize("args,stdin,needle", [
    (["review", "-"], b"", "文本为空"),
    (["review", "-"], "今天天气很好，我们去公园散步吧。".encode(), "不是对照检查材料"),
    (["review", "--structure", "org-life-1999", str(SEED)], None, "未知的结构"),
    (["review", "--notes", str(SEED), str(SEED)], None, "角色笔记"),
])
def test_cli_bad_input_exit_2_one_line(args, stdin, needle):
    proc = _cli(*args, stdin=stdin)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert err.count("\n") == 1 and needle in err, err


def test_cli_stdin_and_docx_file(tmp_path):
    proc = _cli("review", "--format", "json", "-", stdin=SEED.read_bytes())
    assert proc.returncode == 1 and b'"structure": "org-life-2021"' in proc.stdout
    p = tmp_path / "seed.docx"
    p.write_bytes(_docx_bytes(SEED.read_text(encoding="utf-8").splitlines()))
    proc = _cli("review", str(p))
    assert proc.returncode == 1 and "zuzhi" in proc.stdout.decode()
