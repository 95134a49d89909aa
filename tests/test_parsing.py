"""Party sizes, dates and booking codes as people type them."""

from __future__ import annotations

import datetime as dt

import pytest

from mps.codes import ALPHABET, clean_code, find_code, looks_like_code, new_code
from mps.parsing import parse_date, parse_party_size, party_size_error

WEDNESDAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("I want to visit the Karrada station next Saturday with my 2 kids", 3),
        ("no, 3 people", 3),
        ("we are five", 5),
        ("just me", 1),
        ("احنا ثلاثة", 3),
        ("٤ اشخاص", 4),
        ("۴ نفر", 4),
        ("لوحدي", 1),
        ("سێ کەس", 3),
        ("لەگەڵ ٢ منداڵ", 3),
        ("بە تەنها", 1),
        ("we are 12", 12),
    ],
)
def test_party_size_from_free_text(text: str, size: int) -> None:
    assert parse_party_size(text) == size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("with my wife", 2),
        ("me and my brother", 2),
        ("my wife and our three kids", 5),
        ("me, my mother and my two sisters", 4),
        ("just me and my wife", 2),
        ("my parents and me", 3),
        ("with a friend", 2),
        ("three of my friends and me", 4),
        ("مع زوجتي", 2),
        ("انا واخوي", 2),
        ("انا وزوجتي وولدين", 4),
        ("انا وزوجتي وثلاث اطفال", 5),
        ("انا وزوجتي و٣ اطفال", 5),
        ("أنا ووالدتي وأختي", 3),
        ("لەگەڵ ژنەکەم", 2),
        ("من و براکەم", 2),
        ("من و هاوسەرەکەم و سێ منداڵەکەمان", 5),
        ("لەگەڵ دایکم و ٢ منداڵ", 4),
        ("من و خێزانەکەم و کوڕەکەمان", 3),
        ("مع اطفالي الاثنين", 3),
        ("انا وخواتي الثنتين", 3),
        ("ana w zawjti", 2),
        ("ana w marti w 2 jahal", 4),
        ("احجز لي ابني وللمدام ولحفيدنا", 3),
        ("e7na 3 banat", 3),
        ("من و خێزانەکەم و سێ منداڵ کۆی گشتی ٥ کەسین", 5),
    ],
)
def test_party_size_from_the_company_named(text: str, size: int) -> None:
    assert parse_party_size(text) == size
    assert parse_party_size(text, expected=True) == size


@pytest.mark.parametrize(
    "text",
    [
        "with my kids",
        "مع اطفالي",
        "لەگەڵ منداڵەکانم",
        "ana w jahali",
        "شكرا اخي",
        "لست متأكداً",
        "ابني شلون احجز",  # "son, how do I book": an elder talking to the bot
        "عمي دزلي الحجز",
        "as a child i loved the police",
    ],
)
def test_company_that_cannot_be_counted_asks_again(text: str) -> None:
    assert parse_party_size(text, expected=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "the open house on 8 December for 2 people",
        "on the 8th of December, 2 of us",
        "8 December, 2 persons please",
        "يوم ٨ كانون الاول لشخصين",
        "يوم ٨ كانون الأول ل٢ اشخاص",
        "ڕۆژی ٨ی کانوونی یەکەم بۆ دوو کەس",
        "saturday 8 at 10, with my wife",
        "book the open house at Karrada next saturday, 2 people",
        "we come on 8 December, me and my wife",
    ],
)
def test_a_day_or_a_time_is_not_the_party_size(text: str) -> None:
    assert parse_party_size(text, expected=True) == 2


@pytest.mark.parametrize(
    ("text", "size"), [("3", 3), ("٧", 7), ("ten", 10), ("eleven", 11), ("٢ ابني", 2)]
)
def test_a_bare_number_counts_only_when_asked(text: str, size: int) -> None:
    assert parse_party_size(text) is None
    assert parse_party_size(text, expected=True) == size


@pytest.mark.parametrize("text", ["on 12/3 please", "at 10:30", "2026-12-05"])
def test_dates_and_times_are_not_party_sizes(text: str) -> None:
    assert parse_party_size(text, expected=True) is None


@pytest.mark.parametrize(
    ("size", "error"), [(None, "missing"), (0, "range"), (1, None), (10, None), (11, "range")]
)
def test_party_size_range(size: int | None, error: str | None) -> None:
    assert party_size_error(size) == error


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("next saturday", dt.date(2026, 11, 28)),
        ("السبت الجاي", dt.date(2026, 11, 28)),
        ("شەممە", dt.date(2026, 11, 28)),
        ("on wednesday", dt.date(2026, 12, 2)),  # today is Wednesday: the next one
        ("tomorrow", dt.date(2026, 11, 26)),
        ("بكرة", dt.date(2026, 11, 26)),
        ("سبەی", dt.date(2026, 11, 26)),
        ("٢٠/١٢", dt.date(2026, 12, 20)),
        ("1/3", dt.date(2027, 3, 1)),
        ("3 December", dt.date(2026, 12, 3)),
        ("٥ كانون الثاني", dt.date(2027, 1, 5)),
        ("2026-12-05", dt.date(2026, 12, 5)),
        ("the open house on 8 December for 2 people", dt.date(2026, 12, 8)),
        ("on the 8th of December", dt.date(2026, 12, 8)),
        ("يوم ٨ كانون الاول لشخصين", dt.date(2026, 12, 8)),
        ("ڕۆژی ٨ی کانوونی یەکەم بۆ دوو کەس", dt.date(2026, 12, 8)),
        ("السبت الجاي مع اطفالي الاثنين", dt.date(2026, 11, 28)),
    ],
)
def test_dates_in_three_languages(text: str, day: dt.date) -> None:
    assert parse_date(text, WEDNESDAY) == day


@pytest.mark.parametrize(
    "text", ["hello", "31/2", "may i come", "3 people", "December 2026", "مع اطفالي الاثنين"]
)
def test_no_date(text: str) -> None:
    assert parse_date(text, WEDNESDAY) is None


def test_codes_use_only_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)
    assert not set(ALPHABET) & set("0O1IL2Z5S8B")


def test_codes_as_typed() -> None:
    assert clean_code(" k7m-x3p ") == "K7MX3P"
    assert clean_code("ac٣٤de") == "AC34DE"
    assert looks_like_code("ac34de") and not looks_like_code("AC34D0")
    assert find_code("my code is kx3-mn4 thanks") == "KX3MN4"
    assert find_code("I have 3 people") is None
