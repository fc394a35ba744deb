"""A throwaway PostgreSQL server on 127.0.0.1 in a temporary directory (for tests).

Uses the server binaries on PATH (``initdb``, ``pg_ctl``; PostgreSQL 15 on this
machine and in CI). PostgreSQL refuses to run as root: as root the server runs as the
``postgres`` user (``runuser -u postgres``), which the Debian packages create. Call
:func:`unavailable` first: it returns the reason to skip, or None.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BINARIES = ("initdb", "pg_ctl", "postgres")
RUN_AS = "postgres"
DB_USER = "duizhao"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def unavailable() -> str | None:
    """Why a server cannot be started here (None when it can)."""
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        return f"PostgreSQL server binaries not on PATH: {', '.join(missing)}"
    if _is_root():
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root and there is no '{RUN_AS}' user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and 'runuser' is missing"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="duizhao-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.log = self.root / "server.log"
        self._prefix: list[str] = []
        if _is_root():
            user = pwd.getpwnam(RUN_AS)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._prefix = ["runuser", "-u", RUN_AS, "--"]

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self._prefix, *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.root, env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})

    def start(self) -> "PostgresServer":
        r = self._run(shutil.which("initdb") or "initdb", "-D", str(self.data), "-U", DB_USER,
                      "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr[-2000:]}")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                "-c fsync=off -c full_page_writes=off -c max_connections=200")
        r = self._run(shutil.which("pg_ctl") or "pg_ctl", "-D", str(self.data), "-l", str(self.log),
                      "-o", opts, "-w", "-t", "60", "start", timeout=90)
        if r.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr[-1000:]} {log}")
        self._wait()
        return self

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not accept connections in 30 s")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={DB_USER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(shutil.which("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
