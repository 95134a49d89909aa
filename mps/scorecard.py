"""Station scorecards and the national view: a week's or a month's figures for one
station, a set of stations, or all of them.

- Reports filed in the period (by the station whose queue holds them now): by
  category and unit; the median and 90th percentile of the time to acknowledge
  (the first change out of "new") and to close, among the reports that got there
  (the others are counted as waiting); the share that were re-routed on the way.
- Open House events held in the period: bookings, visitors checked in, no-shows
  (bookings of an event that has ended, never checked in).
- Satisfaction from the surveys (mps.surveys; no figure for fewer than 5 answers).
- The FAQ topics the assistant answered most and the messages it could not read, by
  language (mps.question_counts): counted for everyone, not per station, since a
  question is not tied to a station.

Periods are ISO weeks or calendar months of the stations' zone (Asia/Baghdad).
Only counts and times are read: never a description, a place, a phone number, a
chat or anyone's id, so a scorecard holds nothing personal and headquarters may
see all of it.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.bookings import ends_at
from mps.clock import Clock
from mps.models import Booking, Event, Report, ReportEvent
from mps.question_counts import FAQ, UNANSWERED, question_counts
from mps.stations import TRIAGE, all_stations
from mps.surveys import Satisfaction, satisfaction

PeriodKind = Literal["week", "month"]
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# A report is acknowledged by its first change out of "new" (staff may go straight
# to "in progress" or close it).
ACKNOWLEDGED = frozenset({"acknowledged", "in_progress", "closed"})


@dataclass(frozen=True)
class Period:
    """An ISO week (from its Monday) or a calendar month (from its 1st)."""

    kind: PeriodKind
    first: dt.date

    @classmethod
    def of(cls, kind: PeriodKind, day: dt.date) -> Period:
        """The week or month that holds `day`."""
        if kind == "week":
            return cls(kind, day - dt.timedelta(days=day.weekday()))
        return cls(kind, day.replace(day=1))

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """ "2026-W48" or "2026-11"; None for anything else."""
        try:
            if found := _WEEK.fullmatch(text):
                return cls("week", dt.date.fromisocalendar(int(found[1]), int(found[2]), 1))
            if found := _MONTH.fullmatch(text):
                return cls("month", dt.date(int(found[1]), int(found[2]), 1))
        except ValueError:
            return None
        return None

    @property
    def after(self) -> dt.date:
        """The first day after the period."""
        if self.kind == "week":
            return self.first + dt.timedelta(days=7)
        return (self.first + dt.timedelta(days=31)).replace(day=1)

    @property
    def last(self) -> dt.date:
        """The period's last day."""
        return self.after - dt.timedelta(days=1)

    @property
    def name(self) -> str:
        """ "2026-W48" or "2026-11" (what `parse` reads)."""
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return self.first.strftime("%Y-%m")

    def previous(self) -> Period:
        """The week or month before."""
        return Period.of(self.kind, self.first - dt.timedelta(days=1))

    def following(self) -> Period:
        """The week or month after."""
        return Period(self.kind, self.after)

    def bounds(self, clock: Clock) -> tuple[dt.datetime, dt.datetime]:
        """Its start and end instants (local midnights; the end excluded)."""
        zone = clock.zone
        return (
            dt.datetime.combine(self.first, dt.time(), zone),
            dt.datetime.combine(self.after, dt.time(), zone),
        )


def median(values: Sequence[float]) -> float | None:
    """The median, or None without values."""
    return statistics.median(values) if values else None


def percentile_90(values: Sequence[float]) -> float | None:
    """The 90th percentile, interpolated between the values (statistics.quantiles,
    "inclusive": the values are the whole population); None without values."""
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


@dataclass(frozen=True)
class Times:
    """How long reports took to reach a step, in seconds, among those that did."""

    reached: int
    waiting: int  # filed in the period, not there yet: counted, not timed
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Sequence[float], waiting: int) -> Times:
        """The figures of these durations."""
        return cls(len(seconds), waiting, median(seconds), percentile_90(seconds))


