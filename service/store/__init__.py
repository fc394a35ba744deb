"""Storage of drafts: SQLAlchemy 2 over SQLite (WAL, embedded default) or PostgreSQL.

    engine = make_engine(settings.database_url)
    migrate(engine)
    store = DraftStore(engine)

:func:`open_store` does the three steps. No FastAPI, no litellm here.
"""

from __future__ import annotations

from service.store.db import DatabaseError, describe, integrity_check, is_sqlite, make_engine
from service.store.drafts import DraftStore
from service.store.migrations import MIGRATIONS, current_version, migrate
from service.store.models import Draft
from service.store.revision import stored_revision

__all__ = ["MIGRATIONS", "DatabaseError", "Draft", "DraftStore", "current_version", "describe",
           "integrity_check", "is_sqlite", "make_engine", "migrate", "open_store", "stored_revision"]


def open_store(url: str) -> DraftStore:
    """Engine + migrations + repository for ``url``. Raises :class:`DatabaseError`."""
    engine = make_engine(url)
    migrate(engine)
    return DraftStore(engine)
