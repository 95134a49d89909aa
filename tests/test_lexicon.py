"""data/lexicon.yml: every list is words, and every list is read by some module."""

from __future__ import annotations

from pathlib import Path

import yaml

from mps.lexicon import LEXICON_PATH

ROOT = Path(__file__).resolve().parents[1]
LEXICON = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))


def _words(entry: list[str] | dict[int, list[str]]) -> list[object]:
    return list(entry) if isinstance(entry, list) else [w for ws in entry.values() for w in ws]


def test_every_word_is_a_string() -> None:
    """YAML reads a bare on, no or 12 as a boolean or a number: quote such words."""
    odd = {
        name: [w for w in _words(entry) if not isinstance(w, str)]
        for name, entry in LEXICON.items()
    }
    assert not {name: ws for name, ws in odd.items() if ws}


def test_every_list_is_read() -> None:
    """Each list is named in the code that reads it, so none is left behind unused."""
    code = "".join(
        path.read_text(encoding="utf-8")
        for folder in ("mps", "actions", "bot", "nlu")
        for path in (ROOT / folder).rglob("*.py")
    )
    unread = [name for name in LEXICON if f'"{name}"' not in code]
    assert not unread
