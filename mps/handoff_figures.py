"""A station's hand-off figures: how many, and how long to take and to close.

Ordinary hand-offs keep their times after they end (opened, taken, closed, and
how they ended), not the chat or any words. A discreet one leaves only the
monthly sums of HandoffTally, with no row that could be tied to one
conversation: its times are given as means, by month.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.models import Handoff, HandoffTally


@dataclass(frozen=True)
class HandoffFigures:
    """Hand-offs opened since a day, and the medians of their times (seconds)."""

    opened: int
    taken: int
    closed: int
    timed_out: int
    median_take_seconds: float | None
    median_close_seconds: float | None
    # Discreet ones, from the monthly tallies of the months since that day.
    discreet_opened: int
    discreet_taken: int
    discreet_ended: int
    discreet_mean_take_seconds: float | None
    discreet_mean_end_seconds: float | None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


async def handoff_figures(
    session: AsyncSession, since: dt.datetime, station: str | None = None
) -> HandoffFigures:
    """The figures of one station (None: every station) since `since`."""
    query = select(Handoff).where(Handoff.opened_at >= since, Handoff.sensitive.is_(False))
    tallies = select(HandoffTally).where(HandoffTally.month >= since.strftime("%Y-%m"))
    if station is not None:
        query = query.where(Handoff.station_code == station)
        tallies = tallies.where(HandoffTally.station_code == station)
    rows = list((await session.scalars(query)).all())
    taken = [(r.taken_at - r.opened_at).total_seconds() for r in rows if r.taken_at]
    closed = [(r.closed_at - r.opened_at).total_seconds() for r in rows if r.closed_at]
    months = list((await session.scalars(tallies)).all())
    d_taken = sum(m.taken for m in months)
    d_ended = sum(m.ended for m in months)
    return HandoffFigures(
        opened=len(rows),
        taken=len(taken),
        closed=len(closed),
        timed_out=sum(r.closed_by == "timeout" for r in rows),
        median_take_seconds=_median(taken),
        median_close_seconds=_median(closed),
        discreet_opened=sum(m.opened for m in months),
        discreet_taken=d_taken,
        discreet_ended=d_ended,
        discreet_mean_take_seconds=sum(m.take_seconds for m in months) / d_taken
        if d_taken
        else None,
        discreet_mean_end_seconds=sum(m.end_seconds for m in months) / d_ended
        if d_ended
        else None,
    )
