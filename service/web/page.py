"""``GET /``: the page. Its template environment is the HTML one (autoescape on),
separate from the prompt environment of ``service.prompts``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from service import __version__

TEMPLATES_DIR = Path(__file__).parent / "templates"
# the HTML environment: autoescape always on (never the prompt environment)
html_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined)
templates = Jinja2Templates(env=html_env)

# the page may talk to this service only: scripts, styles, fetches, images
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

STATUS_CHOICES = (("done", "已完成"), ("partial", "部分完成"), ("not_done", "未完成"))

router = APIRouter(include_in_schema=False)


def _structures() -> list[dict[str, Any]]:
    """The structure catalogue (the same one ``GET /v1/structures`` serves), newest first."""
    from service.structures import list_structures

    items = [{"id": s.id, "title": s.title, "year": s.year} for s in list_structures()]
    return sorted(items, key=lambda s: (-s["year"], s["id"]))


def _default_structure(items: list[dict[str, Any]]) -> str | None:
    """The newest ordinary 组织生活会 structure (what most members write for)."""
    for s in items:
        if s["id"].startswith("org-life-") and not s["id"].endswith("-theme"):
            return s["id"]
    return items[0]["id"] if items else None


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Any:
    settings = request.app.state.settings
    structures = _structures()
    context = {
        "version": __version__,
        "structures": structures,
        "default_structure": _default_structure(structures),
        "statuses": STATUS_CHOICES,
        "has_model": bool(getattr(settings, "has_model", False)),
        "auth_enabled": bool(request.app.state.auth.enabled),
        "max_text_chars": settings.max_text_chars,
    }
    return templates.TemplateResponse(request, "index.html", context, headers=HEADERS)
