"""The page in a real browser (Playwright + Debian's chromium, see conftest).

Each test checks the page made no request outside the service and logged no console
or JavaScript error, and saves a screenshot to test-artifacts/web/."""

from __future__ import annotations

import io

import pytest
import yaml

from tests.web.conftest import ARTIFACTS, NOTES_FILE, SEED, FakeDrafter, seed_chunks

pytestmark = pytest.mark.slow


def _fill_notes(page, notes: dict) -> None:
    page.get_by_label("职务/岗位").fill(notes["role"])
    page.get_by_label("单位").fill(notes.get("unit", ""))
    page.get_by_label("党内职务").fill("\n".join(notes.get("party_duties", [])))
    page.get_by_label("今年的具体事实").fill("\n".join(notes["facts"]))
    page.get_by_label("征求到的意见").fill("\n".join(notes.get("feedback", [])))
    page.get_by_label("本人查摆的不足").fill("\n".join(notes.get("self_assessment", [])))
    page.select_option("#structure", notes["structure"])
    rows = notes.get("last_year", [])
    for i, entry in enumerate(rows):
        if i:
            page.get_by_role("button", name="增加一项").click()
        row = page.locator("#last-year-rows .ly-row").nth(i)
        row.get_by_label("措施").fill(entry["measure"])
        row.get_by_label("完成情况").select_option(entry["status"])
        row.get_by_label("说明").fill(entry.get("note", ""))


def _example_notes() -> dict:
    return yaml.safe_load(NOTES_FILE.read_text(encoding="utf-8"))


def _check_spans(page, text: str, prefix: str) -> int:
    """Every highlighted finding covers exactly text[start:end] (Python offsets)."""
    cards = page.eval_on_selector_all(
        f"#{prefix}-findings .finding[data-i]",
        """cards => cards.map(c => ({i: c.dataset.i, start: +c.dataset.start, end: +c.dataset.end,
             marked: Array.from(document.querySelectorAll('#%s-doc mark[data-f~="' + c.dataset.i + '"]'))
                          .map(m => m.textContent).join('')}))""" % prefix)
    checked = 0
    for c in cards:
        if c["end"] > c["start"]:
            assert c["marked"] == text[c["start"]:c["end"]], c
            checked += 1
    return checked


def test_draft_streams_then_shows_review(serve, open_page):
    chunks = seed_chunks(5)
    fake = FakeDrafter(chunks=chunks, gap=0.5)
    server = serve(drafter=fake)
    w = open_page(server)
    page = w.page
    notes = _example_notes()
    _fill_notes(page, notes)
    page.get_by_role("button", name="生成初稿").click()
    # the first part is on screen while the rest is still being written
    page.wait_for_function("() => document.getElementById('draft-stream').textContent.length > 0")
    partial = page.text_content("#draft-stream")
    assert partial.startswith(chunks[0][:20]) and len(partial) < len("".join(chunks))
    assert page.is_disabled("#draft-submit")
    page.wait_for_selector("#draft-result:not([hidden]) mark.hl")
    assert "初稿已生成" in page.text_content("#draft-status")
    assert page.is_hidden("#draft-notice")   # a model answered: no outline notice
    assert page.text_content("#draft-doc") == "".join(chunks)
    assert _check_spans(page, "".join(chunks), "draft") > 5
    assert page.text_content("#draft-result .verdict-value") in ("可提交", "需修改", "不达标")
    # the form became the member's role notes, field by field
    (job,) = fake.jobs
    assert job.structure.id == notes["structure"]
    sent = job.notes
    assert (sent.role, sent.unit, sent.party_duties) == (notes["role"], notes["unit"], notes["party_duties"])
    assert (sent.facts, sent.feedback, sent.self_assessment) == (notes["facts"], notes["feedback"],
                                                                 notes["self_assessment"])
    assert [(x.measure, x.status, x.note) for x in sent.last_year] == [
        (x["measure"], x["status"], x.get("note")) for x in notes["last_year"]]
    w.screenshot("draft-fake-model")
    w.assert_clean()


def test_draft_outline_mode_says_how_to_configure(serve, open_page):
    server = serve()   # the real pipeline, no model configured
    w = open_page(server)
    page = w.page
    assert "未配置模型" in page.text_content("#panel-draft .lead")
    _fill_notes(page, _example_notes())
    page.get_by_role("button", name="生成初稿").click()
    page.wait_for_selector("#draft-result:not([hidden])")
    notice = page.text_content("#draft-notice")
    assert "提纲" in notice and "DUIZHAO_MODEL" in notice
    doc = page.text_content("#draft-doc")
    assert "提纲" in doc and "32户小微企业" in doc   # the member's own fact, placed in the outline
    assert "没有联系征管工作想问题" in doc             # the self-assessment reached the server
    assert "全年缺3次" in doc or "党小组会每月按时召开" in doc   # last year's measures too
    w.screenshot("draft-outline")
    w.assert_clean()


