"""The HTTP API (FastAPI). ``create_app(settings=None)`` builds the application;
``duizhao serve`` runs it with uvicorn. Nothing on the review path imports this package.
"""

from service.api.app import create_app

__all__ = ["create_app"]
