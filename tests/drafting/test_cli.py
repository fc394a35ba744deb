"""``duizhao draft``: exit codes 0/2/3, stdout/stderr contract, -o and .partial, JSON,
streaming on a terminal, never a traceback."""

from __future__ import annotations

import io
import json
import sys

import pytest

from conftest import ROOT
from llm.fake_server import Act
from service.cli import main
from service.settings import get_settings

from .conftest import DRAFT

TAX = str(ROOT / "examples" / "notes" / "tax-clerk.yaml")
THIN = str(ROOT / "examples" / "notes" / "thin.yaml")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in ("DUIZHAO_MODEL", "DUIZHAO_API_BASE", "DUIZHAO_MODELS_FILE", "DUIZHAO_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DUIZHAO_ATTEMPT_TIMEOUT", "2")
    monkeypatch.setenv("DUIZHAO_DEADLINE_FIRST_TOKEN", "3")
    monkeypatch.setenv("DUIZHAO_NUM_RETRIES", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(capsys, *argv):
    code = main(["draft", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def model_args(server):
    return ["--model", "openai/drafter", "--api-base", server.base_url]


def test_outline_without_model(capsys):
    code, out, err = run(capsys, TAX)
    assert code == 0 and out.splitlines()[0] == "2021年度组织生活会个人对照检查材料（提纲）"
    assert "未配置模型" in err and "审读结论" in err


def test_outline_json_is_one_object(capsys):
    code, out, err = run(capsys, TAX, "--format", "json")
    assert code == 0 and out.count("\n") == 1
    data = json.loads(out)
    assert data["mode"] == "outline" and data["review"]["verdict"] and data["usage"]["calls"] == 0


def test_notes_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(
        "role: 科员\nfacts: [上半年有2次报销审核超期]\n".encode())))
    code, out, _ = run(capsys, "-", "--structure", "org-life-2024")
    assert code == 0 and "上半年有2次报销审核超期" in out


@pytest.mark.parametrize("argv,message", [
    ([str(ROOT / "nope.yaml")], "不存在"),
    ([THIN], "没有指定结构"),
    ([TAX, "--structure", "org-life-1999"], ""),
    ([TAX, "--api-base", "http://127.0.0.1:9/v1"], "还需要 --model"),
    ([TAX, "--model", "bad model"], "模型名称无效"),
    ([TAX, "-o", "out.pdf"], "只支持 .md、.txt 或 .docx"),
    ([TAX, "--rounds", "9"], "--rounds"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("duizhao: ") and message in err


def test_outline_to_docx(capsys, tmp_path):
    import docx

    out = tmp_path / "提纲.docx"
    code, stdout, err = run(capsys, TAX, "-o", str(out))
    assert code == 0 and stdout == "" and "已写入" in err
    paras = [p.text for p in docx.Document(str(out)).paragraphs if p.text.strip()]
    assert paras[0].endswith("（提纲）") and any("32户" in p for p in paras)


def test_invalid_notes(capsys, tmp_path):
    bad = tmp_path / "n.yaml"
    bad.write_text("role: 科员\nfacts: []\n", encoding="utf-8")
    code, out, err = run(capsys, str(bad), "--structure", "org-life-2024")
    assert (code, out) == (2, "") and err == "duizhao: 角色笔记无效：facts（事实）至少需要一条\n"


def test_over_budget_exits_2_before_any_call(capsys, monkeypatch, server):
    monkeypatch.setenv("DUIZHAO_MAX_PROMPT_TOKENS", "1000")
    get_settings.cache_clear()
    code, out, err = run(capsys, TAX, *model_args(server))
    assert (code, out) == (2, "") and "输入过长" in err and server.calls() == 0


def test_draft_to_file(capsys, server, tmp_path):
    server.script("drafter", Act.say(DRAFT, chunks=10))
    target = tmp_path / "draft.md"
    code, out, err = run(capsys, TAX, *model_args(server), "-o", str(target))
    assert code == 0 and out == "" and target.read_text(encoding="utf-8") == DRAFT
    assert f"已写入 {target}" in err and "模型 openai/drafter" in err and "费用 未知" in err


def test_draft_json(capsys, server):
    server.script("drafter", Act.say(DRAFT))
    code, out, _ = run(capsys, TAX, *model_args(server), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["mode"] == "draft" and data["text"] == DRAFT and data["complete"]
    assert data["usage"]["prompt_tokens"] == 100 and data["usage"]["cost_usd"] is None


def test_draft_text_to_stdout(capsys, server):
    server.script("drafter", Act.say(DRAFT))
    code, out, _ = run(capsys, TAX, *model_args(server))
    assert code == 0 and out == DRAFT


def test_streams_on_a_terminal(capsys, server, monkeypatch):
    server.script("drafter", Act.say(DRAFT, chunks=15))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    written: list[str] = []
    real_write = sys.stdout.write
    monkeypatch.setattr(sys.stdout, "write", lambda s: (written.append(s), real_write(s))[1])
    code, out, _ = run(capsys, TAX, *model_args(server))
    assert code == 0 and out == DRAFT and len(written) >= 15


def test_backend_failure_keeps_partial_beside_output(capsys, server, tmp_path):
    server.script("drafter", Act("broken", text=DRAFT, chunks=10))
    target = tmp_path / "draft.md"
    code, out, err = run(capsys, TAX, *model_args(server), "-o", str(target))
    partial = tmp_path / "draft.md.partial"
    assert code == 3 and out == "" and not target.exists()
    assert DRAFT.startswith(partial.read_text(encoding="utf-8")) and partial.stat().st_size > 100
    assert err.startswith("duizhao: 模型后端 openai/drafter @ http://127.0.0.1:") and "不完整" in err
    assert str(partial) in err and err.count("\n") == 1


def test_backend_failure_json_includes_partial(capsys, server):
    server.script("drafter", Act("no_finish", text=DRAFT, chunks=4))
    code, out, err = run(capsys, TAX, *model_args(server), "--format", "json")
    data = json.loads(out)
    assert code == 3 and data["complete"] is False and data["text"] == DRAFT
    assert data["error"]["code"] == "incomplete" and "text 字段" in err


def test_first_token_deadline_exits_3(capsys, server, monkeypatch):
    monkeypatch.setenv("DUIZHAO_ATTEMPT_TIMEOUT", "10")
    monkeypatch.setenv("DUIZHAO_DEADLINE_FIRST_TOKEN", "1")
    get_settings.cache_clear()
    server.script("drafter", Act("keepalive"))
    code, out, err = run(capsys, TAX, *model_args(server))
    assert code == 3 and out == "" and "1 秒内没有返回任何内容" in err


def test_attempt_timeout_exits_3(capsys, server):
    server.script("drafter", Act("hang"))
    code, out, err = run(capsys, TAX, *model_args(server))
    assert code == 3 and out == "" and "请求超过 2 秒没有响应" in err


def test_server_error_exits_3_naming_the_cause(capsys, server):
    server.script("drafter", Act.fail(503))
    code, out, err = run(capsys, TAX, *model_args(server))
    assert code == 3 and out == "" and "HTTP 503" in err and "openai/drafter" in err
