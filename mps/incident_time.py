"""When something happened: "now", "yesterday", "3 days ago", "last friday", "20/11".

Report dates lie in the past, so a weekday or a day/month without a year is
the most recent one, never a future one (the booking parser looks ahead).
"""

from __future__ import annotations

import datetime as dt
import re

from mps.lexicon import number_words, numbered, words
from mps.parsing import has_phrase, named_date, numeric_date
from mps.text import normalize

# "Now" and earlier today, yesterday, the day before (data/lexicon.yml).
_NOW = words("now", "today", "earlier_today")
_YESTERDAY = words("yesterday")
_BEFORE_YESTERDAY = words("before_yesterday")
_DAYS_AGO = re.compile(
    r"(\d{1,3})\s*(?:days?\s+ago|يوم|ايام|أيام|ڕۆژ\s*لەمەوبەر|ڕۆژ\s*پێش)"
    r"|(?:قبل|من)\s*(\d{1,3})\s*(?:يوم|ايام|أيام)"
)
# Number words before "days ago": some of `numbers`, and "a few", "couple of".
_AGO_NUMBERS = set(words("days_ago_numbers"))
_WORD_NUMBERS = {w: n for w, n in number_words().items() if w in _AGO_NUMBERS} | dict(
    numbered("days_ago_more")
)
_WORD_AGO = re.compile(r"(\w+(?: of| few)?)\s+days?\s+ago")


def parse_incident_date(text: str, today: dt.date) -> dt.date | None:
    """The day something happened, from `text`; None if no day is named.

    A date in the future is returned as is; the caller refuses it.
    """
    folded = normalize(text)
    matched, day = numeric_date(folded, today, past=True)
    if matched:
        return day
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
    return named_date(folded, today, past=True)
