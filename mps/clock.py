"""The current instant and the stations' time zone, passed in so tests can stop time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    """The current instant and the stations' time zone."""

    now: dt.datetime
    zone: ZoneInfo

    @property
    def today(self) -> dt.date:
        """Today's date in the stations' zone."""
        return self.now.astimezone(self.zone).date()
