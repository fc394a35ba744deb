"""litellm is imported only by service/llm, lazily; the rest stays light."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", [
    "service.llm", "service.prompts", "service.drafting", "service.commands.draft", "service.settings", "service.notes",
])
def test_importing_does_not_import_litellm(module):
    code = f"import sys, {module}; print('litellm' in sys.modules, 'fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_outline_never_imports_litellm(tmp_path):
    code = ("import sys; from service.notes import load_notes; from service.drafting import draft;"
            "r = draft(load_notes('examples/notes/thin.yaml'), structure='org-life-2024');"
            "print(r.mode, 'litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"DUIZHAO_MODEL": "", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                         cwd=str(__import__("conftest").ROOT)).stdout
    assert out.split() == ["outline", "False"]


def test_only_service_llm_imports_litellm():
    from conftest import ROOT

    offenders = []
    for path in (ROOT / "service").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("service/llm/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "litellm" or n.startswith("litellm.") for n in names):
                offenders.append(rel)
    assert offenders == []