def test_draft_can_be_stopped(serve, open_page):
    server = serve(drafter=FakeDrafter(chunks=["一、对照检查出的问题\n"] + ["（一）学习方面\n"] * 50, gap=0.5))
    w = open_page(server)
    page = w.page
    _fill_notes(page, _example_notes())
    page.get_by_role("button", name="生成初稿").click()
    page.wait_for_function("() => document.getElementById('draft-stream').textContent.length > 0")
    page.get_by_role("button", name="停止").click()
    page.wait_for_selector("#draft-status:has-text('已停止生成')")
    assert page.is_enabled("#draft-submit") and page.is_hidden("#draft-stop")
    assert page.is_hidden("#draft-result")
    w.assert_clean()


def test_draft_backend_failure_keeps_the_partial_text(serve, open_page):
    from service.api.drafter import InvalidOutput

    server = serve(drafter=FakeDrafter(chunks=["今天天气很好。"], gap=0, fail=InvalidOutput("今天天气很好。")))
    w = open_page(server)
    page = w.page
    _fill_notes(page, _example_notes())
    page.get_by_role("button", name="生成初稿").click()
    page.wait_for_selector("#draft-status:has-text('生成失败')")
    assert "部分" in page.text_content("#draft-status")
    assert page.text_content("#draft-stream") == "今天天气很好。"
    assert page.is_hidden("#draft-result")
    w.assert_clean()


