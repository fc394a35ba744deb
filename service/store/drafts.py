"""The draft repository: create before the backend is called, finish once after.

Synchronous (SQLAlchemy sessions); the HTTP layer calls it from a worker thread.
Every read is scoped to an owner: another owner's draft does not exist (None).
Writes are single statements in their own transaction (no read-then-write), so SQLite
never has to upgrade a read lock.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.store.db import is_sqlite
from service.store.models import STATUSES, Draft, utcnow

INTERRUPTED = {"code": "interrupted", "message": "服务在起草过程中停止，本次起草未完成，请重新提交。"}


class DraftStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._session()

    # ---- writes ----------------------------------------------------------------------
    def create(self, *, owner: str, notes: dict[str, Any], structure: str | None = None,
               model: str | None = None, rounds: int = 0) -> Draft:
        """Store a new draft request (status ``running``) and return it."""
        now = utcnow()
        draft = Draft(id=uuid.uuid4().hex, owner=owner, status="running", structure=structure, model=model,
                      rounds=rounds, notes=notes, prompts=None, text="", review=None, usage=None, error=None,
                      revision=None, created_at=now, updated_at=now, finished_at=None)
        with self.session() as s, s.begin():
            s.add(draft)
        return draft

    def finish(self, draft_id: str, *, status: str, text: str = "", review: dict | None = None,
               usage: dict | None = None, model: str | None = None, prompts: Any = None,
               structure: str | None = None, error: dict | None = None,
               revision: dict | None = None) -> bool:
        """Record how a running draft ended. Returns False when it was not running
        (already finished): a draft ends once. ``revision`` is the stored form of the
        revision rounds (:func:`service.store.revision.stored_revision`), None when none ran."""
        if status not in STATUSES or status == "running":
            raise ValueError(f"not a final status: {status!r}")
        now = utcnow()
        values: dict[str, Any] = dict(status=status, text=text or "", review=review, usage=usage,
                                      prompts=prompts, error=error, revision=revision, updated_at=now, finished_at=now)
        if model is not None:
            values["model"] = model
        if structure is not None:
            values["structure"] = structure
        with self.session() as s, s.begin():
            res = s.execute(update(Draft).where(Draft.id == draft_id, Draft.status == "running").values(**values))
            return res.rowcount == 1

    def recover_interrupted(self, older_than: float | None = None) -> int:
        """Mark ``running`` drafts left by a process that died as ``failed``
        (error ``interrupted``). SQLite has one writer process, so every running draft
        at start-up is orphaned; with PostgreSQL other replicas may be mid-call, so only
        drafts older than ``older_than`` seconds (past any deadline) are touched."""
        now = utcnow()
        cond = [Draft.status == "running"]
        if not is_sqlite(self.engine) or older_than is not None:
            cond.append(Draft.updated_at < now - timedelta(seconds=older_than or 0))
        with self.session() as s, s.begin():
            res = s.execute(update(Draft).where(*cond).values(status="failed", error=INTERRUPTED,
                                                              updated_at=now, finished_at=now))
            return res.rowcount or 0

    # ---- reads -----------------------------------------------------------------------
    def get(self, draft_id: str, owner: str) -> Draft | None:
        with self.session() as s:
            return s.execute(select(Draft).where(Draft.id == draft_id, Draft.owner == owner)).scalar_one_or_none()

    def list(self, owner: str, *, limit: int = 20, offset: int = 0) -> list[Draft]:
        with self.session() as s:
            rows = s.execute(select(Draft).where(Draft.owner == owner)
                             .order_by(Draft.created_at.desc(), Draft.id.desc()).limit(limit).offset(offset))
            return list(rows.scalars())

    def count(self, owner: str) -> int:
        with self.session() as s:
            return int(s.execute(select(func.count()).select_from(Draft).where(Draft.owner == owner)).scalar() or 0)
