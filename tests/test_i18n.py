"""Every text the bot shows exists in Arabic, Kurdish Sorani and English."""

import pytest

from mps.catalogue import Catalogue


def test_every_bot_message_has_all_three_languages() -> None:
    catalogue = Catalogue.load()
    assert catalogue.keys()
    for key in catalogue.keys():
        texts = {lang: catalogue.get(key, lang, limit=1) for lang in ("ar", "ckb", "en")}
        assert len(set(texts.values())) == 3, key


def test_a_missing_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks ckb"):
        Catalogue({"hello": {"ar": "مرحبا", "en": "hello"}})
