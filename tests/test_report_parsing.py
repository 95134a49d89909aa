"""What the report and call-back forms read from free text: days, categories, phones."""

from __future__ import annotations

import datetime as dt

import pytest

from mps.incident_time import parse_incident_date
from mps.phone import parse_mobile, parse_window
from mps.report_rules import UnitRules
from tests.conftest import ROOT

TODAY = dt.date(2026, 11, 25)  # a Wednesday
RULES = UnitRules.load(ROOT / "data" / "report_routing.yml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it happened just now", "2026-11-25"),
        ("someone stole my bike in Karrada yesterday", "2026-11-24"),
        ("day before yesterday", "2026-11-23"),
        ("3 days ago", "2026-11-22"),
        ("two days ago", "2026-11-23"),
        ("last friday", "2026-11-20"),
        ("on wednesday", "2026-11-18"),  # a weekday is the last one, never today or later
        ("20/11", "2026-11-20"),
        ("٢٠/١١", "2026-11-20"),
        ("30/11", "2025-11-30"),  # a day/month still to come this year was last year
        ("5 december", "2025-12-05"),
        ("2026-12-01", "2026-12-01"),  # a full future date is kept: the form refuses it
        ("البارحة", "2026-11-24"),
        ("قبل 3 ايام", "2026-11-22"),
        ("دوێنێ", "2026-11-24"),
        ("ئێستا", "2026-11-25"),
    ],
)
def test_incident_dates_lie_in_the_past(text: str, expected: str) -> None:
    assert parse_incident_date(text, TODAY) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize("text", ["sometime", "I don't remember", "31/02", ""])
def test_no_day_named(text: str) -> None:
    assert parse_incident_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("someone stole my bike", "theft"),
        ("انسرقت دراجتي في الكرادة", "theft"),
        ("دوێنێ پاسکیلەکەم دزرا", "theft"),
        ("the generator next door is too loud", "noise"),
        ("a man is blackmailing me with my photos on instagram", "online_harassment"),
        ("cars park on the pavement and block the street", "traffic"),
        ("graffiti on our wall", "vandalism"),
        ("i lost my wallet", "lost_found"),
        ("i want to report a problem", None),
    ],
)
def test_category_from_words(text: str, category: str | None) -> None:
    assert RULES.category_in(text) == category


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0770 123 4567", "+9647701234567"),
        ("٠٧٧٠ ١٢٣ ٤٥٦٧", "+9647701234567"),
        ("+964 750 123 4567", "+9647501234567"),
        ("my number is 0780-123-4567 thanks", "+9647801234567"),
        ("12345", None),
        ("0612345678", None),  # not an Iraqi mobile number
        ("call me", None),
    ],
)
def test_mobile_numbers(text: str, number: str | None) -> None:
    assert parse_mobile(text) == number


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("morning", "09:00–12:00"),
        ("10-12", "10:00–12:00"),
        ("10 to 2", "10:00–14:00"),
        ("٤-٦", "16:00–18:00"),  # afternoon hours written short
        ("whenever", None),
    ],
)
def test_safe_time_windows(text: str, window: str | None) -> None:
    assert parse_window(text) == window
