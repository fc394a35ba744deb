"""Ordered, recorded schema migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text

from service.store import MIGRATIONS, DatabaseError, current_version, migrate
from service.store.migrations import applied
from service.store.models import Base


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
    more = [*MIGRATIONS, (2, "extra note", add_column), (3, "extra index", add_index)]
    assert migrate(engine, more) == [2, 3]
    assert calls == [2, 3]
    assert migrate(engine, more) == []
    assert calls == [2, 3]
    assert "extra_note" in {c["name"] for c in inspect(engine).get_columns("drafts")}
    assert [v for v, _ in applied(engine)] == [1, 2, 3]


def test_failed_migration_is_not_recorded_and_rolls_back(engine):
    migrate(engine)

    def broken(conn):
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("boom")

    with pytest.raises(DatabaseError) as err:
        migrate(engine, [*MIGRATIONS, (2, "broken", broken)])
    assert "迁移失败" in str(err.value)
    assert current_version(engine) == 1
    assert not inspect(engine).has_table("half_done")  # transactional DDL on both databases


def test_versions_must_increase():
    with pytest.raises(ValueError):
        from service.store.migrations import _check

        _check([(2, "b", lambda c: None), (1, "a", lambda c: None)])


def test_database_newer_than_the_code_is_refused(engine):
    migrate(engine, [*MIGRATIONS, (2, "future", lambda conn: None)])
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
        assert sorted(len(r) for r in results) == [0, 0, 0, len(MIGRATIONS)]
        assert len(applied(engines[0])) == len(MIGRATIONS)
    finally:
        for e in engines:
            e.dispose()
