"""The stored draft (ORM mapping of the schema that :mod:`service.store.migrations`
creates; a test checks the two agree).

A draft row is written before the backend is called (status ``running``) and updated
once when the call ends: ``done``, ``failed`` (with any partial text and the error)
or ``cancelled`` (the client went away). ``revision`` keeps the revision rounds of a
``done`` draft (shape: :mod:`service.store.revision`), NULL when none ran. ``owner``
is the SHA-256 of the caller's API token (never the token), or ``local`` when the
service runs without tokens.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STATUSES = ("running", "done", "failed", "cancelled")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z`` (SQLite hands datetimes back naive: they are UTC)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Base(DeclarativeBase):
    pass


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    structure: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON)
    prompts: Mapped[Any | None] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    revision: Mapped[dict[str, Any] | None] = mapped_column(JSON)   # service.store.revision; None: no revision
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def summary(self) -> dict[str, Any]:
        """What a list shows: no notes, no text."""
        return {
            "id": self.id, "status": self.status, "structure": self.structure, "model": self.model,
            "verdict": (self.review or {}).get("verdict"), "chars": len(self.text or ""),
            "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
            "finished_at": iso(self.finished_at),
        }

    def to_json(self) -> dict[str, Any]:
        """The whole record (the owner's own data; the owner hash is not shown)."""
        d = self.summary()
        d.update({"rounds": self.rounds, "notes": self.notes, "prompts": self.prompts, "text": self.text or "",
                  "review": self.review, "usage": self.usage, "error": self.error,
                  "revision": self.revision})
        return d
