"""A draft as a Word document in 公文 layout (GB/T 9704-2012).

A4; margins top 37 mm, bottom 35 mm, left (binding) 28 mm, right 26 mm; fixed line
pitch (28.95 pt by default); title 2号 方正小标宋简体 centred; body 3号 仿宋_GB2312 with a
two-character first-line indent; 一、 headings 黑体; （一） headings 楷体_GB2312 (only the
heading sentence when the item continues on the same line); page numbers 4号 宋体
"— N —", odd pages right and even pages left (a ``PAGE`` field). Constants live in
``layout.yaml``.

python-docx writes only the ASCII font slots through ``run.font.name``; the Chinese
font is set on ``w:rFonts/@w:eastAsia`` of every run and of the Normal style. The fonts
are named, not embedded: Word substitutes an installed font where one is missing.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

import yaml
from docx import Document as new_document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from service.document import parse

_H1 = re.compile(r"^\s*([一二三四五六七八九十]{1,3}[、.．]|第[一二三四五六七八九十]{1,3}部分)")
_H2 = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[）)]")
_DATE = re.compile(r"^\s*\d{4}年\d{1,2}月\d{1,2}日\s*$")
_MD = re.compile(r"^\s*#{1,6}\s*|\*\*")
_HEADING_END = re.compile(r"[。：:]")


@lru_cache(maxsize=1)
def layout() -> dict:
    return yaml.safe_load((Path(__file__).parent / "layout.yaml").read_text(encoding="utf-8"))


def _set_fonts(run, east_asia: str, size_pt: float, latin: str) -> None:
    run.font.name = latin
    run.font.size = Pt(size_pt)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _paragraph(doc, pitch: float):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(pitch)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    return p


def _page_number_footer(footer, align, L: dict) -> None:
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = align
    size = L["sizes_pt"]["page_number"]
    font = L["fonts"]["page_number"]

    def text_run(t: str):
        r = p.add_run(t)
        _set_fonts(r, font, size, font)
        return r

    text_run("— ")
    for kind, value in (("begin", None), ("instr", " PAGE "), ("end", None)):
        r = text_run("")
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = value
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        r._element.append(el)
    text_run(" —")


def build_docx(text: str) -> bytes:
    """The Word file (bytes) for ``text`` (a draft in the parser's heading style)."""
    L = layout()
    pitch = float(L["line_pitch_pt"])
    fonts, sizes = L["fonts"], L["sizes_pt"]
    latin = fonts["latin"]
    doc = new_document()

    normal = doc.styles["Normal"]
    normal.font.name = latin
    normal.font.size = Pt(sizes["body"])
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), fonts["body"])

    sec = doc.sections[0]
    sec.start_type = WD_SECTION.NEW_PAGE
    sec.page_width, sec.page_height = Mm(L["page"]["width_mm"]), Mm(L["page"]["height_mm"])
    m = L["margins_mm"]
    sec.top_margin, sec.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
    sec.left_margin, sec.right_margin = Mm(m["left"]), Mm(m["right"])
    # odd pages: number on the right; even pages: on the left
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, L)
    _page_number_footer(sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, L)

    parsed = parse(text)
    title = parsed.title
    indent = Pt(sizes["body"] * L["first_line_indent_chars"])
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    signature: set[str] = set()
    if parsed.signature_span:
        s0, s1 = parsed.norm.orig_span(*parsed.signature_span)
        signature = {ln.strip() for ln in parsed.norm.original[s0:s1].splitlines() if ln.strip()}
    title_done = False
    for raw in lines:
        line = _MD.sub("", raw).strip()
        if not line:
            continue
        p = _paragraph(doc, pitch)
        if not title_done and title and line == _MD.sub("", title).strip():
            title_done = True
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_fonts(p.add_run(line), fonts["title"], sizes["title"], latin)
            _paragraph(doc, pitch)  # one blank line after the title
            continue
        title_done = True
        if _DATE.match(line) or line in signature:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _set_fonts(p.add_run(line), fonts["body"], sizes["body"], latin)
            continue
        p.paragraph_format.first_line_indent = indent
        if _H1.match(line):
            head, rest = _split_heading(line, whole_if_short=True)
            _set_fonts(p.add_run(head), fonts["heading1"], sizes["heading1"], latin)
        elif _H2.match(line):
            head, rest = _split_heading(line, whole_if_short=True)
            _set_fonts(p.add_run(head), fonts["heading2"], sizes["heading2"], latin)
        else:
            head, rest = "", line
        if rest:
            _set_fonts(p.add_run(rest), fonts["body"], sizes["body"], latin)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _split_heading(line: str, whole_if_short: bool) -> tuple[str, str]:
    """(heading, rest): the heading sentence up to the first 。/：, the rest as body."""
    m = _HEADING_END.search(line)
    if m is None or m.end() == len(line):
        return line, ""
    return line[: m.end()], line[m.end():]
