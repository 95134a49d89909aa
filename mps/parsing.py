"""Party sizes and dates written in Arabic, Kurdish Sorani or English, in any digits.

Pure functions of the text (and of `today` for dates): the booking form and the
bot call them, and the unit tests pin them down.
"""

from __future__ import annotations

import datetime as dt
import re

from mps.company import count_company, is_companion
from mps.lexicon import number_words, numbered, words
from mps.text import normalize

MAX_PARTY = 10

# Number words and the words of party sizes (data/lexicon.yml).
_NUMBER_WORDS = number_words()
_ALONE = words("alone")
_PEOPLE = set(words("people"))
# Two people in one word (Arabic duals), maybe after "for" (لشخصين).
_TWO_PEOPLE = set(words("two_people"))
_WE = set(words("we"))
# Words around a number that make it a time of day, not a count of people.
_TIME_BEFORE = set(words("time_before"))
_TIME_AFTER = set(words("time_after"))
_DATE_LIKE = re.compile(r"\d+(?:\s*[/\-.:]\s*\d+)+")
_DAY = re.compile(r"\d{1,2}(?:st|nd|rd|th|ي)?")
# Attached "and", "for" or "with" before a number: وثلاثة, لشخصين, ل٣, ب٤.
_NUMBER_PREFIXES = ("و", "ل", "ب")


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", _DATE_LIKE.sub(" ", normalize(text)))


def _number(token: str) -> int | None:
    """A number in digits or words, maybe after an attached prefix ("لست", "I am not",
    is not "for six": after ل or ب a number word has three letters or more)."""
    for prefix in ("", *_NUMBER_PREFIXES):
        if not token.startswith(prefix):
            continue
        rest = token[len(prefix) :]
        if rest.isdigit():
            return int(rest)
        if rest in _NUMBER_WORDS and (prefix in ("", "و") or len(rest) >= 3):
            return _NUMBER_WORDS[rest]
    return None


def parse_party_size(text: str, *, expected: bool = False) -> int | None:
    """The number of people in `text`.

    In order: a number stated as people ("3 people", "we are five", "لشخصين"); the
    company named, with the writer ("with my wife" is 2, "my wife and our three
    kids" 5; see `mps.company`); "just me"; and when `expected` (the form just
    asked), a bare number. Numbers that are days or times ("on 8 December", "at
    10") are party sizes only when said to be people ("saturday, 2 people"). The
    result may be out of range (0, 11, 40); `party_size_error` says whether it is
    acceptable.
    """
    tokens = _tokens(text)
    numbers = [i for i in range(len(tokens)) if _number(tokens[i]) is not None]
    for i in numbers:  # "saturday, 2 people": a number said to be people is people
        before, after = tokens[max(0, i - 3) : i], tokens[i + 1 : i + 3]
        stated = any(w in _PEOPLE for w in after) or after == ["of", "us"]
        we = any(w in _WE for w in before) and not _day_or_time(tokens, i)
        if stated or we:
            return _number(tokens[i])
    if any(_without_prefix(t) in _TWO_PEOPLE for t in tokens):
        return 2
    company = count_company(tokens, _number)
    if company.size is not None or company.uncounted:
        return company.size
    folded = " ".join(tokens)
    if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", folded) for p in _ALONE):
        return 1
    if expected:
        counts = [i for i in numbers if not _day_or_time(tokens, i)]
        for i in counts:
            if len(tokens) <= 4 or tokens[i].isdigit():
                return _number(tokens[i])
    return None


def _without_prefix(token: str) -> str:
    """A word without an attached "and", "for" or "with" (لشخصين → شخصين)."""
    if token[:1] in _NUMBER_PREFIXES and len(token) > 3:
        return token[1:]
    return token


def _day_or_time(tokens: list[str], at: int) -> bool:
    """Whether the number at `at` is a day of a month ("8 December", "كانون الاول 8",
    "Saturday 8") or a time of day ("at 10", "10 pm")."""
    before = tokens[at - 1] if at else ""
    after = " ".join(tokens[at + 1 : at + 3])
    if before in _TIME_BEFORE or after.split(" ")[0] in _TIME_AFTER:
        return True
    if _without_prefix(before) in WEEKDAYS or before.removeprefix("ال") in WEEKDAYS:
        return True
    for phrase, _ in MONTHS:
        if f"{after} ".startswith(f"{phrase} "):
            return True
        size = len(phrase.split())
        if at >= size and " ".join(tokens[at - size : at]) == phrase:
            # "December 8" unless the month has its day already ("8 December, 2 people").
            return not any(_DAY.fullmatch(t) for t in tokens[max(0, at - size - 2) : at - size])
    return False


