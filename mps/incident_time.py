"""When something happened: "now", "yesterday", "3 days ago", "last friday", "20/11".

Report dates lie in the past, so a weekday or a day/month without a year is
the most recent one, never a future one (the booking parser looks ahead).
"""

from __future__ import annotations

import datetime as dt
import re

from mps.parsing import DAY_MONTH, MONTHS, WEEKDAYS, has_phrase, safe_date
from mps.text import normalize


def _words(*phrases: str) -> list[str]:
    return [normalize(p) for p in phrases]


_NOW = _words("now", "right now", "just now", "today", "tonight", "this morning",
              "الان", "الآن", "هسه", "هسا", "اليوم", "ئێستا", "ئەمڕۆ", "ئەمشەو")  # fmt: skip
_YESTERDAY = _words("yesterday", "last night", "امس", "أمس", "البارحة", "البارحه", "امبارح",
                    "دوێنێ", "دوێنێ شەو")  # fmt: skip
_BEFORE_YESTERDAY = _words("day before yesterday", "قبل امس", "قبل البارحة", "اول امس",
                           "پێرێ")  # fmt: skip
_DAYS_AGO = re.compile(
    r"(\d{1,3})\s*(?:days?\s+ago|يوم|ايام|أيام|ڕۆژ\s*لەمەوبەر|ڕۆژ\s*پێش)"
    r"|(?:قبل|من)\s*(\d{1,3})\s*(?:يوم|ايام|أيام)"
)
_WORD_NUMBERS = {normalize(k): v for k, v in {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a few": 3, "couple of": 2,
    "يومين": 2, "ثلاث": 3, "اربع": 4, "خمس": 5, "دوو": 2, "سێ": 3, "چوار": 4, "پێنج": 5,
}.items()}  # fmt: skip
_WORD_AGO = re.compile(r"(\w+(?: of| few)?)\s+days?\s+ago")


def parse_incident_date(text: str, today: dt.date) -> dt.date | None:
    """The day something happened, from `text`; None if no day is named.

    A date in the future is returned as is; the caller refuses it.
    """
    folded = normalize(text)
    numeric = re.search(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)", folded)
    if numeric:
        return safe_date(int(numeric[1]), int(numeric[2]), int(numeric[3]))
    found = DAY_MONTH.search(folded)
    if found:
        day, month = int(found[1]), int(found[2])
        year = int(found[3]) if found[3] else None
        return _latest(day, month, year, today)
    if has_phrase(folded, _BEFORE_YESTERDAY):
        return today - dt.timedelta(days=2)
    if has_phrase(folded, _YESTERDAY):
        return today - dt.timedelta(days=1)
    ago = _DAYS_AGO.search(folded)
    if ago:
        return today - dt.timedelta(days=int(ago[1] or ago[2]))
    if "يومين" in folded:
        return today - dt.timedelta(days=2)
    word_ago = _WORD_AGO.search(folded)
    if word_ago and word_ago[1] in _WORD_NUMBERS:
        return today - dt.timedelta(days=_WORD_NUMBERS[word_ago[1]])
    if has_phrase(folded, _NOW):
        return today
    for phrase, month in MONTHS:
        named = re.search(
            rf"(?:(\d{{1,2}})\s+)?(?<!\w){re.escape(phrase)}(?!\w)(?:\s+(\d{{1,2}}))?", folded
        )
        if named and (named[1] or named[2]):
            return _latest(int(named[1] or named[2]), month, None, today)
    for word in re.findall(r"\w+", folded):
        stripped = word[2:] if word.startswith("ال") and word not in WEEKDAYS else word
        weekday = WEEKDAYS.get(word, WEEKDAYS.get(stripped))
        if weekday is not None:
            back = (today.weekday() - weekday) % 7 or 7
            return today - dt.timedelta(days=back)
    return None


def _latest(day: int, month: int, year: int | None, today: dt.date) -> dt.date | None:
    """Day/month in the given year, or else the last time it came round."""
    if year is not None:
        return safe_date(year + 2000 if year < 100 else year, month, day)
    found = safe_date(today.year, month, day)
    if found is not None and found > today:
        found = safe_date(today.year - 1, month, day)
    return found
