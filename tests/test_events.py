"""Station staff's Open House events (mps/events.py) on SQLite and PostgreSQL: the list,
upcoming first, past ones after; an edit keeps every rule of a new event, never drops
the capacity below the seats booked, never moves a booked event, and leaves nothing
half-saved, also while people are booking at the same moment."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from mps.bookings import BookingError, add_event, book, cancel
from mps.checkin import CheckIn, check_in
from mps.database import Database
from mps.events import Schedule, edit_event, station_events
from mps.models import Event
from tests.conftest import clock_at

NOW = clock_at("2026-11-25 10:00")
SATURDAY = dt.date(2026, 11, 28)
NINE, ONE = dt.time(9), dt.time(13)


async def _event(db: Database, day: dt.date = SATURDAY, capacity: int = 10, **kw: str) -> int:
    station = kw.get("station", "BGD-KRD")
    start, end = (
        dt.time.fromisoformat(kw.get(k, d)) for k, d in (("start", "09:00"), ("end", "13:00"))
    )
    clock = clock_at(kw["at"]) if "at" in kw else NOW
    async with db.sessions.begin() as session:
        return (await add_event(session, station, day, start, end, capacity, clock)).id


async def _edit(db: Database, event_id: int, schedule: Schedule, clock: object = NOW) -> Event:
    async with db.sessions.begin() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return await edit_event(session, event, schedule, clock)  # type: ignore[arg-type]


async def _refused(db: Database, event_id: int, schedule: Schedule, clock: object = NOW) -> str:
    with pytest.raises(BookingError) as refused:
        await _edit(db, event_id, schedule, clock)
    return refused.value.reason


async def _stored(db: Database, event_id: int) -> Schedule:
    async with db.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return Schedule(event.day, event.start, event.end, event.capacity)


async def test_an_unbooked_event_takes_a_new_date_times_and_seats(stocked: Database) -> None:
    event_id = await _event(stocked)
    moved = Schedule(dt.date(2026, 12, 5), dt.time(10), dt.time(14, 30), 40)
    event = await _edit(stocked, event_id, moved)
    assert (event.day, event.start, event.end, event.capacity) == (
        dt.date(2026, 12, 5),
        dt.time(10),
        dt.time(14, 30),
        40,
    )
    assert await _stored(stocked, event_id) == moved


async def test_an_edit_keeps_the_rules_of_a_new_event_and_saves_nothing_refused(
    stocked: Database,
) -> None:
    event_id = await _event(stocked)
    await _event(stocked, start="15:00", end="17:00")  # the same station, the same day, at 15:00
    before = await _stored(stocked, event_id)
    cases = {
        "end_before_start": Schedule(SATURDAY, ONE, NINE, 10),
        "in_past": Schedule(dt.date(2026, 11, 24), NINE, ONE, 10),
        "bad_capacity": Schedule(SATURDAY, NINE, ONE, 0),
        "duplicate_event": Schedule(SATURDAY, dt.time(15), dt.time(17), 10),
    }
    for reason, schedule in cases.items():
        assert await _refused(stocked, event_id, schedule) == reason
    assert await _stored(stocked, event_id) == before
    # Its own start is no clash with itself.
    await _edit(stocked, event_id, Schedule(SATURDAY, NINE, dt.time(12), 12))


async def test_the_capacity_never_drops_below_the_seats_booked(stocked: Database) -> None:
    event_id = await _event(stocked)
    async with stocked.sessions.begin() as session:
        await book(session, event_id, "user-a", 4, "en", NOW)
        await book(session, event_id, "user-b", 2, "ar", NOW)
    assert await _refused(stocked, event_id, Schedule(SATURDAY, NINE, ONE, 5)) == "below_booked"
    assert (await _stored(stocked, event_id)).capacity == 10
    await _edit(stocked, event_id, Schedule(SATURDAY, NINE, ONE, 6))  # exactly the booked seats
    assert (await _stored(stocked, event_id)).capacity == 6


async def test_a_booked_event_keeps_its_date_and_times(stocked: Database) -> None:
    event_id = await _event(stocked)
    async with stocked.sessions.begin() as session:
        booking = await book(session, event_id, "user-a", 2, "en", NOW)
    later = Schedule(SATURDAY, dt.time(10), ONE, 10)
    assert await _refused(stocked, event_id, later) == "booked_times"
    assert await _refused(stocked, event_id, Schedule(SATURDAY, NINE, dt.time(12), 10)) == (
        "booked_times"
    )
    async with stocked.sessions.begin() as session:
        await cancel(session, booking.code, "user-a", NOW)
    await _edit(stocked, event_id, later)  # nobody booked any more: it may move


async def test_an_event_that_began_cannot_be_edited(stocked: Database) -> None:
    event_id = await _event(stocked)
    during = clock_at("2026-11-28 10:00")
    tomorrow = Schedule(dt.date(2026, 11, 29), NINE, ONE, 10)
    assert await _refused(stocked, event_id, tomorrow, during) == "started"


@pytest.mark.parametrize("capacity", [3, 8])
async def test_an_edit_racing_bookings_never_leaves_more_booked_than_seats(
    stocked: Database, capacity: int
) -> None:
    event_id = await _event(stocked, capacity=10)

    async def one(owner: str) -> bool:
        try:
            async with stocked.sessions.begin() as session:
                await book(session, event_id, owner, 1, "en", NOW)
        except BookingError:
            return False
        return True

    async def shrink() -> str:
        try:
            await _edit(stocked, event_id, Schedule(SATURDAY, NINE, ONE, capacity))
        except BookingError as error:
            return error.reason
        return "ok"

    results = await asyncio.gather(shrink(), *(one(f"user-{i}") for i in range(12)))
    async with stocked.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None
    booked = sum(1 for ok in results[1:] if ok)
    assert event.seats_taken == booked <= event.capacity
    assert (event.capacity, results[0]) in {(capacity, "ok"), (10, "below_booked")}


async def test_the_station_list_puts_upcoming_first_then_the_past_with_arrivals(
    stocked: Database,
) -> None:
    then = "2026-11-01 08:00"
    old = await _event(stocked, dt.date(2026, 11, 7), at=then)
    older = await _event(stocked, dt.date(2026, 11, 3), at=then)
    today = await _event(stocked, dt.date(2026, 11, 25), at=then)  # 09:00–13:00, under way
    soon = await _event(stocked, dt.date(2026, 12, 1))
    sooner = await _event(stocked, SATURDAY)
    await _event(stocked, SATURDAY, station="BGD-MNS")  # another station's
    async with stocked.sessions.begin() as session:
        booking = await book(session, today, "user-a", 3, "en", clock_at("2026-11-20 10:00"))
        assert (await check_in(session, "BGD-KRD", booking.code, NOW))[0] is CheckIn.OK
    async with stocked.sessions() as session:
        listed = await station_events(session, "BGD-KRD", NOW)
    assert [e.id for e in listed.upcoming] == [today, sooner, soon]
    assert [e.id for e in listed.past] == [old, older]
    assert listed.arrived == {today: 3}
    async with stocked.sessions() as session:
        evening = await station_events(session, "BGD-KRD", clock_at("2026-11-25 18:00"), 2)
    assert [e.id for e in evening.past] == [today, old]
