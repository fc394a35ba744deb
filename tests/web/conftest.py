"""Fixtures for the web page: the app served by uvicorn on 127.0.0.1 (a free port) in a
thread, and Playwright driving Debian's chromium (``/usr/bin/chromium``; Playwright's
own browser downloads are not available here). Browser tests skip, with the reason,
where playwright or chromium is missing. Screenshots and downloads go to
``test-artifacts/web/`` (git-ignored)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import pytest

from service.api import create_app
from service.api.drafter import DraftJob, DraftOutcome
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
SEED = ROOT / "tests" / "fixtures" / "seed_2021.txt"
NOTES_FILE = ROOT / "examples" / "notes" / "tax-clerk.yaml"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--no-first-run", "--disable-domain-reliability",
    "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter",
]


def make_settings(tmp_path: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = dict(database_url=f"sqlite:///{tmp_path / 'web.db'}", api_tokens=[], model=None,
                                api_base=None, models_file=None, api_models=[])
    base.update(kw)
    return Settings(**base)


@dataclass
class FakeDrafter:
    """A scripted model: yields ``chunks`` ``gap`` seconds apart, then the outcome with
    the real reviewer's result of the whole text."""

    chunks: list[str] = field(default_factory=list)
    gap: float = 0.3
    model: str = "fake/model"
    fail: Exception | None = None     # raised after the chunks
    jobs: list[DraftJob] = field(default_factory=list)

    async def stream(self, job: DraftJob) -> AsyncIterator[str | DraftOutcome]:
        from service.review.engine import review

        self.jobs.append(job)

        for i, chunk in enumerate(self.chunks):
            if i and self.gap:
                await asyncio.sleep(self.gap)
            yield chunk
        if self.fail is not None:
            raise self.fail
        text = "".join(self.chunks)
        result = review(text, structure=job.structure)
        yield DraftOutcome(text=text, review=result.to_json(), usage={"prompt_tokens": 10, "calls": 1},
                           model=self.model, structure=job.structure.id if job.structure else None)


def seed_chunks(n: int = 5) -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    size = len(text) // n + 1
    return [text[i:i + size] for i in range(0, len(text), size)]


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: Any):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``serve(drafter=None, **settings)`` → a started server (stopped after the test)."""
    servers: list[LiveServer] = []

    def start(drafter: Any = None, **kw: Any) -> LiveServer:
        app = create_app(make_settings(tmp_path, **kw), drafter=drafter)
        server = LiveServer(app).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


def _chromium() -> str | None:
    """``DUIZHAO_CHROMIUM`` if set, else Debian's chromium."""
    override = os.environ.get("DUIZHAO_CHROMIUM")
    if override:
        return override if os.path.exists(override) else None
    for path in CHROMIUM_CANDIDATES:
        if os.path.exists(path):
            return path
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("未安装 playwright（Python 包）：pip install playwright（不要运行 playwright install，"
                    "测试使用 /usr/bin/chromium）；浏览器测试已跳过")
    exe = _chromium()
    if exe is None:
        pytest.skip("没有找到 chromium（/usr/bin/chromium，或 DUIZHAO_CHROMIUM 指定的路径）："
                    "apt-get install -y chromium；浏览器测试已跳过")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class PageWatch:
    """A page plus what it did: console errors, page errors, requests to other origins."""

    def __init__(self, page: Any, origin: str):
        self.page = page
        self.origin = origin
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("request", self._request)

    def _request(self, req: Any) -> None:
        url = req.url
        if url.startswith(("data:", "blob:")):
            return
        if not url.startswith(self.origin + "/"):
            self.foreign.append(url)

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_clean(self) -> None:
        assert self.page_errors == [], f"JavaScript errors: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.foreign == [], f"requests outside the service: {self.foreign}"


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., PageWatch]]:
    """``open_page(server, width=1280, height=900)`` → a PageWatch on the page at ``/``."""
    contexts: list[Any] = []

    def open_(server: LiveServer, width: int = 1280, height: int = 900, **ctx: Any) -> PageWatch:
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                      locale="zh-CN", **ctx)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = PageWatch(page, server.url)
        page.goto(server.url + "/")
        page.wait_for_load_state("networkidle")
        return watch

    yield open_
    for c in contexts:
        c.close()
