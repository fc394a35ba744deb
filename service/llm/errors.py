"""Backend failures as one Chinese line that names the backend and the cause.

Messages never contain keys, prompts or note contents: the provider's own error text
is not repeated (it may echo the request); only its class and HTTP status are used.
"""

from __future__ import annotations

from typing import Any

from service.errors import InputError

# kind → Chinese cause
CAUSES = {
    "timeout_total": "超过总时限 {limit:g} 秒仍未完成",
    "timeout_first_token": "{limit:g} 秒内没有返回任何内容",
    "timeout_attempt": "请求超过 {limit:g} 秒没有响应，重试和备用模型均未成功",
    "stalled": "输出中断：超过 {limit:g} 秒没有新内容",
    "incomplete": "输出不完整：流式响应没有正常结束（缺少 finish_reason）",
    "truncated": "输出达到长度上限被截断（finish_reason=length）",
    "rate_limited": "请求过于频繁（HTTP 429），重试后仍被限流",
    "auth": "认证失败（HTTP {status}）：请检查密钥环境变量（如 DEEPSEEK_API_KEY、OPENAI_API_KEY、DUIZHAO_API_KEY）",
    "not_found": "模型或接口不存在（HTTP 404）：请检查模型名称和 --api-base",
    "bad_request": "请求被拒绝（HTTP 400）：模型不接受这次请求的参数",
    "context_window": "提示超过模型的上下文长度",
    "content_filter": "内容被服务方的安全策略拦截",
    "server_error": "服务端错误（HTTP {status}），重试和备用模型均未成功",
    "connection": "无法连接到模型服务：请检查网络和 --api-base",
    "unknown": "调用失败（{error}）",
}


class BackendError(Exception):
    """The backend failed after retries and fallbacks (CLI exit 3, HTTP 502/504).

    ``partial`` keeps any text that arrived; ``usage`` what was spent."""

    def __init__(self, kind: str, backend: str, *, partial: str = "", usage: Any = None,
                 status: int | None = None, error: str | None = None, limit: float | None = None):
        self.kind = kind
        self.backend = backend
        self.partial = partial
        self.usage = usage
        self.status = status
        self.error = error
        cause = CAUSES.get(kind, CAUSES["unknown"]).format(status=status or "?", error=error or kind,
                                                          limit=limit or 0)
        self.cause = cause
        super().__init__(f"模型后端 {backend} 调用失败：{cause}")

    @property
    def is_timeout(self) -> bool:
        return self.kind in ("timeout_total", "timeout_first_token", "timeout_attempt", "stalled")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.kind, "message": str(self), "backend": self.backend}


class BudgetError(InputError):
    """The prompt does not fit the model's token budget: refused before any call (exit 2,
    HTTP 413)."""

    code = "over_budget"


class StructuredOutputError(Exception):
    """The model's answer stayed invalid after the re-asks; ``reason`` is Chinese."""

    def __init__(self, reason: str, *, usage: Any = None, last_text: str = "", attempts: int = 0):
        self.reason = reason
        self.usage = usage
        self.last_text = last_text
        self.attempts = attempts
        super().__init__(reason)


def classify(exc: BaseException) -> tuple[str, int | None]:
    """(kind, HTTP status) of a litellm/openai exception, by class name and status only."""
    names = {c.__name__ for c in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    text = str(exc)
    if "finish_reason" in text and ("Stream ended" in text or "MidStreamFallbackError" in names):
        return "incomplete", status
    original = getattr(exc, "original_exception", None)
    if "MidStreamFallbackError" in names and isinstance(original, BaseException):
        return classify(original)
    for cls, kind in (("ContextWindowExceededError", "context_window"), ("ContentPolicyViolationError", "content_filter"),
                      ("RateLimitError", "rate_limited"), ("AuthenticationError", "auth"),
                      ("PermissionDeniedError", "auth"), ("NotFoundError", "not_found"),
                      ("Timeout", "timeout_attempt"), ("APITimeoutError", "timeout_attempt"),
                      ("BadRequestError", "bad_request"), ("UnprocessableEntityError", "bad_request"),
                      ("InternalServerError", "server_error"), ("ServiceUnavailableError", "server_error"),
                      ("BadGatewayError", "server_error"), ("APIConnectionError", "connection")):
        if cls in names:
            return kind, status
    if status == 429:
        return "rate_limited", status
    if status and status >= 500:
        return "server_error", status
    return "unknown", status
