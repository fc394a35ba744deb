"""The members' web page (issue 7): ``GET /`` in Chinese, server-rendered with a little
vanilla JavaScript, no build step and no CDN. The page calls only this service's own
``/v1`` API (a Content-Security-Policy header says so to the browser).

:func:`mount` is what :func:`service.api.app.create_app` calls: the page router, the
static files under ``/static`` and the upload route ``POST /v1/reviews/file``.
"""

from service.web.mount import mount

__all__ = ["mount"]
