"""A stored draft with revision rounds, opened from 我的草稿, shows a small table of
the rounds (轮次, 结论, 修改内容) under its review; a draft without rounds shows none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterator

import httpx
import pytest

from service.api.drafter import DraftJob, DraftOutcome
from tests.web.conftest import ARTIFACTS, NOTES_FILE, SEED, FakeDrafter

pytestmark = pytest.mark.slow

SEED_TEXT = SEED.read_text(encoding="utf-8")
BEFORE = "一是理论学习还缺乏探索精神。"
AFTER = "一是理论学习停留在读原文。"
assert BEFORE in SEED_TEXT


@dataclass
class RevisingDrafter(FakeDrafter):
    """Round 0 is the seed with one line changed back, round 1 the text returned."""

    async def stream(self, job: DraftJob) -> AsyncIterator[str | DraftOutcome]:
        from service.critique.revise import diff
        from service.review.engine import review

        first, final = SEED_TEXT.replace(BEFORE, AFTER), SEED_TEXT
        yield final
        reviews = [review(t, structure=job.structure).to_json() for t in (first, final)]
        revision = {"rounds": [{"round": 0, "text": first, "review": reviews[0], "diff": None},
                               {"round": 1, "text": final, "review": reviews[1],
                                "diff": diff(first, final, "第0轮", "第1轮")}],
                    "best": 1, "stopped": "max_rounds", "message": "已达到修改轮数上限", "max_rounds": 1,
                    "usage": {"calls": 2}}
        yield DraftOutcome(text=final, review=reviews[1], usage={"calls": 3}, model="fake/model",
                           structure=job.structure.id, extra={"revision": revision})


def _post(server, rounds: int) -> dict:
    r = httpx.post(server.url + "/v1/drafts", json={"notes": NOTES_FILE.read_text(encoding="utf-8"),
                                                    "rounds": rounds}, timeout=60)
    assert r.status_code == 201, r.text
    return r.json()


def _open_first_draft(page) -> None:
    page.get_by_role("tab", name="我的草稿").click()
    page.wait_for_selector("#history-list .history-item")
    page.locator("#history-list").get_by_role("button").first.click()
    page.wait_for_selector("#review-result:not([hidden]) mark.hl")


def test_stored_rounds_are_shown_with_their_changes(serve, open_page):
    server = serve(drafter=RevisingDrafter())
    stored = _post(server, 1)
    assert [r["round"] for r in stored["revision"]["rounds"]] == [0, 1]
    w = open_page(server)
    page = w.page
    _open_first_draft(page)
    table = page.locator("#review-rounds")
    table.wait_for()
    assert table.locator("h3").text_content() == "修改轮次"
    assert [h.strip() for h in table.locator("thead th").all_text_contents()] == ["轮次", "结论", "修改内容"]
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    first, second = rows.nth(0).locator("td"), rows.nth(1).locator("td")
    assert first.nth(0).text_content() == "初稿" and second.nth(0).text_content() == "第 1 轮（采用）"
    r0 = stored["revision"]["rounds"][0]
    assert first.nth(1).text_content().startswith(r0["verdict"] + "（错误 " + str(r0["findings"]["error"]))
    assert "已达到修改轮数上限" in table.text_content()
    assert rows.nth(0).locator("details").count() == 0
    assert not rows.nth(1).locator("pre.diff").is_visible()
    rows.nth(1).get_by_text("查看修改").click()
    diff = rows.nth(1).locator("pre.diff")
    assert diff.is_visible()
    lines = diff.text_content().splitlines()
    assert lines[:2] == ["--- 第0轮", "+++ 第1轮"]
    assert [ln for ln in lines if ln.startswith("-") and AFTER in ln]
    assert [ln for ln in lines if ln.startswith("+") and BEFORE in ln]
    w.screenshot("history-rounds")
    table.screenshot(path=str(ARTIFACTS / "history-rounds-table.png"))
    w.assert_clean()


def test_a_draft_without_rounds_shows_no_rounds(serve, open_page):
    server = serve(drafter=FakeDrafter(chunks=[SEED_TEXT], gap=0))
    assert _post(server, 0)["revision"] is None
    w = open_page(server)
    _open_first_draft(w.page)
    assert w.page.locator("#review-rounds").count() == 0
    w.assert_clean()
