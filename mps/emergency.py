"""Emergency numbers (data/emergency.yml) and the keyword safety net.

The numbers and their labels are data; the sentences around them are texts
(`emergency_*` in texts/common.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from mps.catalogue import Catalogue
from mps.language import LANGUAGES
from mps.localized import Localized
from mps.text import normalize, phrase_pattern, to_arabic_indic


class EmergencyNumber(BaseModel):
    """One number to call and what it is for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str
    region: str
    label: Localized


class EmergencyData(BaseModel):
    """The contents of data/emergency.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample_data: bool
    last_reviewed: date
    numbers: list[EmergencyNumber]
    keywords: dict[str, list[str]]


def load_emergency(path: Path) -> EmergencyData:
    """Load and validate the emergency data file."""
    data = EmergencyData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    missing = [lang for lang in LANGUAGES if not data.keywords.get(lang)]
    if missing:
        raise ValueError(f"{path}: no emergency keywords for {', '.join(missing)}")
    return data


def emergency_line(data: EmergencyData, texts: Catalogue, language: str) -> str:
    """One line added to another answer when a message may be about danger."""
    numbers = {entry.region: entry.number for entry in data.numbers}
    iraq, kurdistan = numbers.get("iraq", "911"), numbers.get("kurdistan", "119")
    if language in ("ar", "ckb"):
        iraq, kurdistan = to_arabic_indic(iraq), to_arabic_indic(kurdistan)
    return "⚠️ " + texts.get("emergency_line", language, iraq=iraq, kurdistan=kurdistan)


def emergency_text(data: EmergencyData, texts: Catalogue, language: str) -> str:
    """The emergency reply: the numbers come first, then the advice."""
    lines = []
    for entry in data.numbers:
        number = entry.number
        if language in ("ar", "ckb"):
            number = f"{number} ({to_arabic_indic(number)})"
        lines.append(f"📞 {number}: {entry.label.get(language)}")
    lines.append("")
    lines.append(texts.get("emergency_heading", language))
    lines.append(texts.get("emergency_advice", language))
    if data.sample_data:
        lines.append(texts.get("emergency_sample_note", language))
    return "\n".join(lines)


@dataclass(frozen=True)
class KeywordNet:
    """Recognises danger by keywords when the conversation engine is down."""

    pattern: re.Pattern[str]

    @classmethod
    def from_data(cls, data: EmergencyData) -> KeywordNet:
        """Build one pattern from every language's keywords."""
        pattern = phrase_pattern([k for words in data.keywords.values() for k in words])
        assert pattern is not None  # load_emergency requires keywords
        return cls(pattern)

    def matches(self, text: str) -> bool:
        """Whether `text` contains an emergency phrase in any language."""
        return bool(self.pattern.search(normalize(text)))
