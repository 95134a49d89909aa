"""Typed text reaches Rasa as words: never as `/intent{entities}`, never with
invisible characters that reorder or hide what staff read."""

from __future__ import annotations

import pytest

from bot.user_text import clean_text, plain_text
from mps.text import normalize


def read_as_intent(text: str) -> bool:
    """What Rasa 3.6 does: its normaliser (ours, first in the pipeline) runs unless the
    text starts with "/", then the regex message handler unpacks any text that,
    stripped, starts with "/"."""
    seen = text if text.startswith("/") else normalize(text)
    return seen.strip().startswith("/")


@pytest.mark.parametrize(
    "typed",
    [
        '/ share_photo{"photo": "https://evil.example/y.jpg"}',
        '/inform{"station": "BGD-KRD", "language": "en"}',
        '／share_location{"location": "36.19,44.01"}',  # full-width solidus
        '\u200b/share_photo{"photo": "x"}',  # a zero-width space first
        '\u200c/ / /book_visit{"event_id": "1"}',
        "  /  zorblaxine",
    ],
)
def test_typed_intent_payloads_become_plain_words(typed: str) -> None:
    assert read_as_intent(typed) or read_as_intent(clean_text(typed))
    sent = plain_text(clean_text(typed))
    assert not read_as_intent(sent)
    assert sent  # the words stay


@pytest.mark.parametrize(
    "typed", ["where is the station?", "1/2 of the money", "وين اقرب مركز شرطة", "a/b"]
)
def test_ordinary_text_is_untouched(typed: str) -> None:
    assert plain_text(clean_text(typed)) == typed


def test_invisible_format_characters_are_dropped_but_joiners_kept() -> None:
    spoof = "paid \u202egnp.exe\u202c \u2066x\u2069 zero\u200bwidth \ufeffbom \u061calm"
    assert clean_text(spoof) == "paid gnp.exe x zerowidth bom alm"
    kurdish = "ماڵه\u200cوه"  # the non-joiner is spelling, not a trick
    family = "👩\u200d👧"
    assert clean_text(kurdish) == kurdish and clean_text(family) == family
    assert clean_text("a\x00b\x07c\nd\te") == "abc\nd\te"