@dataclass(frozen=True)
class Reports:
    """Reports filed in the period."""

    filed: int
    by_category: dict[str, int]
    by_unit: dict[str, int]
    acknowledge: Times
    close: Times
    rerouted: int

    @property
    def rerouted_share(self) -> float | None:
        """The share of the reports that were re-routed (None without reports)."""
        return self.rerouted / self.filed if self.filed else None


@dataclass(frozen=True)
class Visits:
    """Open House events held in the period and their bookings (cancelled ones aside)."""

    events: int = 0
    seats: int = 0
    bookings: int = 0
    people: int = 0  # party sizes of the bookings
    cancelled: int = 0
    attended: int = 0  # bookings checked in
    attended_people: int = 0
    no_shows: int = 0  # bookings of an event that has ended, never checked in
    no_show_people: int = 0
    upcoming: int = 0  # bookings of an event that has not ended yet, not checked in


@dataclass(frozen=True)
class StationLine:
    """One station's figures, for the comparison of the national view."""

    station: str
    reports: Reports
    visits: Visits
    satisfaction: Satisfaction


@dataclass(frozen=True)
class Scorecard:
    """The figures of a period for a set of stations (None: all of them)."""

    period: Period
    stations: frozenset[str] | None
    reports: Reports
    visits: Visits
    satisfaction: Satisfaction  # no figure below mps.surveys.MIN_ANSWERS answers
    faq_topics: list[tuple[str, int]]  # most asked first
    unanswered: dict[str, int]  # by language
    lines: list[StationLine] = field(default_factory=list)


@dataclass(frozen=True)
class _Filed:
    """What the scorecard reads of one report: no words, no place, no person."""

    station: str
    category: str
    unit: str
    acknowledged_after: float | None
    closed_after: float | None
    rerouted: bool


async def _filed_reports(
    session: AsyncSession, start: dt.datetime, end: dt.datetime, stations: frozenset[str] | None
) -> list[_Filed]:
    """The reports filed between `start` and `end`, with their times from history."""
    query = select(
        Report.id, Report.station_code, Report.category, Report.unit, Report.created_at
    ).where(Report.created_at >= start, Report.created_at < end)
    if stations is not None:
        query = query.where(Report.station_code.in_(stations))
    reports = (await session.execute(query)).all()
    steps = await session.execute(
        select(ReportEvent.report_id, ReportEvent.kind, ReportEvent.to_value, ReportEvent.at)
        .where(ReportEvent.report_id.in_(query.with_only_columns(Report.id).scalar_subquery()))
        .order_by(ReportEvent.id)
    )
    acknowledged: dict[int, dt.datetime] = {}
    closed: dict[int, dt.datetime] = {}
    rerouted: set[int] = set()
    for report_id, kind, to_value, at in steps.all():
        if kind == "reroute":
            rerouted.add(report_id)
        elif kind == "status" and to_value in ACKNOWLEDGED:
            acknowledged.setdefault(report_id, at)
            if to_value == "closed":
                closed.setdefault(report_id, at)

    def after(found: dt.datetime | None, created: dt.datetime) -> float | None:
        return (found - created).total_seconds() if found is not None else None

    return [
        _Filed(
            station or TRIAGE,
            category,
            unit,
            after(acknowledged.get(report_id), created),
            after(closed.get(report_id), created),
            report_id in rerouted,
        )
        for report_id, station, category, unit, created in reports
    ]


def report_figures(filed: Iterable[_Filed]) -> Reports:
    """The figures of these reports."""
    rows = list(filed)
    acknowledged = [r.acknowledged_after for r in rows if r.acknowledged_after is not None]
    closed = [r.closed_after for r in rows if r.closed_after is not None]
    return Reports(
        filed=len(rows),
        by_category=dict(Counter(r.category for r in rows).most_common()),
        by_unit=dict(Counter(r.unit for r in rows).most_common()),
        acknowledge=Times.of(sorted(acknowledged), len(rows) - len(acknowledged)),
        close=Times.of(sorted(closed), len(rows) - len(closed)),
        rerouted=sum(r.rerouted for r in rows),
    )


