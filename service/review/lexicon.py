"""Rule data: phrase lists and term tables live in ``service/review/lexicons/*.yaml``
(editable by a domain expert); this module loads them once and builds one
Aho–Corasick automaton per phrase list (pyahocorasick)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import ahocorasick
import yaml

from service.text.normalize import normalize_phrase

LEXICON_DIR = Path(__file__).parent / "lexicons"


# libyaml's safe loader is ~10x faster than the pure-Python one; lexicons load on the
# review hot path of a cold `duizhao review`.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load`` with libyaml when available."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 (a safe loader)


@lru_cache(maxsize=None)
def load(name: str) -> Any:
    """Load ``lexicons/<name>.yaml`` (cached for the process)."""
    path = LEXICON_DIR / f"{name}.yaml"
    return read_yaml(path.read_bytes())


@dataclass(frozen=True, slots=True)
class Hit:
    start: int      # normalized offsets
    end: int
    phrase: str     # the normalized phrase that matched
    payload: Any    # whatever was attached to the phrase


class PhraseMatcher:
    """Find every occurrence of a set of phrases (normalized) in a normalized text."""

    def __init__(self, phrases: dict[str, Any] | list[str]):
        if isinstance(phrases, list):
            phrases = {p: None for p in phrases}
        self._auto = ahocorasick.Automaton()
        self._empty = True
        for phrase, payload in phrases.items():
            key = normalize_phrase(str(phrase))
            if not key:
                continue
            self._auto.add_word(key, (key, payload))
            self._empty = False
        if not self._empty:
            self._auto.make_automaton()

    def iter(self, text: str, start: int = 0, end: int | None = None) -> Iterator[Hit]:
        """Hits in ``text[start:end]``, offsets relative to ``text``."""
        if self._empty:
            return
        end = len(text) if end is None else end
        for last, (key, payload) in self._auto.iter(text, start, end):
            yield Hit(last - len(key) + 1, last + 1, key, payload)

    def find_all(self, text: str, start: int = 0, end: int | None = None,
                 longest: bool = True) -> list[Hit]:
        """Hits sorted by start; with ``longest`` overlapping hits keep the longest."""
        hits = sorted(self.iter(text, start, end), key=lambda h: (h.start, -(h.end - h.start)))
        if not longest:
            return hits
        out: list[Hit] = []
        last_end = -1
        for h in hits:
            if h.start >= last_end:
                out.append(h)
                last_end = h.end
        return out

    def first(self, text: str, start: int = 0, end: int | None = None) -> Hit | None:
        hits = self.find_all(text, start, end)
        return hits[0] if hits else None


@lru_cache(maxsize=None)
def matcher(name: str, key: str | None = None) -> PhraseMatcher:
    """A cached matcher over ``lexicons/<name>.yaml`` (or its ``key`` entry).

    The YAML value may be a list of phrases or a mapping phrase → payload."""
    data = load(name)
    if key is not None:
        data = data[key]
    return PhraseMatcher(data)
