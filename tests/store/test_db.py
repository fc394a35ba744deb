"""Engines: SQLite settings (WAL, durability, permissions), URLs, integrity check."""

from __future__ import annotations

import os
import stat

import pytest

from service.store import DatabaseError, describe, integrity_check, make_engine, open_store
from service.store.db import normalize_url


def test_sqlite_file_is_wal_durable_and_private(tmp_path):
    path = tmp_path / "data" / "duizhao.db"
    store = open_store(f"sqlite:///{path}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2      # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
        assert integrity_check(store.engine) == "ok"
    finally:
        store.engine.dispose()


def test_default_database_is_in_the_user_data_directory(monkeypatch, tmp_path):
    from service.settings import Settings

    monkeypatch.delenv("DUIZHAO_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = Settings().database_url
    assert url.startswith("sqlite:///") and url.endswith("duizhao.db")
    assert str(tmp_path / "xdg") in url
    monkeypatch.setenv("DUIZHAO_DATABASE_URL", "postgresql://u@db.example/duizhao")
    assert Settings().database_url == "postgresql://u@db.example/duizhao"


def test_in_memory_sqlite_is_shared_across_threads():
    store = open_store("sqlite://")
    d = store.create(owner="o", notes={"role": "x"})
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append(store.get(d.id, "o")))
    t.start()
    t.join()
    assert seen[0] is not None


@pytest.mark.parametrize("url", ["postgres://u:p@h/db", "postgresql://u:p@h/db"])
def test_postgres_urls_use_psycopg3(url):
    assert normalize_url(url).drivername == "postgresql+psycopg"


def test_describe_hides_the_password():
    shown = describe("postgresql://user:s3cret-pass@db.local:5432/duizhao")
    assert "s3cret-pass" not in shown and "db.local" in shown


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url at all"])
def test_unsupported_or_broken_urls_are_refused_in_chinese(url):
    with pytest.raises(DatabaseError) as err:
        make_engine(url)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DatabaseError) as err:
        make_engine(f"sqlite:///{blocker / 'sub' / 'x.db'}")   # a parent that is a file: even root fails
    assert "无法创建数据库文件" in str(err.value)


def test_postgres_integrity_check(pg_server):
    from service.store import make_engine

    eng = make_engine(pg_server.url())
    try:
        assert integrity_check(eng) == "ok"
    finally:
        eng.dispose()


def test_unreachable_postgres_is_a_clear_error():
    from service.store import migrate

    eng = make_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(DatabaseError) as err:
        migrate(eng)
    assert "DUIZHAO_DATABASE_URL" in str(err.value)
