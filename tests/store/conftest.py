"""Store fixtures: every store test runs against SQLite (a temporary file) and against
a real PostgreSQL server started on 127.0.0.1 in a temporary directory (skipped, with
the reason, when the server binaries are missing)."""

from __future__ import annotations

import uuid

import pytest

from service.store import make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database("t_" + uuid.uuid4().hex[:12])


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
