"""Every error is ``{"error": {"code", "message"}}`` with a Chinese message.

No traceback, exception text of a library, key or request content reaches a response
or a log line: validation errors are described by field and kind only, unexpected
exceptions by their class name, and logs name the code and status, never the body.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import InputError

log = logging.getLogger("duizhao.api")

STATUS_TEXT = {
    400: ("bad_request", "请求无效。"),
    401: ("unauthorized", "需要有效的访问令牌：请在请求头中提供 Authorization: Bearer <令牌>。"),
    403: ("forbidden", "没有权限。"),
    404: ("not_found", "请求的资源不存在。"),
    405: ("method_not_allowed", "该地址不支持这种请求方法。"),
    406: ("not_acceptable", "无法按请求的 Accept 类型返回结果。"),
    409: ("conflict", "请求与资源当前的状态冲突。"),
    413: ("payload_too_large", "请求体过大。"),
    415: ("unsupported_media_type", "请求体应为 JSON（Content-Type: application/json）。"),
    422: ("validation_error", "请求参数无效。"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。"),
    500: ("internal_error", "服务内部错误，请稍后再试；如果反复出现，请联系管理员。"),
    502: ("backend_error", "模型后端调用失败。"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试。"),
    504: ("backend_timeout", "模型后端响应超时。"),
}


class ApiError(Exception):
    """An error answer: status, stable code, Chinese message, optional headers."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 headers: dict[str, str] | None = None):
        default_code, default_message = STATUS_TEXT.get(status, ("error", "请求失败。"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.headers = headers or {}
        super().__init__(self.code)


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


# ---- validation messages -----------------------------------------------------------------

_PLACES = {"body": "", "query": "查询参数 ", "path": "路径参数 ", "header": "请求头 ", "cookie": "Cookie "}
# notes accept an object or a text: pydantic names the union branch in the location
# ("dict[str,any]", "constrained-str", "function-after[...]"); field names never look so
_BRANCH_WORDS = {"str", "constrained-str", "int", "bool"}


def _is_branch(part: object) -> bool:
    return isinstance(part, str) and (part in _BRANCH_WORDS or "[" in part or "-" in part)


def _where(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    place = _PLACES.get(str(parts[0]), "") if parts else ""
    if parts and str(parts[0]) in _PLACES:
        parts = parts[1:]
    parts = [p for p in parts if not _is_branch(p)]
    path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts)
    return f"{place}{path}" if path else (place.strip() or "请求体")


def _what(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    table = {
        "missing": "缺少必填项",
        "extra_forbidden": "不是可用的字段",
        "string_type": "应为字符串",
        "string_too_short": f"至少需要 {ctx.get('min_length', 1)} 个字符",
        "string_too_long": f"过长（最多 {ctx.get('max_length')} 个字符）",
        "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
        "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
        "float_type": "应为数字", "float_parsing": "应为数字",
        "greater_than_equal": f"应不小于 {ctx.get('ge')}",
        "greater_than": f"应大于 {ctx.get('gt')}",
        "less_than_equal": f"应不大于 {ctx.get('le')}",
        "less_than": f"应小于 {ctx.get('lt')}",
        "dict_type": "应为 JSON 对象", "model_type": "应为 JSON 对象", "model_attributes_type": "应为 JSON 对象",
        "list_type": "应为数组",
        "literal_error": "取值无效",
        "json_invalid": "不是有效的 JSON",
        "json_type": "不是有效的 JSON",
        "too_long": f"条目过多（最多 {ctx.get('max_length')} 条）",
        "too_short": f"条目过少（至少 {ctx.get('min_length')} 条）",
    }
    return table.get(kind, "取值无效")


def validation_message(errors: list[dict[str, Any]], limit: int = 3) -> str:
    seen: list[str] = []
    for err in errors:
        line = f"{_where(tuple(err.get('loc') or ()))}：{_what(err)}"
        if line not in seen:
            seen.append(line)
    more = f"（另有 {len(seen) - limit} 处）" if len(seen) > limit else ""
    return "请求参数无效：" + "；".join(seen[:limit]) + more


# ---- handlers ----------------------------------------------------------------------------

async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") in ("json_invalid", "json_type") for e in errors):
        return error_response(400, "invalid_json", "请求体不是有效的 JSON。")
    return error_response(422, "validation_error", validation_message(errors))


def _allowed_methods(request: Request) -> str | None:
    """Every method the path supports, from the OpenAPI paths (Starlette's 405 names
    only the methods of the first route that matched, though GET and POST on one path
    are two routes)."""
    import re

    table = getattr(request.app.state, "allow_table", None)
    if table is None:
        table = []
        for template, item in request.app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
            table.append((re.compile(f"^{pattern}$"), sorted(m.upper() for m in item)))
        request.app.state.allow_table = table
    path = request.scope.get("path", "")
    methods = sorted({m for rx, ms in table if rx.match(path) for m in ms})
    return ", ".join(methods) if methods else None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = STATUS_TEXT.get(exc.status_code, ("error", "请求失败。"))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allow = _allowed_methods(request)
        if allow:
            headers["Allow"] = allow
    return error_response(exc.status_code, code, message, headers)


async def _input_error(_: Request, exc: Exception) -> JSONResponse:
    # InputError messages are one Chinese line written for the user (service.errors)
    assert isinstance(exc, InputError)
    status = 413 if exc.code == "over_budget" else 422
    return error_response(status, exc.code, str(exc))


async def _structure_error(_: Request, exc: Exception) -> JSONResponse:
    return error_response(422, "unknown_structure", str(exc))


async def _database_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("database error %s", type(exc.__cause__ or exc).__name__)
    return error_response(503, "database_unavailable", "数据库暂时不可用，请稍后再试。", {"Retry-After": "5"})


def install(app: FastAPI) -> None:
    from sqlalchemy.exc import InterfaceError, OperationalError

    from service.store.db import DatabaseError
    from service.structures import StructureError

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StructureError, _structure_error)
    app.add_exception_handler(DatabaseError, _database_error)
    app.add_exception_handler(OperationalError, _database_error)   # server gone, locked, disk full
    app.add_exception_handler(InterfaceError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(InputError, _input_error)


def where_raised(exc: BaseException) -> str:
    """``file.py:123 in func`` of the innermost frame: enough to find a bug, nothing
    of the data."""
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return "?"
    frame = tb[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"


class InternalErrorGuard:
    """Pure ASGI: an unexpected exception becomes a 500 with the error shape. The log
    line names the exception class and where it was raised, never its message (which
    may quote request content) and never the traceback's local values."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 — the last line of defence
            log.error("internal error %s at %s (%s %s)", type(exc).__name__, where_raised(exc),
                      scope.get("method"), scope.get("path"))
            if not started:
                code, message = STATUS_TEXT[500]
                await error_response(500, code, message)(scope, receive, send)
