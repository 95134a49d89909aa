"""Emergency numbers data and the keyword safety net."""

from pathlib import Path

import pytest

from mps.catalogue import Catalogue
from mps.emergency import KeywordNet, emergency_text, load_emergency

DATA = load_emergency(Path(__file__).parent.parent / "data" / "emergency.yml")
NET = KeywordNet.from_data(DATA)


@pytest.mark.parametrize("language", ["ar", "ckb", "en"])
def test_the_reply_starts_with_the_emergency_number(language: str) -> None:
    text = emergency_text(DATA, Catalogue.load_dir(), language)
    assert text.splitlines()[0].startswith("📞 911")
    assert "119" in text
    if language != "en":
        assert "٩١١" in text


@pytest.mark.parametrize(
    "text",
    [
        "help me now he has a knife",
        "الحقوني بسرعة",
        "يريد يقتلني",
        "فریام کەون",
        "the house is ON FIRE",
    ],
)
def test_keywords_catch_danger_in_every_language(text: str) -> None:
    assert NET.matches(text)


@pytest.mark.parametrize(
    "text", ["what are the opening hours", "firewall settings", "شلون اطلع جواز", "سڵاو"]
)
def test_keywords_leave_ordinary_questions_alone(text: str) -> None:
    assert not NET.matches(text)
