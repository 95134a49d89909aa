"""Every user-facing text, in Arabic, Kurdish Sorani and English, from texts/.

One loader for the bot, the actions, nlu/build.py (which compiles the `utter_*`
entries into Rasa responses) and the tests. An entry is `key: {en, ar, ckb}`,
maybe with its `buttons` and `topic_buttons` (mps/text_buttons.py); a group is
a mapping of entries, e.g. `status: {new: {en, ar, ckb}, ...}`, looked up with
`choice`, so that no key is built at run time where a test cannot see it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from mps.language import LANGUAGES

TEXTS_DIR = Path(__file__).resolve().parents[1] / "texts"

Entry = Mapping[str, Any]


def _is_entry(value: object) -> bool:
    return isinstance(value, Mapping) and any(lang in value for lang in LANGUAGES)


def _check(name: str, entry: object) -> None:
    if not _is_entry(entry):
        raise ValueError(f"text {name!r} is neither a text nor a group of texts")
    assert isinstance(entry, Mapping)
    missing = [lang for lang in LANGUAGES if not entry.get(lang)]
    if missing:
        raise ValueError(f"message {name!r} lacks {', '.join(missing)}")


class Catalogue:
    """Looks up a text by key (or group and member) and language."""

    def __init__(self, texts: Mapping[str, Any]) -> None:
        self._texts: dict[str, Entry] = {}
        self._groups: dict[str, dict[str, Entry]] = {}
        for key, value in texts.items():
            if _is_entry(value):
                _check(key, value)
                self._texts[key] = value
                continue
            if not isinstance(value, Mapping) or not value:
                raise ValueError(f"text {key!r} is neither a text nor a group of texts")
            for member, entry in value.items():
                _check(f"{key}.{member}", entry)
            self._groups[key] = dict(value)

    @classmethod
    def load_dir(cls, path: Path = TEXTS_DIR) -> Catalogue:
        """Read every `*.yml` of a folder; a key defined in two places is an error."""
        texts: dict[str, Any] = {}
        for file in sorted(path.glob("*.yml")):
            for key, value in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).items():
                if key in texts:
                    raise ValueError(f"message {key!r} is defined twice ({file.name})")
                texts[key] = value
        if not texts:
            raise ValueError(f"no texts in {path}")
        return cls(texts)

    def keys(self) -> list[str]:
        """Every text key (groups aside)."""
        return list(self._texts)

    def groups(self) -> dict[str, list[str]]:
        """Every group and its members."""
        return {group: list(members) for group, members in self._groups.items()}

    def entries(self) -> Iterator[tuple[str, Entry]]:
        """Every entry, a group's members named `group.member`."""
        yield from self._texts.items()
        for group, members in self._groups.items():
            for member, entry in members.items():
                yield f"{group}.{member}", entry

    def __getitem__(self, key: str) -> Entry:
        """The whole entry of `key`: its three texts and any extra fields."""
        return self._texts[key]

    def get(self, key: str, language: str, **values: object) -> str:
        """The text `key` in `language` (English if unknown), formatted."""
        return _text(self._texts[key], language, values)

    def choice(self, group: str, member: str, language: str, **values: object) -> str:
        """The text of `member` of `group` (a status, a category...) in `language`."""
        return _text(self._groups[group][member], language, values)


def _text(entry: Entry, language: str, values: dict[str, object]) -> str:
    return str(entry[language if language in LANGUAGES else "en"]).format(**values)
