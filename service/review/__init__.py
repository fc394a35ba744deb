"""The deterministic reviewer: pure Python, offline, fast.

Entry point: :func:`service.review.engine.review`. Nothing under ``service.review``
may import litellm or FastAPI (tested).
"""
