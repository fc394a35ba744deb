"""Ordered, recorded schema migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text

from service.store import MIGRATIONS, DatabaseError, current_version, migrate
from service.store.migrations import applied
from service.store.models import Base

LATEST = MIGRATIONS[-1][0]
NEXT = LATEST + 1          # the version a test's extra migration takes


def test_fresh_database_gets_every_migration_recorded(engine):
    assert current_version(engine) == 0
    done = migrate(engine)
    assert done == [m[0] for m in MIGRATIONS]
    assert applied(engine) == [(m[0], m[1]) for m in MIGRATIONS]
    assert current_version(engine) == MIGRATIONS[-1][0]


def test_second_run_applies_nothing(engine):
    migrate(engine)
    assert migrate(engine) == []
    assert len(applied(engine)) == len(MIGRATIONS)


def test_migrated_schema_matches_the_models(engine):
    migrate(engine)
    insp = inspect(engine)
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in insp.get_columns(table.name)}
        want = {c.name for c in table.columns}
        assert have == want, table.name
    indexes = {i["name"] for i in insp.get_indexes("drafts")}
    assert "ix_drafts_owner_created" in indexes


def test_later_migrations_run_in_order_and_once(engine):
    calls: list[int] = []

    def add_column(conn):
        calls.append(2)
        conn.execute(text("ALTER TABLE drafts ADD COLUMN extra_note VARCHAR(20)"))

    def add_index(conn):
        calls.append(3)
        conn.execute(text("CREATE INDEX ix_drafts_extra ON drafts (extra_note)"))

    migrate(engine)
    more = [*MIGRATIONS, (NEXT, "extra note", add_column), (NEXT + 1, "extra index", add_index)]
    assert migrate(engine, more) == [NEXT, NEXT + 1]
    assert calls == [2, 3]
    assert migrate(engine, more) == []
    assert calls == [2, 3]
    assert "extra_note" in {c["name"] for c in inspect(engine).get_columns("drafts")}
    assert [v for v, _ in applied(engine)] == [*range(1, NEXT), NEXT, NEXT + 1]


def test_failed_migration_is_not_recorded_and_rolls_back(engine):
    migrate(engine)

    def broken(conn):
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("boom")

    with pytest.raises(DatabaseError) as err:
        migrate(engine, [*MIGRATIONS, (NEXT, "broken", broken)])
    assert "迁移失败" in str(err.value)
    assert current_version(engine) == LATEST
    assert not inspect(engine).has_table("half_done")  # transactional DDL on both databases


def test_versions_must_increase():
    with pytest.raises(ValueError):
        from service.store.migrations import _check

        _check([(2, "b", lambda c: None), (1, "a", lambda c: None)])


def test_database_newer_than_the_code_is_refused(engine):
    migrate(engine, [*MIGRATIONS, (NEXT, "future", lambda conn: None)])
    with pytest.raises(DatabaseError) as err:
        migrate(engine)
    assert "高于本程序支持" in str(err.value)


def test_concurrent_starts_apply_each_migration_once(db_url):
    """Replicas starting together: the lock makes one of them apply the migration."""
    from service.store import make_engine

    engines = [make_engine(db_url) for _ in range(4)]
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(eng):
        try:
            barrier.wait()
            results.append(migrate(eng))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, errors
        assert len(results) == len(engines)
        # each migration applied by exactly one of them (the lock is taken per migration,
        # so one replica may apply version 1 and another version 2)
        assert sorted(v for r in results for v in r) == [m[0] for m in MIGRATIONS]
        assert len(applied(engines[0])) == len(MIGRATIONS)
    finally:
        for e in engines:
            e.dispose()


def test_a_version_1_database_upgrades_and_old_drafts_read_back_without_revision(engine):
    """A database made by the first release (version 1, drafts stored) gains
    ``drafts.revision`` (nullable); the old rows read back whole, revision null, and
    new drafts store their rounds."""
    from datetime import datetime, timezone

    from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text

    from service.store import DraftStore

    assert migrate(engine, MIGRATIONS[:1]) == [1]
    assert "revision" not in {c["name"] for c in inspect(engine).get_columns("drafts")}
    v1 = Table("drafts", MetaData(),   # the table as version 1 made it
               Column("id", String(32), primary_key=True), Column("owner", String(64)),
               Column("status", String(16)), Column("structure", String(100)), Column("model", String(200)),
               Column("rounds", Integer), Column("notes", JSON), Column("prompts", JSON), Column("text", Text),
               Column("review", JSON), Column("usage", JSON), Column("error", JSON),
               Column("created_at", DateTime(timezone=True)), Column("updated_at", DateTime(timezone=True)),
               Column("finished_at", DateTime(timezone=True)))
    at = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(v1.insert().values(id="old1", owner="o1", status="done", structure="org-life-2021",
                                        model="m", rounds=2, notes={"role": "科员"}, prompts=None,
                                        text="一、对照检查出的问题\n", review={"verdict": "需修改"}, usage=None,
                                        error=None, created_at=at, updated_at=at, finished_at=at))

    assert migrate(engine) == [m[0] for m in MIGRATIONS[1:]]
    assert current_version(engine) == LATEST
    col = {c["name"]: c for c in inspect(engine).get_columns("drafts")}["revision"]
    assert col["nullable"]
    store = DraftStore(engine)
    old = store.get("old1", "o1")
    assert old.revision is None
    j = old.to_json()
    assert j["revision"] is None and j["text"] == "一、对照检查出的问题\n" and j["review"] == {"verdict": "需修改"}
    assert j["rounds"] == 2 and j["notes"] == {"role": "科员"} and j["created_at"] == "2025-03-01T08:00:00.000Z"
    assert "revision" not in old.summary()

    new = store.create(owner="o1", notes={"role": "科员"}, rounds=1)
    rev = {"rounds": [{"round": 0, "text": "甲\n", "diff": None, "verdict": "需修改", "scores": {},
                       "findings": {"error": 1, "warning": 0, "info": 0}}],
           "best": 0, "stopped": "no_edits", "message": "模型没有给出可用的修改", "max_rounds": 1}
    assert store.finish(new.id, status="done", text="甲\n", revision=rev)
    assert store.get(new.id, "o1").revision == rev
    assert store.get("old1", "o1").revision is None
