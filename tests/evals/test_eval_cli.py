"""``duizhao eval``: usage errors in Chinese, exit codes."""

from service.cli import main
from service.commands import eval as eval_cmd


def test_outside_a_source_checkout(monkeypatch, capsys):
    monkeypatch.setattr(eval_cmd, "source_root", lambda: None)
    assert main(["eval", "--out", "x"]) == 2
    err = capsys.readouterr().err
    assert "源码检出" in err and "evals/" in err


def test_record_needs_a_key(monkeypatch, capsys):
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    assert main(["eval", "--record", "--model", "deepseek/deepseek-chat", "--only", "drafting"]) == 2
    assert "DEEPSEEK_API_KEY" in capsys.readouterr().err


def test_update_baseline_only_in_replay(capsys):
    assert main(["eval", "--live", "--update-baseline"]) == 2
    assert "回放" in capsys.readouterr().err


def test_unknown_model_has_no_recording(tmp_path, capsys):
    assert main(["eval", "--out", str(tmp_path), "--model", "openai/not-recorded", "--only", "drafting"]) == 2
    assert "没有模型 openai/not-recorded 的录制" in capsys.readouterr().err


def test_reviewer_only_run_writes_reports(tmp_path, capsys):
    assert main(["eval", "--out", str(tmp_path), "--only", "reviewer"]) == 0
    assert (tmp_path / "report.md").is_file() and (tmp_path / "report.json").is_file()
    out = capsys.readouterr().out
    assert "审读器（开发集，规则据此调整过）：微平均" in out and "审读器（独立测试集）：微平均" in out
