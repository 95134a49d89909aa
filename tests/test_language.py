"""Language detection per message."""

import pytest

from mps.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is the nearest police station", "en"),
        ("how do i get a clearence certificate", "en"),
        ("وين اقرب مركز شرطة", "ar"),
        ("شلون اطلع شهادة عدم محكومية", "ar"),
        ("أريد أن أسأل عن ساعات الدوام", "ar"),
        ("shlonak 7abibi", "ar"),
        ("هلا والله شلونكم", "ar"),
        ("wen a8rab markaz shurta", "ar"),
        ("نزیکترین بنکەی پۆلیس لە کوێیە", "ckb"),
        ("چۆن ناسنامەی ونبوو دەربهێنم", "ckb"),
        ("سوپاس", "ckb"),
        # Sorani typed on an Arabic keyboard still has Sorani words.
        ("تكايه بنكەي پوليس لە كوي", "ckb"),
    ],
)
def test_detects_the_language_of_typical_messages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "👍", "1234", "ok", "؟"])
def test_no_signal_means_no_guess(text: str) -> None:
    assert detect_language(text) is None


def test_booking_codes_and_references_are_not_arabizi() -> None:
    assert detect_language("I want to cancel or change booking WRNH9H") == "en"
    assert detect_language("status of MPS-7K3F-Q9 please") == "en"
    assert detect_language("mar7aba") == "ar"