def party_size_error(size: int | None) -> str | None:
    """None when acceptable, else why not: "missing" or "range"."""
    if size is None:
        return "missing"
    if not 1 <= size <= MAX_PARTY:
        return "range"
    return None


# Weekdays (Monday 0) and months (1 to 12), longest first for matching (data/lexicon.yml).
WEEKDAYS = dict(numbered("weekdays"))
MONTHS = sorted(numbered("months"), key=lambda pair: -len(pair[0]))
_TODAY = words("today", "today_for_booking")
_TOMORROW = words("tomorrow")
_AFTER_TOMORROW = words("after_tomorrow")
_NEXT_WEEK = words("next_week")


def has_phrase(folded: str, phrases: list[str]) -> bool:
    """Whether normalised text holds one of the phrases, on word boundaries."""
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", folded) for p in phrases)


DAY_MONTH = re.compile(r"(?<![\d:])(\d{1,2})\s*[/.]\s*(\d{1,2})(?:\s*[/.]\s*(\d{2,4}))?(?![\d:])")


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """A date named in `text`: relative words, weekdays, day/month numbers or month names.
    Looks ahead: a weekday or a day/month without a year is the next one."""
    folded = normalize(text)
    matched, day = numeric_date(folded, today, past=False)
    if matched:
        return day
    if has_phrase(folded, _AFTER_TOMORROW):
        return today + dt.timedelta(days=2)
    if has_phrase(folded, _TOMORROW):
        return today + dt.timedelta(days=1)
    if has_phrase(folded, _TODAY):
        return today
    day = named_date(folded, today, past=False)
    if day is None and has_phrase(folded, _NEXT_WEEK):
        return today + dt.timedelta(days=7 - today.weekday())
    return day


_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def numeric_date(folded: str, today: dt.date, past: bool) -> tuple[bool, dt.date | None]:
    """A date in digits (2026-11-20, 20/11, 20.11.26) in normalised text: whether one is
    written, and the date (None if it does not exist). Without a year it is the next
    one, or with `past` the last one."""
    iso = _ISO_DATE.search(folded)
    if iso:
        return True, safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    found = DAY_MONTH.search(folded)
    if found:
        year = int(found[3]) if found[3] else None
        return True, nearest_date(int(found[1]), int(found[2]), year, today, past)
    return False, None


def named_date(folded: str, today: dt.date, past: bool) -> dt.date | None:
    """A month name with a day ("5 december"), else a weekday, in normalised text: the
    next such day, or with `past` the last one (never today)."""
    for phrase, month in MONTHS:
        found = re.search(
            rf"(?:(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|ي)?\s+(?:of\s+)?)?"
            rf"(?<!\w){re.escape(phrase)}(?!\w)(?:\s+(\d{{1,2}})(?!\d))?",
            folded,
        )
        if found and (found[1] or found[2]):
            return nearest_date(int(found[1] or found[2]), month, None, today, past)
    words = re.findall(r"\w+", folded)
    for at, word in enumerate(words):
        stripped = word[2:] if word.startswith("ال") and word not in WEEKDAYS else word
        weekday = WEEKDAYS.get(word, WEEKDAYS.get(stripped))
        if weekday == 0 and at and is_companion(words[at - 1]):
            continue  # "اطفالي الاثنين": my two children, not Monday
        if weekday is not None:
            if past:
                return today - dt.timedelta(days=(today.weekday() - weekday) % 7 or 7)
            return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return None


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None if it does not exist (31/02)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def nearest_date(
    day: int, month: int, year: int | None, today: dt.date, past: bool
) -> dt.date | None:
    """Day/month in the given year; without one, the next time it comes round (from
    today on), or with `past` the last time (up to today)."""
    if year is not None:
        return safe_date(year + 2000 if year < 100 else year, month, day)
    found = safe_date(today.year, month, day)
    if found is not None and past and found > today:
        found = safe_date(today.year - 1, month, day)
    elif found is not None and not past and found < today:
        found = safe_date(today.year + 1, month, day)
    return found
