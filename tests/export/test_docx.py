"""The Word export, checked by reading the produced document back."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from service.export.docx import build_docx

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "tests" / "fixtures" / "seed_2021.txt").read_text(encoding="utf-8")


def _east_asia(run) -> str | None:
    rfonts = run._element.rPr.find(qn("w:rFonts"))
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


def _read(text: str):
    return docx.Document(io.BytesIO(build_docx(text)))


def test_page_setup_and_margins():
    d = _read(SEED)
    s = d.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(0.5) and abs(s.page_height - Mm(297)) < Mm(0.5)
    for got, want in ((s.top_margin, 37), (s.bottom_margin, 35), (s.left_margin, 28),
                      (s.right_margin, 26)):
        assert abs(got - Mm(want)) < Mm(0.2)


def test_title_headings_and_body_fonts():
    d = _read(SEED)
    paras = [p for p in d.paragraphs if p.text.strip()]
    title = paras[0]
    assert title.text.startswith("2021年党支部")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    h1 = next(p for p in paras if p.text.startswith("一、"))
    assert _east_asia(h1.runs[0]) == "黑体"
    h2 = next(p for p in paras if p.text.startswith("（一）“对照党中央"))
    assert _east_asia(h2.runs[0]) == "楷体_GB2312"
    assert h2.runs[0].text.endswith("方面。")           # only the heading sentence
    assert _east_asia(h2.runs[1]) == "仿宋_GB2312"      # the items continue in 仿宋
    body = paras[1]
    assert all(_east_asia(r) == "仿宋_GB2312" and r.font.size == Pt(16) for r in body.runs)
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body.paragraph_format.line_spacing == Pt(28.95)
    # the Normal style carries the Chinese font too
    normal = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_paragraph_order_follows_the_text():
    d = _read(SEED)
    got = [p.text for p in d.paragraphs if p.text.strip()]
    want = [line.strip() for line in SEED.splitlines() if line.strip()]
    assert got == want


def test_page_numbers_odd_right_even_left():
    d = _read(SEED)
    s = d.sections[0]
    assert d.settings.odd_and_even_pages_header_footer
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for p in (odd, even):
        xml = p._element.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.runs[0].font.size == Pt(14) and _east_asia(p.runs[0]) == "宋体"


def test_date_line_right_aligned():
    d = _read("个人对照检查材料\n一、查摆问题\n一是缺席3次学习。\n张三\n2022年1月10日\n")
    name, date = [p for p in d.paragraphs if p.text.strip()][-2:]
    assert date.text == "2022年1月10日" and date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert name.text == "张三" and name.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_cli_export_writes_a_valid_docx(tmp_path):
    out = tmp_path / "out.docx"
    proc = subprocess.run([sys.executable, "-m", "service.cli", "export",
                           str(ROOT / "tests/fixtures/seed_2021.txt"), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert docx.Document(str(out)).paragraphs[0].text.startswith("2021年党支部")


def test_cli_export_bad_input(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "service.cli", "export", "nope.txt", "-o",
                           str(tmp_path / "x.docx")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "找不到文件" in proc.stderr and proc.stdout == ""
    proc = subprocess.run([sys.executable, "-m", "service.cli", "export",
                           str(ROOT / "tests/fixtures/seed_2021.txt"), "-o", str(tmp_path / "x.pdf")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and ".docx" in proc.stderr