def test_draft_form_requires_role_and_facts(serve, open_page):
    server = serve(drafter=FakeDrafter(chunks=["x"]))
    w = open_page(server)
    page = w.page
    page.get_by_role("button", name="生成初稿").click()
    assert page.get_attribute("#role", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "role"
    assert "请填写职务" in page.text_content("#role-error")
    assert page.is_hidden("#draft-stream-box")
    w.assert_clean()


def test_review_pasted_text_highlights_with_astral_characters(serve, open_page):
    server = serve()
    w = open_page(server)
    page = w.page
    page.get_by_role("tab", name="审读").click()
    # characters outside the BMP before the findings: Python offsets ≠ UTF-16 offsets
    text = "𠮷😀𝄞\n" + SEED.read_text(encoding="utf-8")
    page.get_by_label("材料全文").fill(text)
    page.get_by_role("button", name="审读", exact=True).click()
    page.wait_for_selector("#review-result:not([hidden]) mark.hl")
    assert page.evaluate("window.duizhao.offsetMap('𠮷a')") == [0, 2, 3]
    assert _check_spans(page, text, "review") > 10
    for sev in ("error", "warning"):
        assert page.locator(f"#review-doc mark.hl.sev-{sev}").count() > 0
    # side panel: message, suggestion and the rule's "why" from /v1/rules
    card = page.locator("#review-findings .finding[data-rule='DZ101']").first
    assert card.locator(".f-msg").text_content()
    assert "建议" in card.locator(".f-sugg").text_content()
    page.wait_for_function("""() => { const w = document.querySelector(
        "#review-findings .finding[data-rule='DZ101'] .f-why"); return w && !w.hidden && w.textContent.length > 10; }""")
    # problem → measure matrix with the gaps marked; scores and verdict
    assert page.locator("#review-result .matrix tr.gap-row").count() >= 2
    assert "没有对应的整改措施" in page.text_content("#review-result .matrix")
    gap = page.locator("#review-result .matrix tr.gap-row .item-link").first
    item = gap.get_attribute("data-item")
    gap.click()
    assert page.evaluate("document.activeElement.id") == f"review-item-{item}"
    assert page.text_content("#review-result .verdict-value") == "不达标"
    assert page.text_content("#review-result .score-specificity").endswith("%")
    # a finding → its span (focus moves there), Enter on the span → back to the finding
    goto = card.get_by_role("button", name="定位原文")
    i = goto.get_attribute("data-i")
    goto.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    assert i in page.evaluate("document.activeElement.dataset.f").split()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"review-card-{i}"
    w.screenshot("review-pasted")
    w.assert_clean()


def test_export_downloads_a_valid_docx_and_copy(serve, open_page):
    import docx

    server = serve()
    w = open_page(server, permissions=["clipboard-read", "clipboard-write"])
    page = w.page
    page.get_by_role("tab", name="审读").click()
    text = SEED.read_text(encoding="utf-8")
    page.get_by_label("材料全文").fill(text)
    page.get_by_role("button", name="审读", exact=True).click()
    page.wait_for_selector("#review-result:not([hidden])")
    with page.expect_download() as info:
        page.locator("#review-result").get_by_role("button", name="导出 Word").click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "export.docx"
    download.save_as(str(target))
    data = target.read_bytes()
    assert data[:4] == b"PK\x03\x04"
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    body = "\n".join(paragraphs)
    first_line = next(line for line in text.splitlines() if line.strip())
    assert first_line.strip() in body
    assert "缺乏探索精神" in body
    page.locator("#review-result").get_by_role("button", name="复制全文").click()
    page.wait_for_function("() => document.querySelector('#review-result .status').textContent.includes('已复制')")
    assert page.evaluate("navigator.clipboard.readText()") == text
    w.assert_clean()


def test_open_a_docx_file(serve, open_page, tmp_path):
    from service.export.docx import build_docx

    server = serve()
    w = open_page(server)
    page = w.page
    page.get_by_role("tab", name="审读").click()
    path = tmp_path / "我的材料.docx"
    path.write_bytes(build_docx(SEED.read_text(encoding="utf-8")))
    page.get_by_label("打开文件（.txt 或 .docx）").set_input_files(str(path))
    page.wait_for_selector("#review-result:not([hidden]) mark.hl")
    assert "我的材料.docx" in page.text_content("#review-status")
    value = page.input_value("#review-text")
    assert "缺乏探索精神" in value
    assert _check_spans(page, page.evaluate("document.getElementById('review-doc').textContent"), "review") > 5
    w.assert_clean()


def test_phone_width(serve, open_page):
    server = serve()
    w = open_page(server, width=375, height=740, is_mobile=True, has_touch=True)
    page = w.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    w.screenshot("phone-draft-form")
    page.get_by_role("tab", name="审读").click()
    page.get_by_label("材料全文").fill(SEED.read_text(encoding="utf-8"))
    page.get_by_role("button", name="审读", exact=True).click()
    page.wait_for_selector("#review-result:not([hidden]) mark.hl")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # one column: the findings panel sits below the text, not beside it
    doc_box = page.locator("#review-doc").bounding_box()
    panel_box = page.locator("#review-findings").bounding_box()
    assert panel_box["y"] > doc_box["y"] + doc_box["height"] - 1
    assert doc_box["width"] <= 375
    w.screenshot("phone-review")
    w.assert_clean()


def test_keyboard_tabs(serve, open_page):
    server = serve()
    w = open_page(server)
    page = w.page
    page.get_by_role("tab", name="起草").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-review"
    assert page.is_visible("#panel-review") and page.is_hidden("#panel-draft")
    page.keyboard.press("End")
    assert page.get_attribute("#tab-history", "aria-selected") == "true"
    page.wait_for_selector("#history-status:has-text('还没有草稿')")
    w.assert_clean()


def test_token_is_kept_and_history_opens_a_draft(serve, open_page):
    token = "web-test-token-0123456789"
    server = serve(drafter=FakeDrafter(chunks=seed_chunks(3), gap=0.05), api_tokens=[token])
    w = open_page(server)
    page = w.page
    page.get_by_role("tab", name="我的草稿").click()
    assert "令牌" in page.text_content("#history-status")   # asks for the token, makes no failing call
    page.get_by_role("tab", name="审读").click()
    page.get_by_label("材料全文").fill("一、查摆问题\n一是学习不够。")
    page.locator("#token-box summary").click()   # closed: the page opens it when a token is needed
    assert not page.evaluate("document.getElementById('token-box').open")
    page.get_by_role("button", name="审读", exact=True).click()
    page.wait_for_selector("#review-status:has-text('访问令牌')")
    assert page.evaluate("document.getElementById('token-box').open")
    page.get_by_label("API 令牌").fill(token)
    page.get_by_role("button", name="保存").click()
    assert page.evaluate("localStorage.getItem('duizhao.token')") == token
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.input_value("#token") == token
    page.get_by_role("tab", name="起草").click()
    _fill_notes(page, _example_notes())
    page.get_by_role("button", name="生成初稿").click()
    page.wait_for_selector("#draft-result:not([hidden])")
    page.get_by_role("tab", name="我的草稿").click()
    page.wait_for_selector("#history-list .history-item")
    assert page.locator("#history-list .history-item").count() == 1
    page.locator("#history-list").get_by_role("button").first.click()
    page.wait_for_selector("#review-result:not([hidden]) mark.hl")
    assert page.get_attribute("#tab-review", "aria-selected") == "true"
    assert page.input_value("#review-text") == "".join(seed_chunks(3))
    w.screenshot("history-opened")
    w.assert_clean()