@dataclass(frozen=True)
class _Seat:
    """One event of the period with its bookings' states."""

    station: str
    capacity: int
    ended: bool
    bookings: list[tuple[bool, int, bool]]  # (cancelled, party size, checked in)


async def _events(
    session: AsyncSession, period: Period, clock: Clock, stations: frozenset[str] | None
) -> list[_Seat]:
    """The period's events with their bookings (no owner, no chat, no code)."""
    query = select(Event).where(Event.day >= period.first, Event.day <= period.last)
    if stations is not None:
        query = query.where(Event.station_code.in_(stations))
    events = list((await session.scalars(query)).all())
    bookings = await session.execute(
        select(Booking.event_id, Booking.status, Booking.party_size, Booking.checked_in_at).where(
            Booking.event_id.in_([e.id for e in events])
        )
    )
    by_event: dict[int, list[tuple[bool, int, bool]]] = {}
    for event_id, status, party, checked_in in bookings.all():
        by_event.setdefault(event_id, []).append(
            (status == "cancelled", party, checked_in is not None)
        )
    return [
        _Seat(
            e.station_code,
            e.capacity,
            ends_at(e, clock.zone) <= clock.now,
            by_event.get(e.id, []),
        )
        for e in events
    ]


def visit_figures(seats: Iterable[_Seat]) -> Visits:
    """The figures of these events."""
    totals: Counter[str] = Counter()
    for seat in seats:
        totals["events"] += 1
        totals["seats"] += seat.capacity
        for cancelled, party, checked_in in seat.bookings:
            if cancelled:
                totals["cancelled"] += 1
                continue
            totals["bookings"] += 1
            totals["people"] += party
            if checked_in:
                totals["attended"] += 1
                totals["attended_people"] += party
            elif seat.ended:
                totals["no_shows"] += 1
                totals["no_show_people"] += party
            else:
                totals["upcoming"] += 1
    return Visits(**totals)


async def scorecard(
    session: AsyncSession,
    period: Period,
    clock: Clock,
    stations: Iterable[str] | None = None,
    compare: bool = False,
) -> Scorecard:
    """The period's figures for these stations (None: every station and the triage
    queue); with `compare`, one line a station as well (the national view)."""
    chosen = frozenset(stations) if stations is not None else None
    start, end = period.bounds(clock)
    filed = await _filed_reports(session, start, end, chosen)
    seats = await _events(session, period, clock, chosen)
    faq = await question_counts(session, period.first, period.last, FAQ)
    unanswered = await question_counts(session, period.first, period.last, UNANSWERED)
    lines = []
    if compare:
        codes = sorted(chosen) if chosen is not None else await _every_station(session, filed)
        for code in codes:
            lines.append(
                StationLine(
                    code,
                    report_figures(r for r in filed if r.station == code),
                    visit_figures(s for s in seats if s.station == code),
                    await satisfaction(session, {code}, start, end),
                )
            )
    return Scorecard(
        period=period,
        stations=chosen,
        reports=report_figures(filed),
        visits=visit_figures(seats),
        satisfaction=await satisfaction(
            session, set(chosen) if chosen is not None else None, start, end
        ),
        faq_topics=faq.most_common(),
        unanswered=dict(unanswered.most_common()),
        lines=lines,
    )


async def _every_station(session: AsyncSession, filed: Sequence[_Filed]) -> list[str]:
    """Every station's code, and the triage queue's when it holds reports of the period."""
    codes = [s.code for s in await all_stations(session)]
    return codes + ([TRIAGE] if any(r.station == TRIAGE for r in filed) else [])
