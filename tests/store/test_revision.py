"""The stored form of a draft's revision rounds (service.store.revision): built from
a real ``Revision.to_json()`` (real reviews of two texts), small, JSON-safe."""

from __future__ import annotations

import json

from service.critique.revise import Revision, Round, diff
from service.llm import Usage
from service.notes import load_notes
from service.review.engine import review
from service.store import stored_revision
from tests.api.conftest import NOTES_FILE, ROOT
from tests.sentence_diff import changed

GOOD = (ROOT / "tests" / "drafting" / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")
P2 = ("二是落实税费支持政策等靠被动。4月税费支持政策出台后，我只在窗口被动解答，没有主动梳理辖区32户小微企业的享受条件，"
      "6月抽查发现其中9户没有及时享受，直接影响了企业应享的政策红利。")
PRAISE = GOOD.replace(P2, "二是工作太投入，经常加班加点，顾不上家庭。")   # disguised praise: blocking findings


def two_rounds() -> Revision:
    notes = load_notes(NOTES_FILE)
    first, second = review(PRAISE, notes=notes), review(GOOD, notes=notes)
    rounds = [Round(0, PRAISE, first),
              Round(1, GOOD, second, diff=diff(PRAISE, GOOD, "第0轮", "第1轮"),
                    edits=[{"finding": "F1", "start": 1, "end": 2, "original": "x", "replacement": "y"}],
                    prompt={"id": "revise@abc"})]
    return Revision(rounds=rounds, best=1, stopped="converged", reason=None, usage=Usage(), max_rounds=2)


def test_each_round_keeps_text_diff_verdict_scores_and_counts():
    rev = two_rounds()
    full = rev.to_json()
    got = stored_revision(full)
    assert set(got) == {"rounds", "best", "stopped", "message", "max_rounds"}
    assert (got["best"], got["stopped"], got["max_rounds"]) == (1, "converged", 2)
    assert got["message"] == "阻断性问题已全部解决"
    assert [r["round"] for r in got["rounds"]] == [0, 1]
    for stored, r in zip(got["rounds"], rev.rounds):
        assert set(stored) == {"round", "text", "diff", "verdict", "scores", "findings"}
        assert stored["text"] == r.text and stored["verdict"] == r.review.verdict
        assert stored["scores"] == r.review.scores
        sev = [f.severity for f in r.review.findings]
        assert stored["findings"] == {s: sev.count(s) for s in ("error", "warning", "info")}
    assert got["rounds"][0]["diff"] is None
    removed, added = changed(got["rounds"][1]["diff"])
    assert removed == "二是工作太投入，经常加班加点，顾不上家庭。" and added == P2
    assert got["rounds"][0]["findings"]["error"] >= 1 and got["rounds"][1]["findings"]["error"] == 0
    # small: no full review, edits, usage or prompts per round
    blob = json.dumps(got, ensure_ascii=False)
    assert "revise@abc" not in blob and '"replacement"' not in blob and '"items"' not in blob
    assert len(blob) < len(json.dumps(full, ensure_ascii=False)) / 2


def test_no_revision_is_none():
    assert stored_revision(None) is None
    assert stored_revision({}) is None
