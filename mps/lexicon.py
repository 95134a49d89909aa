"""The word lists of data/lexicon.yml, folded like the text they are compared with."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mps.text import normalize

LEXICON_PATH = Path(__file__).resolve().parents[1] / "data" / "lexicon.yml"


@cache
def _lexicon() -> dict[str, Any]:
    return dict(yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")))


def words(*names: str) -> list[str]:
    """The words of one or more lists, normalised."""
    return [normalize(word) for name in names for word in _lexicon()[name]]


def numbered(name: str) -> list[tuple[str, int]]:
    """The words of a list kept by number (months, weekdays), with their numbers, in
    the file's order, normalised."""
    return [(normalize(w), int(n)) for n, ws in _lexicon()[name].items() for w in ws]


def number_words() -> dict[str, int]:
    """Number words and their values ("ثلاثة" → 3), normalised."""
    return dict(numbered("numbers"))
