"""Scorecards: a week's and a month's figures from hand-made reports, histories,
events, bookings, surveys and question counts, on SQLite and PostgreSQL. The expected
medians and 90th percentiles are worked out here by hand, not with the code's function."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from mps.database import Database
from mps.models import Booking, Event, Report, ReportEvent, Survey
from mps.question_counts import count_question
from mps.scorecard import Period, median, percentile_90, scorecard
from mps.stations import TRIAGE
from tests.conftest import BAGHDAD, clock_at

A, B = "BGD-KRD", "BGD-MNS"
NOW = clock_at("2026-11-29 12:00")  # Sunday, the last day of ISO week 48
WEEK = Period("week", dt.date(2026, 11, 23))
MINUTE = 60.0
# Minutes from filing to the first change out of "new", for A's ten acknowledged reports.
ACK_MINUTES = [10, 20, 30, 40, 50, 60, 70, 80, 90, 600]
CLOSE_MINUTES = [100, 200, 300]  # for the first three of them
SECRET_WORDS = "the blue car of my neighbour Ali, phone 07701234567"


def local(text: str) -> dt.datetime:
    """A Baghdad wall-clock time, "YYYY-MM-DD HH:MM", as an aware datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BAGHDAD)


def by_hand_percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks of the sorted values (the
    "inclusive" definition, as in numpy's default), written out."""
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def add_report(
    session: AsyncSession,
    station: str,
    filed: dt.datetime,
    category: str = "noise",
    unit: str = "community_policing",
) -> Report:
    report = Report(
        owner="pseudonym",
        category=category,
        unit=unit,
        station_code=station,
        description=SECRET_WORDS,
        place="Karrada, near the mosque",
        latitude=33.3,
        longitude=44.4,
        contact_phone="07701234567",
        chat_id=424242,
        status="new",
        created_at=filed,
        updated_at=filed,
    )
    session.add(report)
    return report


def change(
    session: AsyncSession,
    report: Report,
    minutes: float,
    to: str,
    kind: str = "status",
    before: str | None = None,
) -> None:
    session.add(
        ReportEvent(
            report_id=report.id,
            actor="staff:1",
            at=report.created_at + dt.timedelta(minutes=minutes),
            kind=kind,
            from_value=before,
            to_value=to,
        )
    )


async def add_reports(session: AsyncSession) -> None:
    """A: 12 reports in the week (10 acknowledged, 3 of them closed, one re-routed from
    B); B: 2 (one acknowledged after 30 minutes); triage: 1; and 2 outside the week."""
    categories = ["noise"] * 5 + ["theft"] * 4 + ["online_harassment"] * 3
    reports = []
    for i, category in enumerate(categories):
        unit = "fcpu" if category == "online_harassment" else "community_policing"
        filed = local("2026-11-23 00:00") + dt.timedelta(hours=7 * i)  # the first at midnight
        reports.append(add_report(session, A, filed, category, unit))
    await session.flush()
    for report in reports:
        change(session, report, 0, "new")
    for report, minutes in zip(reports, ACK_MINUTES, strict=False):
        # The first goes straight to "in progress": that is its acknowledgement.
        to = "in_progress" if report is reports[0] else "acknowledged"
        change(session, report, minutes, to, before="new")
    for report, minutes in zip(reports, CLOSE_MINUTES, strict=False):
        change(session, report, minutes, "closed", before="acknowledged")
    change(session, reports[3], 5, A, kind="reroute", before=B)
    at_b = [add_report(session, B, local(f"2026-11-2{d} 10:00"), "vandalism") for d in (4, 5)]
    add_report(session, TRIAGE, local("2026-11-26 10:00"), "other")
    add_report(session, A, local("2026-11-22 23:59"))  # the Sunday before
    add_report(session, A, local("2026-11-30 00:00"))  # the Monday after
    await session.flush()
    change(session, at_b[0], 30, "acknowledged", before="new")


def add_event(
    session: AsyncSession, station: str, day: str, hours: tuple[int, int], capacity: int
) -> Event:
    event = Event(
        station_code=station,
        day=dt.date.fromisoformat(day),
        start=dt.time(hours[0]),
        end=dt.time(hours[1]),
        capacity=capacity,
        seats_taken=0,
    )
    session.add(event)
    return event


async def add_visits(session: AsyncSession) -> None:
    """A: an event on Wednesday (2 visitors in, 1 no-show, 1 cancelled) and one this
    afternoon (1 booking, not yet); B: one on Thursday; A: one the Sunday before."""
    events = [
        add_event(session, A, "2026-11-25", (9, 12), 20),
        add_event(session, A, "2026-11-29", (14, 17), 10),
        add_event(session, B, "2026-11-26", (9, 12), 15),
        add_event(session, A, "2026-11-22", (9, 12), 10),
    ]
    await session.flush()
    bookings = [  # event, party, cancelled, checked in
        (0, 2, False, True),
        (0, 1, False, True),
        (0, 3, False, False),
        (0, 4, True, False),
        (1, 2, False, False),
        (2, 1, False, True),
        (3, 5, False, True),
    ]
    for n, (index, party, cancelled, checked_in) in enumerate(bookings):
        add_booking(session, events[index], f"CODE{n}", party, cancelled, checked_in)


def add_booking(
    session: AsyncSession,
    event: Event,
    code: str,
    party: int,
    cancelled: bool = False,
    checked_in: bool = False,
) -> None:
    """A booking of `event` (its seats taken unless cancelled), checked in or not."""
    if not cancelled:
        event.seats_taken += party
    session.add(
        Booking(
            code=code,
            event_id=event.id,
            owner="pseudonym",
            party_size=party,
            status="cancelled" if cancelled else "active",
            created_at=NOW.now - dt.timedelta(days=10),
            remind_at=NOW.now,
            checked_in_at=NOW.now if checked_in else None,
            chat_id=424242,
        )
    )


async def add_surveys(session: AsyncSession) -> None:
    """A: six asked in the week, five rated; B: two rated (too few for a figure)."""
    answers = [(5, True), (4, True), (4, False), (3, True), (5, True), (None, None)]
    for rating, respected in answers:
        session.add(
            Survey(
                kind="report",
                station_code=A,
                status="answered" if rating else "asked",
                asked_on=dt.date(2026, 11, 24),
                rating=rating,
                respected=respected,
            )
        )
    for rating in (1, 2):
        session.add(
            Survey(
                kind="visit",
                station_code=B,
                status="answered",
                asked_on=dt.date(2026, 11, 26),
                rating=rating,
                respected=False,
            )
        )


async def add_questions(session: AsyncSession) -> None:
    """FAQ topics and messages not understood, inside the week and just outside."""
    for day, kind, key in [
        ("2026-11-24", "faq", "opening_hours"),
        ("2026-11-24", "faq", "opening_hours"),
        ("2026-11-29", "faq", "opening_hours"),
        ("2026-11-25", "faq", "cybercrime"),
        ("2026-11-30", "faq", "cybercrime"),
        ("2026-11-30", "faq", "cybercrime"),
        ("2026-11-23", "unanswered", "ar"),
        ("2026-11-27", "unanswered", "ar"),
        ("2026-11-27", "unanswered", "en"),
        ("2026-11-22", "unanswered", "ckb"),
    ]:
        await count_question(session, dt.date.fromisoformat(day), kind, key)


async def stock(database: Database) -> None:
    async with database.sessions.begin() as session:
        await add_reports(session)
        await add_visits(session)
        await add_surveys(session)
        await add_questions(session)


def test_weeks_and_months_of_the_stations_zone() -> None:
    assert Period.parse("2026-W48") == WEEK
    assert (WEEK.first, WEEK.last, WEEK.name) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
        "2026-W48",
    )
    start, end = WEEK.bounds(NOW)
    assert start == dt.datetime(2026, 11, 22, 21, 0, tzinfo=dt.UTC)  # Baghdad is UTC+3
    assert end == dt.datetime(2026, 11, 29, 21, 0, tzinfo=dt.UTC)
    december = Period.parse("2026-12")
    assert december is not None
    assert (december.last, december.following().name, december.previous().name) == (
        dt.date(2026, 12, 31),
        "2027-01",
        "2026-11",
    )
    assert Period.of("week", dt.date(2027, 1, 1)).name == "2026-W53"
    assert Period.of("month", dt.date(2024, 2, 10)).last == dt.date(2024, 2, 29)
    for bad in ("2026-W54", "2026-13", "2026-W4", "week", "", "2026-11-01"):
        assert Period.parse(bad) is None


