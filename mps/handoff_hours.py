"""A station's staffed hours (the registry's `staffed_hours`): whether staff answer
now, when they next will, and the hours as a reader sees them.

Hours are wall-clock times in the stations' time zone (the clock's zone); "24:00"
ends a day. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from babel.dates import get_day_names

from mps.formatting import BABEL_LOCALE, digits
from mps.registry import DEFAULT_STAFFED_HOURS, WEEKDAYS

LOOKAHEAD_DAYS = 8  # a week and a day: every weekly period comes round once


@dataclass(frozen=True)
class Period:
    """Some weekdays (0 = Monday), from `start` to `end` minutes after midnight."""

    days: frozenset[int]
    start: int
    end: int

    @classmethod
    def read(cls, row: Mapping[str, object]) -> Period:
        """A period as the registry stores it: `{"days": […], "start": …, "end": …}`."""
        days = row.get("days")
        names = [str(d) for d in days] if isinstance(days, list) else []
        return cls(
            frozenset(WEEKDAYS.index(d) for d in names if d in WEEKDAYS),
            _minutes(str(row["start"])),
            _minutes(str(row["end"])),
        )


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def periods(rows: Iterable[Mapping[str, object]] | None) -> list[Period]:
    """A station's periods; the default hours when it lists none."""
    found = [Period.read(row) for row in rows or []]
    return found or [Period.read(p.model_dump()) for p in DEFAULT_STAFFED_HOURS]


def staffed_at(hours: list[Period], local: dt.datetime) -> bool:
    """Whether staff answer at `local` (a time in the stations' zone)."""
    minute = local.hour * 60 + local.minute
    return any(local.weekday() in p.days and p.start <= minute < p.end for p in hours)


def next_opening(hours: list[Period], local: dt.datetime) -> dt.datetime | None:
    """The next time staff answer after `local` (in its zone); None if never."""
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in range(LOOKAHEAD_DAYS):
        date = (day + dt.timedelta(days=offset)).date()
        starts = sorted(p.start for p in hours if date.weekday() in p.days)
        for start in starts:
            at = dt.datetime.combine(date, dt.time(start // 60, start % 60), local.tzinfo)
            if at > local:
                return at
    return None


def _clock(minutes: int, language: str) -> str:
    return digits(f"{minutes // 60:02d}:{minutes % 60:02d}", language)


def _days(days: frozenset[int], language: str) -> str:
    """ "Sunday to Thursday" for a run of days (the week starts on Saturday here), else a
    list of names."""
    names = get_day_names("wide", locale=BABEL_LOCALE[language])
    order = [5, 6, 0, 1, 2, 3, 4]  # Saturday first, as the Iraqi week
    chosen = [d for d in order if d in days]
    positions = [order.index(d) for d in chosen]
    dash = " - "
    if len(chosen) > 2 and positions == list(range(positions[0], positions[-1] + 1)):
        return f"{names[chosen[0]]}{dash}{names[chosen[-1]]}"
    separator = ", " if language == "en" else "، "
    return separator.join(names[d] for d in chosen)


def hours_text(hours: list[Period], language: str) -> str:
    """The hours as one line: "Sunday - Thursday 08:00-14:00; Saturday 09:00-12:00"."""
    separator = "; " if language == "en" else "؛ "
    return separator.join(
        f"{_days(p.days, language)} {_clock(p.start, language)}-{_clock(p.end, language)}"
        for p in hours
    )
