"""Open House events as a station's staff manage them (the web console): the station's
events, upcoming and past, editing one, and its visitors.

The rules are those of a new event (`mps.bookings.check_schedule`); an edit adds two,
held by one guarded UPDATE so that a booking made meanwhile cannot slip past them: the
capacity never drops below the seats already booked, and an event someone has booked
keeps its date and times (their ticket, calendar file and reminder say when to come).
Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.bookings import BookingError, check_schedule, ends_at, starts_at
from mps.clock import Clock
from mps.database import one_row
from mps.models import Booking, Event

PAST_SHOWN = 20  # the most recent past events a station's list shows


@dataclass(frozen=True)
class Schedule:
    """What staff set on an event: its day, times and seats."""

    day: dt.date
    start: dt.time
    end: dt.time
    capacity: int


@dataclass(frozen=True)
class StationEvents:
    """A station's events: those not over yet, soonest first; past ones, latest first;
    and how many people checked in at each (event id → people)."""

    upcoming: list[Event]
    past: list[Event]
    arrived: dict[int, int]


async def station_events(
    session: AsyncSession, station_code: str, clock: Clock, past_shown: int = PAST_SHOWN
) -> StationEvents:
    """The station's upcoming events and its latest past ones."""
    recent = clock.today - dt.timedelta(days=1)
    soon = await session.scalars(
        select(Event)
        .where(Event.station_code == station_code, Event.day >= recent)
        .order_by(Event.day, Event.start, Event.id)
    )
    upcoming = [e for e in soon if ends_at(e, clock.zone) > clock.now]
    before = await session.scalars(  # every earlier one is over
        select(Event)
        .where(
            Event.station_code == station_code,
            Event.day <= clock.today,
            Event.id.not_in([e.id for e in upcoming]),
        )
        .order_by(Event.day.desc(), Event.start.desc(), Event.id.desc())
        .limit(past_shown)
    )
    past = list(before.all())
    arrived = await people_arrived(session, [e.id for e in upcoming + past])
    return StationEvents(upcoming, past, arrived)


async def people_arrived(session: AsyncSession, event_ids: list[int]) -> dict[int, int]:
    """People checked in at each event (events nobody came to are left out)."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Booking.event_id, func.sum(Booking.party_size))
        .where(
            Booking.event_id.in_(event_ids),
            Booking.status == "active",
            Booking.checked_in_at.is_not(None),
        )
        .group_by(Booking.event_id)
    )
    return {event_id: int(people) for event_id, people in rows.all()}


async def visitors(session: AsyncSession, event_id: int) -> list[Booking]:
    """The event's active bookings, in the order they were made."""
    rows = await session.scalars(
        select(Booking)
        .where(Booking.event_id == event_id, Booking.status == "active")
        .order_by(Booking.created_at, Booking.id)
    )
    return list(rows.all())


async def edit_event(
    session: AsyncSession, event: Event, schedule: Schedule, clock: Clock
) -> Event:
    """Give `event` (loaded in `session`) a new schedule, or raise BookingError: the
    rules of a new event, "started" (it has begun: too late to change), "below_booked"
    (fewer seats than are booked) or "booked_times" (a booked event cannot move)."""
    if starts_at(event, clock.zone) <= clock.now:
        raise BookingError("started")
    planned = Event(id=event.id, station_code=event.station_code, **asdict(schedule))
    await check_schedule(session, planned, clock)
    moved = (schedule.day, schedule.start, schedule.end) != (event.day, event.start, event.end)
    guard = [Event.id == event.id, Event.seats_taken <= schedule.capacity]
    if moved:
        guard.append(Event.seats_taken == 0)
    done = await session.execute(
        update(Event)
        .where(*guard)
        .values(**asdict(schedule))
        .execution_options(synchronize_session=False)
    )
    await session.refresh(event)
    if not one_row(done):
        raise BookingError("booked_times" if moved and event.seats_taken else "below_booked")
    return event