def test_median_and_90th_percentile_agree_with_the_hand_worked_figures() -> None:
    seconds = [m * MINUTE for m in ACK_MINUTES]
    assert median(seconds) == 55 * MINUTE
    # rank 0.9 × 9 = 8.1: 90 + 0.1 × (600 − 90) = 141 minutes
    assert percentile_90(seconds) == pytest.approx(141 * MINUTE)
    assert percentile_90(seconds) == pytest.approx(by_hand_percentile(seconds, 0.9))
    assert percentile_90([7.0]) == median([7.0]) == 7.0
    assert percentile_90([]) is None and median([]) is None


async def test_one_stations_week(stocked: Database) -> None:
    await stock(stocked)
    async with stocked.sessions() as session:
        card = await scorecard(session, WEEK, NOW, {A})
    reports = card.reports
    assert reports.filed == 12
    assert reports.by_category == {"noise": 5, "theft": 4, "online_harassment": 3}
    assert reports.by_unit == {"community_policing": 9, "fcpu": 3}
    ack, close = reports.acknowledge, reports.close
    assert (ack.reached, ack.waiting) == (10, 2)
    assert ack.median == 55 * MINUTE
    assert ack.p90 == pytest.approx(by_hand_percentile([m * MINUTE for m in ACK_MINUTES], 0.9))
    assert (close.reached, close.waiting) == (3, 9)
    assert close.median == 200 * MINUTE
    assert close.p90 == pytest.approx(280 * MINUTE)  # rank 1.8: 200 + 0.8 × 100
    assert reports.rerouted == 1 and reports.rerouted_share == 1 / 12
    visits = card.visits
    assert (visits.events, visits.seats) == (2, 30)
    assert (visits.bookings, visits.people, visits.cancelled) == (4, 8, 1)
    assert (visits.attended, visits.attended_people) == (2, 3)
    assert (visits.no_shows, visits.no_show_people, visits.upcoming) == (1, 3, 1)
    survey = card.satisfaction
    assert (survey.sent, survey.answered) == (6, 5)
    assert survey.response_rate == 5 / 6
    assert survey.mean_rating == 4.2
    assert survey.respected_share == 0.8
    # Questions are not tied to a station: the same counts for everyone.
    assert card.faq_topics == [("opening_hours", 3), ("cybercrime", 1)]
    assert card.unanswered == {"ar": 2, "en": 1}
    assert card.lines == []


