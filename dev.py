#!/usr/bin/env python3
"""Bootstrap and run duizhao from a fresh checkout with nothing but Python 3.11 and pip.

    python3 dev.py serve          # create .venv, install the locked dependencies, start
    python3 dev.py test [ARGS]    # same environment, run the test suite (pytest ARGS)
    python3 dev.py <duizhao args> # any other duizhao command, e.g. review FILE

The virtual environment is created in .venv on first use and reinstalled only when
requirements.lock or pyproject.toml change (a stamp file records their hash).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".duizhao-installed"
LOCK = ROOT / "requirements.lock"


def _digest() -> str:
    h = hashlib.sha256()
    for name in ("requirements.lock", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"duizhao 需要 Python 3.11 或更高版本（当前 {sys.version.split()[0]}）。")
    if not PY.exists():
        print("正在创建虚拟环境 .venv …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = _digest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    print("正在安装依赖（首次运行需要几分钟）…", file=sys.stderr)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["--require-hashes", "-r", str(LOCK)], check=True, cwd=ROOT)
    subprocess.run(pip + ["--no-deps", "--no-build-isolation", "-e", "."], check=True, cwd=ROOT)
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    ensure_env()
    env = dict(os.environ)
    env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    env.setdefault("LITELLM_OFFLINE_MODE", "true")
    if argv and argv[0] == "test":
        cmd = [str(PY), "-m", "pytest", *argv[1:]]
    else:
        cmd = [str(BIN / "duizhao"), *argv]
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"安装依赖失败（{exc}）。请检查网络能否访问软件包仓库后重试。")
