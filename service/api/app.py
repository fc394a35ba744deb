"""The FastAPI application: ``create_app(settings=None)``.

Routers under ``/v1`` (reviews, drafts, catalogue), ``GET /healthz``, OpenAPI at
``/v1/openapi.json`` (stable operation ids) and interactive docs at ``/v1/docs``.
The lifespan opens the store (migrations applied), marks drafts interrupted by a
previous crash, creates the drafting slots and, at shutdown, cancels running drafts
(they are recorded as ``cancelled``) and closes the database.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, FastAPI

from service import __version__
from service.api import errors
from service.api.auth import TokenAuth, current_owner
from service.api.drafter import Drafter
from service.api.limits import BodySizeLimit, DraftSlots
from service.api.schemas import ErrorOut, HealthOut
from service.settings import Settings, get_settings
from service.store import DraftStore, describe, is_sqlite, make_engine, migrate

log = logging.getLogger("duizhao.api")

OPENAPI_URL = "/v1/openapi.json"
DOCS_URL = "/v1/docs"
SHUTDOWN_GRACE_SECONDS = 10.0

# answers any /v1 route may give (documented so clients and schema checks know them)
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "请求体不是有效的 JSON"},
    401: {"model": ErrorOut, "description": "缺少或无效的访问令牌"},
    413: {"model": ErrorOut, "description": "请求体过大"},
    422: {"model": ErrorOut, "description": "请求参数无效"},
    500: {"model": ErrorOut, "description": "服务内部错误"},
    503: {"model": ErrorOut, "description": "服务繁忙或数据库不可用"},
}

DESCRIPTION = """对照（duizhao）：个人对照检查材料的起草与审读。

- 所有错误均为 `{"error": {"code", "message"}}`，message 为中文。
- 配置了 `DUIZHAO_API_TOKENS` 时，每个 `/v1` 接口都需要 `Authorization: Bearer <令牌>`，
  草稿只对创建它的令牌可见。
- 请求体上限默认 1 MB；同时进行的起草数有上限，满时返回 429/503 并带 `Retry-After`。
"""


def _healthz_router() -> APIRouter:
    r = APIRouter()

    @r.get("/healthz", operation_id="getHealth", response_model=HealthOut, tags=["health"], summary="存活检查")
    def healthz() -> Any:
        return {"status": "ok", "version": __version__}

    return r


def _truthful_openapi(app: FastAPI) -> None:
    """The schema says what the app really answers, for every route (routers added by
    other packages too): every 422 is the error shape (FastAPI would document its
    ``HTTPValidationError``), every ``/v1`` operation lists the answers the
    middleware and handlers can give (400, 401, 413, 422, 500, 503), and the bearer
    token is required only when tokens are configured."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                           openapi_version=app.openapi_version)
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
        for name, sub in (ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
                          .get("$defs", {}).items()):
            schemas.setdefault(name, sub)
        schemas["ErrorOut"].pop("$defs", None)
        auth_on = app.state.auth.enabled
        for path, item in spec.get("paths", {}).items():
            for op in item.values():
                if not auth_on:
                    op.pop("security", None)   # without DUIZHAO_API_TOKENS no call needs a token
                responses = op.setdefault("responses", {})
                if path.startswith("/v1/"):
                    wanted = COMMON_ERRORS
                elif op.get("parameters") or op.get("requestBody"):
                    wanted = {422: COMMON_ERRORS[422]}
                else:
                    wanted = {}
                for status, info in wanted.items():
                    resp = responses.setdefault(str(status), {"description": info["description"]})
                    if str(status) == "422" or "content" not in resp:
                        resp["content"] = {"application/json": {"schema": dict(error_ref)}}
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _default_drafter(settings: Settings) -> Drafter:
    from service.api.pipeline import PipelineDrafter

    return PipelineDrafter(settings)


def create_app(settings: Settings | None = None, *, store: DraftStore | None = None,
               drafter: Drafter | None = None) -> FastAPI:
    """The application. ``store`` and ``drafter`` may be given (tests); otherwise the
    lifespan opens ``settings.database_url`` and uses the drafting pipeline."""
    settings = settings or get_settings()
    tokens = [t.get_secret_value() for t in settings.api_tokens]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_store = app.state.store is None
        if own_store:
            engine = make_engine(settings.database_url)
            await asyncio.to_thread(migrate, engine)
            app.state.store = DraftStore(engine)
            log.info("数据库：%s", describe(settings.database_url))
        st: DraftStore = app.state.store
        older = None if is_sqlite(st.engine) else settings.deadline_total + 60
        stale = await asyncio.to_thread(st.recover_interrupted, older)
        if stale:
            log.warning("上次运行中断的起草 %d 份已标记为失败（interrupted）", stale)
        if app.state.drafter is None:
            app.state.drafter = _default_drafter(settings)
            if settings.has_model:
                # import litellm now, in a thread (4–6 s): not inside the first request,
                # where it would stall the event loop and every other request with it
                from service.llm.backend import litellm_module

                await asyncio.to_thread(litellm_module)
        app.state.slots = DraftSlots(settings.max_concurrent_drafts,
                                     settings.max_drafts_per_owner if app.state.auth.enabled else None,
                                     settings.draft_queue_seconds)
        if not app.state.auth.enabled:
            log.warning("未配置 DUIZHAO_API_TOKENS：不做身份验证，只应在本机回环地址上提供服务。")
        try:
            yield
        finally:
            runs = set(app.state.runs)
            for task in runs:
                task.cancel()
            if runs:
                await asyncio.wait(runs, timeout=SHUTDOWN_GRACE_SECONDS)
            if own_store:
                st.engine.dispose()
                app.state.store = None

    app = FastAPI(
        title="对照 duizhao API", version=__version__, description=DESCRIPTION,
        openapi_url=OPENAPI_URL, docs_url=DOCS_URL, redoc_url=None, lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.auth = TokenAuth(tokens)
    app.state.store = store
    app.state.drafter = drafter
    app.state.runs = set()
    app.state.slots = None

    errors.install(app)

    from service.api.routes import catalogue, drafts, reviews

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(current_owner)], responses=COMMON_ERRORS)
    v1.include_router(reviews.router)
    v1.include_router(drafts.router)
    v1.include_router(catalogue.router)
    if importlib.util.find_spec("service.export") is not None:   # Word files (service/export)
        from service.api.routes import exports

        v1.include_router(exports.router)
    app.include_router(v1)
    app.include_router(_healthz_router())

    # outermost last: the body limit sees the request before anything else
    app.add_middleware(errors.InternalErrorGuard)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)

    from service.web import mount as mount_web  # the members' page at / (issue 7); keep last

    mount_web(app)
    _truthful_openapi(app)
    return app