async def test_the_national_view_adds_every_station_and_compares_them(
    stocked: Database,
) -> None:
    await stock(stocked)
    async with stocked.sessions() as session:
        card = await scorecard(session, WEEK, NOW, compare=True)
    assert card.stations is None
    assert card.reports.filed == 15
    everyone = [m * MINUTE for m in ACK_MINUTES] + [30 * MINUTE]
    assert card.reports.acknowledge.reached == 11
    assert card.reports.acknowledge.waiting == 4
    assert card.reports.acknowledge.median == 50 * MINUTE  # the 6th of 11
    assert card.reports.acknowledge.p90 == pytest.approx(by_hand_percentile(everyone, 0.9))
    assert card.visits.attended == 3 and card.visits.events == 3
    assert card.satisfaction.answered == 7
    lines = {line.station: line for line in card.lines}
    assert TRIAGE in lines and lines[TRIAGE].reports.filed == 1
    assert lines[A].reports.filed == 12 and lines[B].reports.filed == 2
    assert lines[B].reports.acknowledge.median == 30 * MINUTE
    assert lines[B].satisfaction.answered == 2
    assert lines[B].satisfaction.mean_rating is None  # fewer than 5 answers
    quiet = [line for code, line in lines.items() if code not in (A, B, TRIAGE)]
    assert quiet and all(line.reports.filed == 0 for line in quiet)
    assert all(line.reports.rerouted_share is None for line in quiet)
    # Nothing personal made it into the figures.
    text = repr(card)
    for personal in ("Ali", "0770", "Karrada", "424242", "pseudonym", "33.3"):
        assert personal not in text


async def test_a_month_and_a_set_of_stations(stocked: Database) -> None:
    await stock(stocked)
    month = Period.of("month", NOW.today)
    async with stocked.sessions() as session:
        card = await scorecard(session, month, NOW, [A, B], compare=True)
    # November holds the Sunday before the week and the Monday after it too.
    assert card.reports.filed == 12 + 2 + 2
    assert card.visits.events == 4 and card.visits.attended_people == 5 + 3 + 1
    assert [line.station for line in card.lines] == [A, B]
    assert dict(card.faq_topics) == {"opening_hours": 3, "cybercrime": 3}
    assert card.unanswered == {"ar": 2, "ckb": 1, "en": 1}


async def test_an_empty_period_has_counts_of_zero_and_no_times(database: Database) -> None:
    async with database.sessions() as session:
        card = await scorecard(session, WEEK, NOW, {A})
    assert card.reports.filed == 0 and card.reports.rerouted_share is None
    assert card.reports.acknowledge.median is None and card.reports.close.p90 is None
    assert card.visits.events == 0
    assert card.satisfaction.sent == 0 and card.satisfaction.mean_rating is None
    assert card.faq_topics == [] and card.unanswered == {}
