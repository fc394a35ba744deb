"""Ordered schema migrations, recorded in a ``schema_version`` table (simonw/llm style).

Each migration is ``(version, name, function(connection))``; versions only grow and a
migration, once released, never changes: a schema change is a new entry at the end.
:func:`migrate` applies the missing ones in order, each in its own transaction with
its ``schema_version`` row, under a lock (PostgreSQL advisory lock; SQLite
``BEGIN IMMEDIATE``) so that replicas starting together apply each migration once.
Migration functions describe the schema as it was at that version (their own table
objects), never the current ORM models.
"""

from __future__ import annotations

from typing import Callable, Sequence

from sqlalchemy import (JSON, Column, Connection, DateTime, Engine, Index, Integer, MetaData, String, Table, Text,
                        select, text)

from service.store.db import DatabaseError, is_sqlite
from service.store.models import utcnow

Migration = tuple[int, str, Callable[[Connection], None]]
_LOCK_KEY = 0x64756978  # "duix": the advisory lock id for migrations (PostgreSQL)

_meta = MetaData()
schema_version = Table(
    "schema_version", _meta,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def _m001_drafts(conn: Connection) -> None:
    meta = MetaData()
    drafts = Table(
        "drafts", meta,
        Column("id", String(32), primary_key=True),
        Column("owner", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("structure", String(100)),
        Column("model", String(200)),
        Column("rounds", Integer, nullable=False, server_default=text("0")),
        Column("notes", JSON, nullable=False),
        Column("prompts", JSON),
        Column("text", Text, nullable=False, server_default=""),
        Column("review", JSON),
        Column("usage", JSON),
        Column("error", JSON),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True)),
    )
    Index("ix_drafts_owner_created", drafts.c.owner, drafts.c.created_at)
    Index("ix_drafts_status", drafts.c.status)
    meta.create_all(conn)


def _m002_draft_revision(conn: Connection) -> None:
    """``drafts.revision``: the revision rounds of a draft (service.store.revision), NULL
    when no revision ran (and for every draft stored before this version)."""
    kind = JSON().compile(dialect=conn.dialect)   # JSON on both SQLite and PostgreSQL
    conn.execute(text(f"ALTER TABLE drafts ADD COLUMN revision {kind}"))


MIGRATIONS: list[Migration] = [
    (1, "drafts", _m001_drafts),
    (2, "draft revision", _m002_draft_revision),
]


def _check(migrations: Sequence[Migration]) -> None:
    versions = [m[0] for m in migrations]
    if versions != sorted(set(versions)) or (versions and versions[0] < 1):
        raise ValueError(f"migrations must have strictly increasing versions ≥ 1: {versions}")


def current_version(engine: Engine) -> int:
    """The highest applied version (0 for an empty database)."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "schema_version"):
            return 0
        return int(conn.execute(select(schema_version.c.version).order_by(
            schema_version.c.version.desc()).limit(1)).scalar() or 0)


def applied(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "schema_version"):
            return []
        rows = conn.execute(select(schema_version.c.version, schema_version.c.name)
                            .order_by(schema_version.c.version)).all()
        return [(int(v), str(n)) for v, n in rows]


def _locked(engine: Engine):
    """A transaction that holds the migration lock."""
    if is_sqlite(engine):
        return engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    return engine.connect()


def migrate(engine: Engine, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Apply the missing migrations in order; returns the versions applied now."""
    migrations = list(MIGRATIONS if migrations is None else migrations)
    _check(migrations)
    latest = migrations[-1][0] if migrations else 0
    done: list[int] = []
    try:
        have = current_version(engine)
        if have > latest:
            raise DatabaseError(f"数据库结构版本为 {have}，高于本程序支持的 {latest}：请升级 duizhao")
        with _locked(engine) as conn:
            with conn.begin():
                if not is_sqlite(engine):
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                schema_version.create(conn, checkfirst=True)
            for version, name, fn in migrations:
                with conn.begin():
                    if not is_sqlite(engine):
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                    have = conn.execute(select(schema_version.c.version)
                                        .where(schema_version.c.version == version)).first()
                    if have is not None:
                        continue
                    fn(conn)
                    conn.execute(schema_version.insert().values(version=version, name=name, applied_at=utcnow()))
                done.append(version)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"数据库迁移失败（{type(exc).__name__}）：请检查 DUIZHAO_DATABASE_URL 与数据库权限") from exc
    return done
