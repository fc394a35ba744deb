"""Bearer tokens (``DUIZHAO_API_TOKENS``) and draft ownership.

Each token owns its drafts. The owner stored with a draft is the SHA-256 of the token
(hex), never the token. Without configured tokens the service is a single local user
(owner ``local``) and listens on loopback only (``duizhao serve`` enforces that).

:func:`current_owner` is the FastAPI dependency; tests may override it
(``app.dependency_overrides[current_owner] = lambda: "someone"``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Iterable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.errors import ApiError

LOCAL_OWNER = "local"
_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="DUIZHAO_API_TOKENS 中的一个令牌（服务未配置令牌时不需要）")


def owner_of(token: str) -> str:
    """The owner id of a token: its SHA-256, hex (what the store keeps)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenAuth:
    def __init__(self, tokens: Iterable[str]):
        self._owners = tuple(owner_of(t) for t in tokens if t)

    @property
    def enabled(self) -> bool:
        return bool(self._owners)

    def owner(self, token: str | None) -> str | None:
        """The owner id for a valid token, else None (constant-time comparisons)."""
        if not self.enabled:
            return LOCAL_OWNER
        if not token:
            return None
        candidate = owner_of(token)
        found = None
        for owner in self._owners:
            if hmac.compare_digest(candidate, owner):
                found = owner
        return found


async def current_owner(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    auth: TokenAuth = request.app.state.auth
    if not auth.enabled:
        return LOCAL_OWNER
    token = credentials.credentials if credentials is not None else None
    owner = auth.owner(token)
    if owner is None:
        message = ("缺少访问令牌：请在请求头中提供 Authorization: Bearer <令牌>。" if token is None
                   else "访问令牌无效。")
        raise ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})
    return owner
