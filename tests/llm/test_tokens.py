"""Tokenizers shipped with the project: identical to tiktoken's, never downloaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from service.llm.tokens import ENCODINGS, count_messages, count_text

SAMPLE = "增强“四个意识”、坚定“四个自信”。4月没有主动梳理32户小微企业，6月抽查发现9户没有享受。Hello, world!"


def test_shipped_encodings_match_tiktoken_reference():
    """Our cl100k/o200k built from the repo files == tiktoken's own, built from
    litellm's bundled copies (a subprocess, so no global env leaks)."""
    import importlib.util

    lit_dir = Path(importlib.util.find_spec("litellm").origin).parent / "litellm_core_utils" / "tokenizers"
    code = ("import tiktoken,json,sys;"
            "print(json.dumps([tiktoken.get_encoding(n).encode(sys.argv[1]) for n in ('cl100k_base','o200k_base')]))")
    out = subprocess.run([sys.executable, "-c", code, SAMPLE], capture_output=True, text=True, check=True,
                         env={"TIKTOKEN_CACHE_DIR": str(lit_dir), "PATH": "/usr/bin:/bin"}).stdout
    import json

    ref_cl, ref_o = json.loads(out)
    from service.llm.tokens import _tiktoken

    assert _tiktoken("cl100k_base").encode(SAMPLE) == ref_cl
    assert _tiktoken("o200k_base").encode(SAMPLE) == ref_o


def test_no_download_ever(monkeypatch):
    import tiktoken.load

    def boom(*a, **k):
        raise AssertionError("tiktoken tried to read/download an encoding")

    monkeypatch.setattr(tiktoken.load, "read_file", boom)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", boom)
    from service.llm import tokens

    tokens._tiktoken.cache_clear()
    assert count_text(SAMPLE, "cl100k_base") > 0 and count_text(SAMPLE, "o200k_base") > 0


def test_files_are_in_the_package():
    names = {p.name for p in ENCODINGS.iterdir()}
    assert {"cl100k_base.tiktoken", "o200k_base.tiktoken", "deepseek_tokenizer.json",
            "deepseek_tokenizer_LICENSE.txt"} <= names


def test_chinese_counts_differ_by_tokenizer():
    zh = "对照入党誓词，查找自身在理想信念、宗旨意识、党性修养、纪律规矩方面的差距。" * 5
    cl, o2, ds = (count_text(zh, t) for t in ("cl100k_base", "o200k_base", "deepseek"))
    assert cl > o2 and cl > ds          # cl100k is the most expensive for Chinese
    assert 1.3 < cl / ds < 3.5


def test_message_overhead_and_label():
    msgs = [{"role": "system", "content": "甲"}, {"role": "user", "content": "乙"}]
    c = count_messages(msgs, "deepseek")
    assert c.tokenizer == "deepseek" and c.tokens == 3 + 2 * 4 + count_text("甲", "deepseek") + count_text("乙", "deepseek")


def test_unknown_tokenizer():
    with pytest.raises(ValueError):
        count_text("x", "gpt2")
