"""The draft repository on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from service.store import DraftStore, migrate


@pytest.fixture
def store(engine) -> DraftStore:
    migrate(engine)
    return DraftStore(engine)


NOTES = {"role": "征管科科员", "facts": ["4月只在窗口被动解答，没有主动梳理32户小微企业"], "name": "张三"}


def test_create_then_finish_keeps_everything(store):
    d = store.create(owner="o1", notes=NOTES, structure="org-life-2021", model="deepseek/deepseek-chat", rounds=1)
    got = store.get(d.id, "o1")
    assert got.status == "running" and got.text == "" and got.finished_at is None
    assert got.notes == NOTES
    ok = store.finish(d.id, status="done", text="一、对照检查出的问题\n", review={"verdict": "需修改", "findings": []},
                      usage={"prompt_tokens": 12, "cost_usd": None}, model="deepseek/deepseek-chat",
                      prompts=[{"id": "draft@abc", "rendered_sha256": "f" * 64}])
    assert ok
    j = store.get(d.id, "o1").to_json()
    assert j["status"] == "done"
    assert j["text"] == "一、对照检查出的问题\n"
    assert j["review"]["verdict"] == "需修改"
    assert j["usage"] == {"prompt_tokens": 12, "cost_usd": None}
    assert j["prompts"][0]["id"] == "draft@abc"
    assert j["structure"] == "org-life-2021" and j["rounds"] == 1
    assert j["created_at"].endswith("Z") and j["finished_at"] >= j["created_at"]
    assert "owner" not in j
    assert j["revision"] is None                         # no revision ran


def test_revision_rounds_are_stored_and_kept_out_of_the_list(store):
    rev = {"rounds": [{"round": 0, "text": "甲\n", "diff": None, "verdict": "需修改", "scores": {"specificity": 0.5},
                       "findings": {"error": 2, "warning": 1, "info": 0}},
                      {"round": 1, "text": "乙\n", "diff": "--- 第0轮\n+++ 第1轮\n@@ -1 +1 @@\n-甲\n+乙\n",
                       "verdict": "可提交", "scores": {"specificity": 0.8},
                       "findings": {"error": 0, "warning": 0, "info": 1}}],
           "best": 1, "stopped": "converged", "message": "阻断性问题已全部解决", "max_rounds": 2}
    d = store.create(owner="o1", notes=NOTES, rounds=2)
    assert store.finish(d.id, status="done", text="乙\n", revision=rev)
    got = store.get(d.id, "o1")
    assert got.to_json()["revision"] == rev
    assert "revision" not in got.summary() and "revision" not in store.list("o1")[0].summary()


def test_a_draft_ends_once(store):
    d = store.create(owner="o1", notes=NOTES)
    assert store.finish(d.id, status="cancelled", text="部分")
    assert not store.finish(d.id, status="done", text="全文")
    assert store.get(d.id, "o1").status == "cancelled"
    assert store.get(d.id, "o1").text == "部分"
    with pytest.raises(ValueError):
        store.finish(d.id, status="running")


def test_failed_keeps_partial_text_and_error(store):
    d = store.create(owner="o1", notes=NOTES)
    store.finish(d.id, status="failed", text="一、对照检查出的", error={"code": "backend_timeout", "message": "超时"})
    j = store.get(d.id, "o1").to_json()
    assert j["status"] == "failed" and j["text"] == "一、对照检查出的"
    assert j["error"]["code"] == "backend_timeout"


def test_owners_see_only_their_own(store):
    a = store.create(owner="a" * 64, notes=NOTES)
    store.create(owner="b" * 64, notes=NOTES)
    assert store.get(a.id, "b" * 64) is None
    assert [d.id for d in store.list("a" * 64)] == [a.id]
    assert store.count("a" * 64) == 1 and store.count("c" * 64) == 0


def test_list_is_newest_first_and_pages(store):
    ids = []
    for _ in range(5):
        ids.append(store.create(owner="o", notes=NOTES).id)
        time.sleep(0.002)
    assert [d.id for d in store.list("o", limit=2)] == ids[::-1][:2]
    assert [d.id for d in store.list("o", limit=2, offset=2)] == ids[::-1][2:4]
    assert store.count("o") == 5
    s = store.list("o", limit=1)[0].summary()
    assert "notes" not in s and "text" not in s


def test_recover_interrupted_marks_orphans_failed(store, engine):
    d = store.create(owner="o", notes=NOTES)
    done = store.create(owner="o", notes=NOTES)
    store.finish(done.id, status="done", text="x")
    time.sleep(0.01)
    n = store.recover_interrupted(older_than=0.001)
    assert n == 1
    got = store.get(d.id, "o")
    assert got.status == "failed" and got.error["code"] == "interrupted"
    assert store.get(done.id, "o").status == "done"


def test_recover_interrupted_spares_recent_drafts_when_asked(store):
    d = store.create(owner="o", notes=NOTES)
    assert store.recover_interrupted(older_than=3600) == 0
    assert store.get(d.id, "o").status == "running"


def test_concurrent_writers(store):
    """Many threads creating and finishing drafts at once (SQLite: one writer at a
    time, busy timeout; PostgreSQL: a pool)."""
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(5):
                d = store.create(owner=f"o{i % 3}", notes=NOTES)
                assert store.finish(d.id, status="done", text=f"第{i}份")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert sum(store.count(f"o{k}") for k in range(3)) == 60
    assert all(d.status == "done" for d in store.list("o0", limit=100))
