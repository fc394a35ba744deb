"""Token counts with tokenizers shipped inside the project: nothing downloads.

- ``cl100k_base`` and ``o200k_base``: tiktoken BPE files in ``encodings/`` (copied from
  the litellm package; sha256 checked at load), built into :class:`tiktoken.Encoding`
  directly, so ``TIKTOKEN_CACHE_DIR`` and the network are never consulted.
- ``deepseek``: DeepSeek's tokenizer JSON (MIT, ``encodings/deepseek_tokenizer_LICENSE.txt``)
  through the ``tokenizers`` library (a litellm dependency).

Chinese counts differ 2–3x between them, so every count says which tokenizer it came
from; a model's family picks the tokenizer (``providers.yaml``).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ENCODINGS = Path(__file__).parent / "encodings"

# name → (file, sha256, pattern, special tokens); constants from tiktoken_ext.openai_public
_TIKTOKEN: dict[str, tuple[str, str, str, dict[str, int]]] = {
    "cl100k_base": (
        "cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
         "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276},
    ),
    "o200k_base": (
        "o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "|".join([
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]),
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
}
DEEPSEEK = "deepseek"
TOKENIZERS = (*_TIKTOKEN, DEEPSEEK)

# Chat framing per message (role markers, separators): OpenAI's documented 3 + 3 reply.
_PER_MESSAGE = 4
_PER_REPLY = 3


@dataclass(frozen=True, slots=True)
class TokenCount:
    tokens: int
    tokenizer: str

    def to_json(self) -> dict[str, Any]:
        return {"tokens": self.tokens, "tokenizer": self.tokenizer}


@lru_cache(maxsize=None)
def _tiktoken(name: str):
    import tiktoken

    file, sha, pattern, special = _TIKTOKEN[name]
    data = (ENCODINGS / file).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise RuntimeError(f"encoding file {file} is corrupted (sha256 mismatch)")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)


@lru_cache(maxsize=None)
def _deepseek():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(ENCODINGS / "deepseek_tokenizer.json"))


def count_text(text: str, tokenizer: str = "cl100k_base") -> int:
    """Tokens of ``text`` (special-token strings counted as plain text)."""
    if tokenizer == DEEPSEEK:
        return len(_deepseek().encode(text, add_special_tokens=False).ids)
    if tokenizer not in _TIKTOKEN:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; known: {', '.join(TOKENIZERS)}")
    return len(_tiktoken(tokenizer).encode(text, disallowed_special=()))


def count_messages(messages: list[dict[str, Any]], tokenizer: str = "cl100k_base") -> TokenCount:
    """Prompt tokens of chat messages, with the per-message framing overhead."""
    total = _PER_REPLY
    for m in messages:
        total += _PER_MESSAGE + count_text(str(m.get("content") or ""), tokenizer)
    return TokenCount(total, tokenizer)
