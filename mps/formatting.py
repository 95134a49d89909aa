"""Dates, times and numbers written for a reader of Arabic, Kurdish Sorani or English."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from mps.text import to_arabic_indic

BABEL_LOCALE = {"ar": "ar_IQ", "ckb": "ckb", "en": "en_GB"}


def digits(text: str, language: str) -> str:
    """Arabic-Indic digits for Arabic and Kurdish readers."""
    return to_arabic_indic(text) if language in ("ar", "ckb") else text


def day_text(day: dt.date, language: str, short: bool = False) -> str:
    """ "Saturday 28 November" in the reader's language and digits."""
    pattern = "EEE d MMM" if short and language == "en" else "EEEE d MMMM"
    return digits(format_date(day, pattern, locale=BABEL_LOCALE[language]), language)


def time_text(value: dt.time, language: str) -> str:
    """09:00 in the reader's digits."""
    return digits(value.strftime("%H:%M"), language)


def month_text(day: dt.date, language: str) -> str:
    """ "November 2026" (the month of `day`) in the reader's language and digits."""
    return digits(format_date(day, "LLLL y", locale=BABEL_LOCALE[language]), language)
