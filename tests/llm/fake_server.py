"""A small OpenAI-compatible chat server on 127.0.0.1 for timing and fault tests.

The same path users take with vLLM/Ollama (``openai/<model>`` + ``api_base``), so the
tests exercise litellm's real HTTP client, SSE parsing and error mapping. Behaviour is
scripted per model name: each request pops the next :class:`Act` from that model's
queue (the last one repeats).

    with FakeServer() as srv:
        srv.script("m1", Act.fail(429, retry_after=1), Act.say("好"))
        ... api_base=srv.base_url ...
        assert srv.calls("m1") == 2
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Act:
    kind: str                       # text | status | broken | no_finish | hang | keepalive
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    first_delay: float = 0.0        # before the first byte of the body
    gap: float = 0.0                # between stream chunks
    chunks: int = 4
    finish_reason: str = "stop"
    usage: dict[str, int] | None = None

    @classmethod
    def say(cls, text: str, **kw: Any) -> "Act":
        return cls("text", text=text, **kw)

    @classmethod
    def fail(cls, status: int, retry_after: float | None = None, message: str = "error") -> "Act":
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return cls("status", status=status, headers=headers, text=message)


@dataclass
class Call:
    model: str
    body: dict
    stream: bool
    at: float
    headers: dict[str, str]


class FakeServer:
    def __init__(self) -> None:
        self._scripts: dict[str, list[Act]] = {}
        self._lock = threading.Lock()
        self.log: list[Call] = []
        self.default = Act.say("一、对照检查出的问题\n（一）测试\n一是测试。")
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                model = str(body.get("model", ""))
                stream = bool(body.get("stream"))
                with server._lock:
                    server.log.append(Call(model, body, stream, time.monotonic(), dict(self.headers)))
                    queue = server._scripts.get(model)
                    act = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else server.default
                try:
                    server._serve(self, act, model, stream)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # ---- control ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, model: str, *acts: Act) -> None:
        with self._lock:
            self._scripts[model] = list(acts)

    def calls(self, model: str | None = None) -> int:
        return sum(1 for c in self.log if model is None or c.model == model)

    def __enter__(self) -> "FakeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- responses -------------------------------------------------------------------
    @staticmethod
    def _usage(act: Act) -> dict[str, int]:
        return act.usage or {"prompt_tokens": 100, "completion_tokens": max(1, len(act.text)),
                             "total_tokens": 100 + max(1, len(act.text))}

    def _serve(self, h: BaseHTTPRequestHandler, act: Act, model: str, stream: bool) -> None:
        if act.first_delay:
            time.sleep(act.first_delay)
        if act.kind == "hang":
            time.sleep(3600)
            return
        if act.kind == "status":
            payload = json.dumps({"error": {"message": act.text, "type": "server_error", "code": act.status}}).encode()
            h.send_response(act.status)
            for k, v in act.headers.items():
                h.send_header(k, v)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        if not stream:
            payload = json.dumps({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": act.text},
                             "finish_reason": act.finish_reason}],
                "usage": self._usage(act),
            }, ensure_ascii=False).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()

        def send(obj: Any) -> None:
            data = obj if isinstance(obj, str) else "data: " + json.dumps(obj, ensure_ascii=False) + "\n\n"
            h.wfile.write(data.encode())
            h.wfile.flush()

        def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> dict:
            c = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if usage is not None:
                c["usage"] = usage
                c["choices"] = []
            return c

        if act.kind == "keepalive":
            while True:  # comments only: resets naive idle timers forever
                send(": keep-alive\n\n")
                time.sleep(0.05)
        text = act.text
        n = max(1, act.chunks)
        size = max(1, -(-len(text) // n))
        pieces = [text[i:i + size] for i in range(0, len(text), size)] or [""]
        send(chunk({"role": "assistant", "content": ""}))
        for i, piece in enumerate(pieces):
            if i and act.gap:
                time.sleep(act.gap)
            send(chunk({"content": piece}))
            if act.kind == "broken" and i >= len(pieces) // 2:
                h.wfile.flush()
                h.connection.shutdown(2)  # drop the connection mid-stream
                return
        if act.kind == "no_finish":
            send("data: [DONE]\n\n")
            return
        send(chunk({}, finish=act.finish_reason))
        send(chunk({}, usage=self._usage(act)))
        send("data: [DONE]\n\n")
