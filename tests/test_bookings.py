"""Booking rules on SQLite and PostgreSQL, including 50 people racing for the last seats."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from mps.bookings import (
    BookingError,
    add_event,
    book,
    book_in_transaction,
    bookings_of,
    cancel,
    move,
    upcoming_events,
)
from mps.checkin import CheckIn, attendees, check_in
from mps.codes import ALPHABET
from mps.database import Database
from mps.models import Booking, Event
from mps.registry import check_registry
from mps.reminders import due_reminders, mark_reminded, set_chat
from mps.stations import import_registry
from tests.conftest import DEMO_REGISTRY, clock_at
from tests.db import BACKENDS, fresh_database

NOW = clock_at("2026-11-25 10:00")
SATURDAY = dt.date(2026, 11, 28)


async def new_event(db: Database, capacity: int = 20, day: dt.date = SATURDAY) -> int:
    async with db.sessions.begin() as session:
        event = await add_event(session, "BGD-KRD", day, dt.time(9), dt.time(13), capacity, NOW)
        return event.id


async def test_booking_gives_a_code_and_takes_seats(stocked: Database) -> None:
    event_id = await new_event(stocked, capacity=10)
    async with stocked.sessions.begin() as session:
        booking = await book(session, event_id, "user-a", 3, "ar", NOW)
    assert len(booking.code) == 6 and set(booking.code) <= set(ALPHABET)
    assert booking.remind_at == dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)  # 09:00+03 − 24 h
    async with stocked.sessions() as session:
        (event,) = await upcoming_events(session, NOW, "BGD-KRD")
        assert event.capacity - event.seats_taken == 7
        mine = await bookings_of(session, "user-a", NOW)
        assert [b.code for b in mine] == [booking.code]
        assert await bookings_of(session, "user-b", NOW) == []


async def test_full_past_and_duplicate_bookings_are_refused(stocked: Database) -> None:
    event_id = await new_event(stocked, capacity=4)
    async with stocked.sessions.begin() as session:
        await book(session, event_id, "user-a", 3, "en", NOW)
    with pytest.raises(BookingError) as full:
        async with stocked.sessions.begin() as session:
            await book(session, event_id, "user-b", 2, "en", NOW)
    assert full.value.reason == "full"
    with pytest.raises(BookingError) as again:
        async with stocked.sessions.begin() as session:
            await book(session, event_id, "user-a", 1, "en", NOW)
    assert again.value.reason == "already"
    with pytest.raises(BookingError) as late:
        async with stocked.sessions.begin() as session:
            await book(session, event_id, "user-c", 1, "en", clock_at("2026-11-28 09:30"))
    assert late.value.reason == "past"
    with pytest.raises(BookingError) as size:
        async with stocked.sessions.begin() as session:
            await book(session, event_id, "user-c", 11, "en", NOW)
    assert size.value.reason == "party_size"
    async with stocked.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None and event.seats_taken == 3  # refusals took nothing


async def test_events_must_be_sensible(stocked: Database) -> None:
    cases = [
        ("BGD-XXX", SATURDAY, dt.time(9), dt.time(13), 10, "unknown_station"),
        ("BGD-KRD", SATURDAY, dt.time(13), dt.time(9), 10, "end_before_start"),
        ("BGD-KRD", SATURDAY, dt.time(9), dt.time(13), 0, "bad_capacity"),
        ("BGD-KRD", dt.date(2026, 11, 24), dt.time(9), dt.time(13), 10, "in_past"),
    ]
    for station, day, start, end, capacity, reason in cases:
        with pytest.raises(BookingError) as refused:
            async with stocked.sessions.begin() as session:
                await add_event(session, station, day, start, end, capacity, NOW)
        assert refused.value.reason == reason


async def test_cancel_returns_seats_at_once_and_only_once(stocked: Database) -> None:
    event_id = await new_event(stocked, capacity=5)
    async with stocked.sessions.begin() as session:
        booking = await book(session, event_id, "user-a", 5, "en", NOW)
    with pytest.raises(BookingError):
        async with stocked.sessions.begin() as session:
            await book(session, event_id, "user-b", 1, "en", NOW)
    with pytest.raises(BookingError) as foreign:
        async with stocked.sessions.begin() as session:
            await cancel(session, booking.code, "user-b", NOW)
    assert foreign.value.reason == "not_found"  # someone else's code is not found
    async with stocked.sessions.begin() as session:
        await cancel(session, booking.code.lower(), "user-a", NOW)
    with pytest.raises(BookingError) as twice:
        async with stocked.sessions.begin() as session:
            await cancel(session, booking.code, "user-a", NOW)
    assert twice.value.reason == "cancelled"
    async with stocked.sessions.begin() as session:
        await book(session, event_id, "user-b", 5, "en", NOW)  # all 5 seats free again


async def test_move_keeps_the_code_and_moves_the_seats(stocked: Database) -> None:
    first = await new_event(stocked, capacity=5)
    second = await new_event(stocked, capacity=3, day=SATURDAY + dt.timedelta(days=7))
    async with stocked.sessions.begin() as session:
        booking = await book(session, first, "user-a", 3, "en", NOW)
    async with stocked.sessions.begin() as session:
        moved = await move(session, booking.code, "user-a", second, NOW)
    assert moved.code == booking.code
    async with stocked.sessions() as session:
        a, b = await session.get(Event, first), await session.get(Event, second)
        assert a is not None and b is not None
        assert (a.seats_taken, b.seats_taken) == (0, 3)
    async with stocked.sessions.begin() as session:
        other = await book(session, first, "user-b", 1, "en", NOW)
    with pytest.raises(BookingError) as full:
        async with stocked.sessions.begin() as session:
            await move(session, other.code, "user-b", second, NOW)
    assert full.value.reason == "full"


async def test_check_in_rules(stocked: Database) -> None:
    event_id = await new_event(stocked)
    async with stocked.sessions.begin() as session:
        booking = await book(session, event_id, "user-a", 2, "en", NOW)
        gone = await book(session, event_id, "user-b", 1, "en", NOW)
    async with stocked.sessions.begin() as session:
        await cancel(session, gone.code, "user-b", NOW)
    on_the_day = clock_at("2026-11-28 09:10")
    results = []
    for station, code, clock in [
        ("BGD-KRD", booking.code, NOW),  # wrong day
        ("BGD-MNS", booking.code, on_the_day),  # another station's code
        ("BGD-KRD", gone.code, on_the_day),  # cancelled
        ("BGD-KRD", "ACDEFH", on_the_day),  # unknown
        ("BGD-KRD", booking.code, on_the_day),  # fine
        ("BGD-KRD", booking.code, on_the_day),  # second time
    ]:
        async with stocked.sessions.begin() as session:
            results.append((await check_in(session, station, code, clock))[0])
    assert results == [
        CheckIn.WRONG_DAY,
        CheckIn.OTHER_STATION,
        CheckIn.CANCELLED,
        CheckIn.NOT_FOUND,
        CheckIn.OK,
        CheckIn.ALREADY,
    ]
    async with stocked.sessions() as session:
        event, rows = await attendees(session, "BGD-KRD", on_the_day)
    assert event is not None and event.id == event_id
    assert [(b.code, b.checked_in_at is not None) for b in rows] == [(booking.code, True)]


async def test_reminder_is_due_the_day_before_and_sent_once(stocked: Database) -> None:
    event_id = await new_event(stocked)
    async with stocked.sessions.begin() as session:
        booking = await book(session, event_id, "user-a", 2, "en", NOW)
    async with stocked.sessions.begin() as session:
        assert await due_reminders(session, clock_at("2026-11-27 10:00")) == []  # no chat yet
        assert await set_chat(session, booking.code, "user-a", 777)
        assert not await set_chat(session, booking.code, "user-b", 666)
    async with stocked.sessions.begin() as session:
        assert await due_reminders(session, clock_at("2026-11-27 08:59")) == []
        due = await due_reminders(session, clock_at("2026-11-27 09:00"))
        assert [(b.code, b.chat_id) for b in due] == [(booking.code, 777)]
        assert await mark_reminded(session, due[0].id, clock_at("2026-11-27 09:00"))
        assert not await mark_reminded(session, due[0].id, clock_at("2026-11-27 09:01"))
    async with stocked.sessions() as session:
        assert await due_reminders(session, clock_at("2026-11-27 12:00")) == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_fifty_concurrent_bookings_never_exceed_capacity(
    backend: str, tmp_path: Path
) -> None:
    db = await fresh_database(backend, tmp_path, pool_size=20, max_overflow=40)
    try:
        registry, _ = check_registry(DEMO_REGISTRY)
        assert registry is not None
        async with db.sessions.begin() as session:
            await import_registry(session, registry)
        event_id = await new_event(db, capacity=30)
        async with db.sessions.begin() as session:  # 25 of 30 seats already gone
            for i in range(25):
                await book(session, event_id, f"early-{i}", 1, "en", NOW)

        async def attempt(i: int) -> str:
            try:
                await book_in_transaction(db.sessions, event_id, f"racer-{i}", 1, "en", NOW)
                return "booked"
            except BookingError as error:
                return error.reason

        outcomes = await asyncio.gather(*(attempt(i) for i in range(50)))
        assert outcomes.count("booked") == 5
        assert outcomes.count("full") == 45
        async with db.sessions() as session:
            event = await session.get(Event, event_id)
            assert event is not None and event.seats_taken == event.capacity == 30
            active = (
                await session.scalars(select(Booking).where(Booking.status == "active"))
            ).all()
            assert len(active) == 30
            assert len({b.code for b in active}) == 30
    finally:
        await db.close()
