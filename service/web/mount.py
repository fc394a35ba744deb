"""Mounting the web page on the API application."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from service.api.auth import current_owner

STATIC_DIR = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Adds ``/`` (the page), ``/static`` and the ``/v1`` route the page needs that the
    API does not offer itself (file upload for review). Word export is the API's own
    ``POST /v1/exports/docx``."""
    from service.web import page, upload

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(current_owner)])
    v1.include_router(upload.router)
    app.include_router(v1)
    app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
