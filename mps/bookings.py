"""Open House events and bookings: the rules, on any SQLAlchemy async session.

Seats are taken and given back only by guarded UPDATEs on `events.seats_taken`
(`seats_taken + n <= capacity`), which both SQLite and PostgreSQL apply
atomically per row, and a CHECK constraint backs them up: capacity is never
exceeded, however many people book the last seats at once. Callers own the
transaction (`async with db.sessions.begin() as session`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from mps.clock import Clock
from mps.codes import clean_code, new_code
from mps.database import one_row
from mps.models import Booking, Event, Station
from mps.parsing import MAX_PARTY

REMIND_BEFORE = dt.timedelta(hours=24)
# `book`'s arguments after the session: event id, owner, party size, language, clock.
BookArgs = tuple[int, str, int, str, Clock]
MAX_CAPACITY = 10_000


class BookingError(Exception):
    """A booking rule said no; `reason` is a message key for the user."""

    def __init__(self, reason: str, booking: Booking | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.booking = booking


def starts_at(event: Event, zone: ZoneInfo) -> dt.datetime:
    """When the event begins, as an aware datetime."""
    return dt.datetime.combine(event.day, event.start, zone)


def ends_at(event: Event, zone: ZoneInfo) -> dt.datetime:
    """When the event ends, as an aware datetime."""
    return dt.datetime.combine(event.day, event.end, zone)


def seats_left(event: Event) -> int:
    """Free seats of an event."""
    return event.capacity - event.seats_taken


async def add_event(
    session: AsyncSession,
    station_code: str,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    capacity: int,
    clock: Clock,
) -> Event:
    """A new Open House event; refuses the past, end before start, odd capacities."""
    if await session.get(Station, station_code) is None:
        raise BookingError("unknown_station")
    event = Event(
        station_code=station_code, day=day, start=start, end=end, capacity=capacity, seats_taken=0
    )
    await check_schedule(session, event, clock)
    session.add(event)
    await session.flush()
    return event


async def check_schedule(session: AsyncSession, event: Event, clock: Clock) -> None:
    """The rules of an event's date, times and capacity, for a new one and an edited
    one (`event` as it would be; its id, if any, is not a clash with itself)."""
    if event.end <= event.start:
        raise BookingError("end_before_start")
    if not 1 <= event.capacity <= MAX_CAPACITY:
        raise BookingError("bad_capacity")
    if starts_at(event, clock.zone) <= clock.now:
        raise BookingError("in_past")
    clash = await session.scalar(
        select(Event.id).where(
            Event.station_code == event.station_code,
            Event.day == event.day,
            Event.start == event.start,
            Event.id != (event.id or 0),
        )
    )
    if clash is not None:
        raise BookingError("duplicate_event")


async def upcoming_events(
    session: AsyncSession,
    clock: Clock,
    station_code: str | None = None,
    *,
    with_seats: bool = True,
    limit: int = 8,
) -> list[Event]:
    """Events not yet started, soonest first (only those with seats left, by default)."""
    query = (
        select(Event)
        .options(joinedload(Event.station))
        .where(Event.day >= clock.today - dt.timedelta(days=1))
        .order_by(Event.day, Event.start, Event.id)
    )
    if station_code is not None:
        query = query.where(Event.station_code == station_code)
    if with_seats:
        query = query.where(Event.seats_taken < Event.capacity)
    events = (await session.scalars(query)).all()
    return [e for e in events if starts_at(e, clock.zone) > clock.now][:limit]


async def _take_seats(session: AsyncSession, event_id: int, seats: int) -> bool:
    result = await session.execute(
        update(Event)
        .where(Event.id == event_id, Event.seats_taken + seats <= Event.capacity)
        .values(seats_taken=Event.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    return one_row(result)


async def _give_back(session: AsyncSession, event_id: int, seats: int) -> None:
    await session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(seats_taken=Event.seats_taken - seats)
        .execution_options(synchronize_session=False)
    )


def _remind_at(event: Event, clock: Clock) -> dt.datetime:
    return starts_at(event, clock.zone) - REMIND_BEFORE


async def book(
    session: AsyncSession,
    event_id: int,
    owner: str,
    party_size: int,
    language: str,
    clock: Clock,
) -> Booking:
    """Book `party_size` seats; raises BookingError (full, past, already, …)."""
    if not 1 <= party_size <= MAX_PARTY:
        raise BookingError("party_size")
    # The guarded UPDATE comes first: on SQLite it takes the write lock before
    # any read, so concurrent bookings queue instead of failing.
    if not await _take_seats(session, event_id, party_size):
        event = await session.get(Event, event_id)
        raise BookingError("not_found" if event is None else "full")
    event = await session.get(Event, event_id, populate_existing=True)
    assert event is not None
    if starts_at(event, clock.zone) <= clock.now:
        raise BookingError("past")
    already = await session.scalar(
        select(Booking).where(
            Booking.owner == owner, Booking.event_id == event_id, Booking.status == "active"
        )
    )
    if already is not None:
        raise BookingError("already", already)
    code = new_code()
    while await session.scalar(select(Booking.id).where(Booking.code == code)) is not None:
        code = new_code()
    booking = Booking(
        code=code,
        event_id=event_id,
        owner=owner,
        party_size=party_size,
        language=language,
        status="active",
        created_at=clock.now,
        remind_at=_remind_at(event, clock),
    )
    if booking.remind_at <= clock.now:  # booked less than a day ahead: no reminder
        booking.reminded_at = clock.now
    session.add(booking)
    await session.flush()
    booking.event = event
    return booking


async def book_in_transaction(
    sessions: async_sessionmaker[AsyncSession], *args: *BookArgs
) -> Booking:
    """`book` in its own transaction, tried up to three times while new codes collide."""
    for attempt in range(3):
        try:
            async with sessions.begin() as session:
                return await book(session, *args)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def find_booking(session: AsyncSession, code: str) -> Booking | None:
    """A booking by code (typed in any case or digits), with its event and station."""
    return await session.scalar(
        select(Booking)
        .options(joinedload(Booking.event).joinedload(Event.station))
        .where(Booking.code == clean_code(code))
    )


async def bookings_of(session: AsyncSession, owner: str, clock: Clock) -> list[Booking]:
    """The owner's active bookings for events not yet over, soonest first."""
    rows = (
        await session.scalars(
            select(Booking)
            .options(joinedload(Booking.event).joinedload(Event.station))
            .join(Event)
            .where(
                Booking.owner == owner,
                Booking.status == "active",
                Event.day >= clock.today - dt.timedelta(days=1),
            )
            .order_by(Event.day, Event.start)
        )
    ).all()
    return [b for b in rows if ends_at(b.event, clock.zone) > clock.now]


