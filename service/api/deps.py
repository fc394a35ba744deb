"""Dependencies: what a route gets from the app (overridable in tests with
``app.dependency_overrides``)."""

from __future__ import annotations

from fastapi import Request

from service.api.drafter import Drafter
from service.api.limits import DraftSlots
from service.settings import Settings
from service.store import DraftStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> DraftStore:
    return request.app.state.store


def get_drafter(request: Request) -> Drafter:
    return request.app.state.drafter


def get_slots(request: Request) -> DraftSlots:
    return request.app.state.slots


def get_runs(request: Request) -> set:
    """Running draft tasks (the lifespan cancels them at shutdown)."""
    return request.app.state.runs
