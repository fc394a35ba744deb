"""Engines for the draft store: SQLite (WAL) embedded by default, PostgreSQL by URL.

- SQLite: a file in the user's data directory unless ``DUIZHAO_DATABASE_URL`` says
  otherwise. WAL journal (survives ``kill -9``), ``synchronous=FULL`` (a commit is on
  disk when it returns), foreign keys on, a busy timeout. The driver's own implicit
  transaction handling is switched off and SQLAlchemy emits ``BEGIN`` itself, so DDL
  in a migration is transactional too. One writer per file: several replicas need
  PostgreSQL.
- PostgreSQL: ``postgresql://…`` (or ``postgres://``) is driven by psycopg 3.

No secrets in messages: :func:`describe` prints a URL without its password, and
statement parameters (note contents, texts) never appear in SQLAlchemy's log lines or
exception messages (``hide_parameters``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseError(Exception):
    """The database cannot be opened or migrated. ``str()`` is one Chinese line."""


def normalize_url(url: str) -> URL:
    """``postgres://`` and ``postgresql://`` → psycopg 3; anything else as given."""
    try:
        u = make_url(url.strip())
    except Exception:
        raise DatabaseError("DUIZHAO_DATABASE_URL 无效：应为 sqlite:///路径 或 postgresql://用户@主机/库") from None
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"不支持的数据库：{u.get_backend_name()}（可用 SQLite 或 PostgreSQL）")
    return u


def describe(url: str | URL) -> str:
    """The URL with its password hidden (for start-up messages and logs)."""
    u = url if isinstance(url, URL) else normalize_url(url)
    return u.render_as_string(hide_password=True)


def _sqlite_file(u: URL) -> Path | None:
    db = u.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the data directory (0700) and the database file (0600): drafts carry
    personnel data, so the file is readable by its owner only. SQLite creates the -wal
    and -shm files with the database file's permissions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as exc:
        raise DatabaseError(f"无法创建数据库文件 {path}（{exc.strerror or '无权限'}）") from None


def _ensure_wal(cur: Any) -> None:
    """Switch the file to WAL (persistent). Switching needs an exclusive lock and
    SQLite answers "database is locked" at once, without its busy handler, while
    another connection is opening the same new file: retry for a while."""
    import sqlite3

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() in ("wal", "memory"):
                return
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _ensure_wal(cur)
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # execution_options(sqlite_begin="IMMEDIATE") takes the write lock up front
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _quiet_sql_logging() -> None:
    """SQLAlchemy logs statements and result rows (note contents, texts) as soon as its
    logger is enabled, e.g. by a root logger at DEBUG. Unless the operator configured
    the ``sqlalchemy.engine`` logger explicitly, keep it at WARNING."""
    lg = logging.getLogger("sqlalchemy.engine")
    if lg.level == logging.NOTSET:
        lg.setLevel(logging.WARNING)


def make_engine(url: str, **kw: Any) -> Engine:
    """An engine for ``url`` (SQLite file, SQLite in memory, or PostgreSQL)."""
    u = normalize_url(url)
    _quiet_sql_logging()
    kw.setdefault("json_serializer", _dumps)
    # drafts carry personnel data: never in SQL logs (debug logging) or error messages
    kw.setdefault("hide_parameters", True)
    if u.get_backend_name() == "sqlite":
        path = _sqlite_file(u)
        args: dict[str, Any] = {"connect_args": {"check_same_thread": False,
                                                 "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
        if path is None:
            args["poolclass"] = StaticPool  # one shared in-memory database
        else:
            _prepare_sqlite_file(path)
        engine = create_engine(u, **args, **kw)
        _sqlite_events(engine)
        return engine
    kw.setdefault("pool_pre_ping", True)
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 20)
    return create_engine(u, **kw)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def integrity_check(engine: Engine) -> str:
    """SQLite ``PRAGMA integrity_check`` ("ok" when sound); PostgreSQL: "ok" when a
    query answers (the server checks its own pages)."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
            return "\n".join(str(r[0]) for r in rows)
        conn.exec_driver_sql("SELECT 1").scalar()
        return "ok"
