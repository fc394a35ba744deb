"""Replays go through the real pipeline + litellm + vcrpy; a changed request fails loudly."""

import copy
import os

import pytest

from evals import recording
from evals.dataset import RESPONSES, load_drafting_cases
from evals.tasks import draft as draft_task
from evals.tasks.replay import MISMATCH

CASES = {s.id: s for s in load_drafting_cases()}


# ---- pytest-recording with the eval suite's configuration -----------------------------------
# (kept in this module, not in a conftest.py: tests/evals is not a package, and a second
# top-level "conftest" module would shadow tests/conftest.py for the tests that import it)

class _EvalSerializer:
    """Registers the eval cassettes' serializer on every VCR pytest-recording builds."""

    @staticmethod
    def pytest_recording_configure(config, vcr):
        vcr.register_serializer(recording.SERIALIZER, recording.Serializer())


@pytest.fixture(scope="module", autouse=True)
def _eval_serializer(pytestconfig):
    pm = pytestconfig.pluginmanager
    if not pm.has_plugin("duizhao-evals-serializer"):
        pm.register(_EvalSerializer(), "duizhao-evals-serializer")


@pytest.fixture(scope="module")
def vcr_config(record_mode):
    # record mode "none" unless --record-mode is given; body matching, secret filters
    return recording.vcr_config(record_mode or "none")


@pytest.fixture(scope="module")
def vcr_cassette_dir():
    return str(recording.cassette_dir("deepseek/deepseek-chat"))


@pytest.fixture
def replay_key(monkeypatch):
    """Replayed requests never leave the process, but the provider client wants a key."""
    if not os.environ.get("DEEPSEEK_API_KEY"):
        monkeypatch.setenv("DEEPSEEK_API_KEY", "replay-no-key")


@pytest.mark.vcr("tax-window-2021.yaml")
def test_pytest_recording_replays_a_case_through_the_pipeline(replay_key):
    """pytest-recording (``@pytest.mark.vcr``, record mode none, body matching) with
    the eval cassettes: the answer is the hand-written draft, after critique."""
    from service.drafting import clean_output

    sample = CASES["tax-window-2021"]
    result = draft_task.solve(sample, draft_task.backend_for("deepseek/deepseek-chat"))
    assert result.error is None
    expected = clean_output((RESPONSES / "tax-window-2021" / "01-draft.txt").read_text(encoding="utf-8"))
    assert result.text == expected
    assert result.review["critique"]["status"] == "ok"
    assert result.usage.calls == 2 and result.usage.cost is not None


def test_changed_notes_do_not_replay_a_stale_answer():
    sample = copy.deepcopy(CASES["tax-window-2021"])
    sample.input["notes"]["facts"] = sample.input["notes"]["facts"] + ["12月又有一次窗口投诉"]
    run = draft_task.run_case(sample, "deepseek/deepseek-chat",
                              cassettes=None)
    assert run.error == MISMATCH and run.misses


def test_missing_cassette_is_a_clear_error(tmp_path):
    from evals.tasks.replay import ReplayError

    with pytest.raises(ReplayError, match="没有模型 openai/none 的录制"):
        draft_task.run_case(CASES["tax-window-2021"], "openai/none", cassettes=tmp_path)


def test_rate_limited_first_attempt_is_counted():
    run = draft_task.run_case(CASES["street-grid-2023"], "deepseek/deepseek-chat")
    assert run.error is None and run.played == run.interactions
    assert run.result.usage.attempts >= 2
