"""Every text the bot and the actions show exists in Arabic, Kurdish Sorani and English."""

from pathlib import Path
from string import Formatter

import pytest

from mps.catalogue import Catalogue

LABELS = Path(__file__).resolve().parents[1] / "actions" / "labels.yml"


def _placeholders(catalogue: Catalogue, key: str, language: str) -> set[str]:
    text = catalogue._texts[key][language]
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("path", [None, LABELS], ids=["bot", "actions"])
def test_every_message_has_three_languages_with_the_same_placeholders(
    path: Path | None,
) -> None:
    catalogue = Catalogue.load() if path is None else Catalogue.load(path)
    assert catalogue.keys()
    for key in catalogue.keys():
        names = _placeholders(catalogue, key, "en")
        for language in ("ar", "ckb"):
            assert _placeholders(catalogue, key, language) == names, (key, language)
        texts = {lang: catalogue.get(key, lang, **dict.fromkeys(names, "1")) for lang in
                 ("ar", "ckb", "en")}  # fmt: skip
        if key not in ("list_separator", "hotline_line"):  # punctuation only
            assert len(set(texts.values())) == 3, key


def test_a_missing_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks ckb"):
        Catalogue({"hello": {"ar": "مرحبا", "en": "hello"}})


def test_responses_have_the_same_placeholders_in_every_language() -> None:
    import yaml

    path = Path(__file__).resolve().parents[1] / "data" / "responses.yml"
    responses = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, spec in responses.items():
        texts = spec.get("text", {}) if "text" in spec else spec
        if not isinstance(texts, dict) or "en" not in texts:
            continue
        names = {
            lang: {n for _, n, _, _ in Formatter().parse(texts[lang]) if n}
            for lang in ("ar", "ckb", "en")
        }
        assert names["ar"] == names["ckb"] == names["en"], name
