"""Catalogues of short texts in Arabic, Kurdish Sorani and English.

Used for bot/messages.yml and actions/labels.yml.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mps.language import LANGUAGES

CATALOGUE_PATH = Path(__file__).resolve().parents[1] / "bot" / "messages.yml"


class Catalogue:
    """Looks up a text by key and language."""

    def __init__(self, texts: dict[str, dict[str, str]]) -> None:
        for key, variants in texts.items():
            missing = [lang for lang in LANGUAGES if not variants.get(lang)]
            if missing:
                raise ValueError(f"message {key!r} lacks {', '.join(missing)}")
        self._texts = texts

    @classmethod
    def load(cls, path: Path = CATALOGUE_PATH) -> Catalogue:
        """Read and check a catalogue file."""
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    @classmethod
    def merged(cls, *paths: Path) -> Catalogue:
        """One catalogue from several files; a key may appear in one file only."""
        texts: dict[str, dict[str, str]] = {}
        for path in paths:
            for key, variants in yaml.safe_load(path.read_text(encoding="utf-8")).items():
                if key in texts:
                    raise ValueError(f"message {key!r} is defined twice ({path.name})")
                texts[key] = variants
        return cls(texts)

    def keys(self) -> list[str]:
        """Every message key."""
        return list(self._texts)

    def get(self, key: str, language: str, **values: object) -> str:
        """The text `key` in `language` (English if unknown), formatted."""
        variants = self._texts[key]
        return variants.get(language, variants["en"]).format(**values)
