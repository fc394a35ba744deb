"""``duizhao serve [--host H] [--port P]``: the HTTP API (uvicorn).

Without ``DUIZHAO_API_TOKENS`` the service has no authentication, so it listens on a
loopback address only: ``--host 0.0.0.0`` (or any other non-loopback address) without
tokens is refused with exit code 2. FastAPI and uvicorn are imported inside ``run``.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="启动服务：网页（起草、审读、导出）与 HTTP API",
                       description="启动 HTTP 服务：/v1 接口、/v1/docs 接口文档、/healthz 存活检查。"
                                   "未配置 DUIZHAO_API_TOKENS 时只允许监听本机回环地址。")
    p.add_argument("--host", default=DEFAULT_HOST, metavar="H", help=f"监听地址（默认 {DEFAULT_HOST}）")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P", help=f"端口（默认 {DEFAULT_PORT}）")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                   help="日志级别（默认 info；任何级别都不记录请求内容和提示）")
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _fail(msg: str) -> int:
    print(f"duizhao: {msg}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    import logging

    from pydantic import ValidationError

    from service.settings import Settings

    if not (0 < args.port < 65536):
        return _fail(f"端口无效：{args.port}（应为 1–65535）")
    try:
        settings = Settings()
    except ValidationError as exc:
        fields = "、".join(sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()}))
        return _fail(f"环境变量设置无效：{fields}（请检查 DUIZHAO_* 变量）")
    if not settings.api_tokens and not is_loopback(args.host):
        return _fail(f"拒绝在 {args.host} 上启动：未配置访问令牌（DUIZHAO_API_TOKENS）时只能监听本机回环地址"
                     "（如 127.0.0.1）。请设置 DUIZHAO_API_TOKENS=令牌1,令牌2 后再对外提供服务。")

    import uvicorn

    from service.api import create_app
    from service.store import DatabaseError, describe, open_store

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        where = describe(settings.database_url)
    except DatabaseError as exc:
        return _fail(str(exc))
    if settings.api_tokens:
        auth = f"已启用访问令牌（{len(settings.api_tokens)} 个）"
    else:
        auth = "未配置 DUIZHAO_API_TOKENS：不做身份验证，只监听本机回环地址"
    model = settings.model or (str(settings.models_file) if settings.models_file else "未配置（起草只生成提纲）")
    print(f"duizhao: 已启动：在浏览器打开 http://{args.host}:{args.port}/ 起草和审读（接口文档 /v1/docs）\n"
          f"duizhao: {auth}\nduizhao: 模型：{model}\nduizhao: 数据库：{where}", file=sys.stderr, flush=True)
    try:
        store = open_store(settings.database_url)   # migrations applied before the first request
    except DatabaseError as exc:
        return _fail(str(exc))
    try:
        uvicorn.run(create_app(settings, store=store), host=args.host, port=args.port, log_level=args.log_level,
                    access_log=True, proxy_headers=False, server_header=False, timeout_graceful_shutdown=15)
    finally:
        store.engine.dispose()
    return 0
