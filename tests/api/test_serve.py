"""``duizhao serve``: loopback only without tokens (exit 2 otherwise), start-up
message, a real server answering on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from service.commands.serve import is_loopback
from tests.api.conftest import ROOT


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIZHAO_")}
    env.update({"DUIZHAO_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.0.2.1", False), ("example.org", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_public_host_without_tokens_is_refused(tmp_path, host):
    r = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--host", host], cwd=ROOT,
                       env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "DUIZHAO_API_TOKENS" in r.stderr and "拒绝" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_port_is_a_usage_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--port", "70000"], cwd=ROOT,
                       env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "端口无效" in r.stderr


def test_serves_on_loopback_and_says_so(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], cwd=ROOT,
                            env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not start")
        assert httpx.get(f"http://127.0.0.1:{port}/v1/rules", timeout=5).status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "只监听本机回环地址" in err
    assert "Application shutdown complete" in err      # SIGTERM: a graceful stop
    assert proc.returncode in (0, -15)                   # uvicorn re-raises the signal it handled


def test_tokens_allow_a_public_host(tmp_path):
    """With tokens, 0.0.0.0 is accepted (the server starts; we stop it at once)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--host", "0.0.0.0", "--port", str(port)],
                            cwd=ROOT, env=_env(tmp_path, DUIZHAO_API_TOKENS="tokAlpha9x,tokBeta7y"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        ok = False
        while time.monotonic() < deadline and not ok:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/v1/drafts", timeout=1)
                ok = True
            except httpx.TransportError:
                time.sleep(0.2)
        assert ok, "server did not start"
        assert r.status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/v1/drafts", headers={"Authorization": "Bearer tokBeta7y"},
                         timeout=5).status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "已启用访问令牌（2 个）" in err
    assert "tokAlpha9x" not in err and "tokBeta7y" not in err  # the tokens themselves are never printed