async def _own_active(session: AsyncSession, code: str, owner: str, clock: Clock) -> Booking:
    booking = await find_booking(session, code)
    if booking is None or booking.owner != owner:
        raise BookingError("not_found")
    if booking.status != "active":
        raise BookingError("cancelled", booking)
    if ends_at(booking.event, clock.zone) <= clock.now:
        raise BookingError("past", booking)
    return booking


async def cancel(session: AsyncSession, code: str, owner: str, clock: Clock) -> Booking:
    """Cancel the owner's booking; its seats are free again at once."""
    booking = await _own_active(session, code, owner, clock)
    done = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == "active")
        .values(status="cancelled", cancelled_at=clock.now)
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        raise BookingError("cancelled", booking)
    await _give_back(session, booking.event_id, booking.party_size)
    booking.status = "cancelled"
    return booking


async def move(
    session: AsyncSession, code: str, owner: str, event_id: int, clock: Clock
) -> Booking:
    """Move the owner's booking to another event, keeping its code."""
    booking = await _own_active(session, code, owner, clock)
    if booking.event_id == event_id:
        raise BookingError("same_event", booking)
    if not await _take_seats(session, event_id, booking.party_size):
        raise BookingError("full" if await session.get(Event, event_id) else "not_found")
    target = await session.get(Event, event_id, populate_existing=True)
    assert target is not None
    if starts_at(target, clock.zone) <= clock.now:
        raise BookingError("past")
    await _give_back(session, booking.event_id, booking.party_size)
    booking.event_id = event_id
    booking.event = target
    booking.remind_at = _remind_at(target, clock)
    booking.reminded_at = clock.now if booking.remind_at <= clock.now else None
    await session.flush()
    return booking
