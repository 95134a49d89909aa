"""Open House reminders: where each goes, which are due, leasing them to one replica
(mps.claims), and marking them sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from mps.bookings import starts_at
from mps.claims import REPLICA, claim
from mps.clock import Clock
from mps.codes import clean_code
from mps.database import one_row
from mps.models import Booking, Event

# How long a replica holds the reminders it claimed (a round of 50 takes seconds).
LEASE = dt.timedelta(minutes=2)


async def set_chat(session: AsyncSession, code: str, owner: str, chat_id: int) -> bool:
    """Record where the owner's reminder goes (the bot calls this with the ticket)."""
    result = await session.execute(
        update(Booking)
        .where(Booking.code == clean_code(code), Booking.owner == owner)
        .values(chat_id=chat_id)
        .execution_options(synchronize_session=False)
    )
    return one_row(result)


def _due(clock: Clock) -> ColumnElement[bool]:
    return and_(
        Booking.status == "active",
        Booking.reminded_at.is_(None),
        Booking.chat_id.is_not(None),
        Booking.remind_at <= clock.now,
    )


async def _with_events(session: AsyncSession, clock: Clock, *where: Any) -> list[Booking]:
    """The bookings `where` says, with event and station, for events not yet begun."""
    rows = (
        await session.scalars(
            select(Booking)
            .options(joinedload(Booking.event).joinedload(Event.station))
            .where(*where)
            .order_by(Booking.remind_at, Booking.id)
        )
    ).all()
    return [b for b in rows if starts_at(b.event, clock.zone) > clock.now]


async def due_reminders(session: AsyncSession, clock: Clock, limit: int = 50) -> list[Booking]:
    """Active bookings whose reminder is due and not sent, for events not yet begun
    (leased or not)."""
    first = select(Booking.id).where(_due(clock)).order_by(Booking.remind_at).limit(limit)
    return await _with_events(session, clock, Booking.id.in_(first.scalar_subquery()))


async def claim_reminders(
    session: AsyncSession, clock: Clock, replica: str = REPLICA, limit: int = 50
) -> list[Booking]:
    """Lease the due reminders no other replica holds to `replica`; those for events
    not yet begun, due first (the others wait for their lease to run out)."""
    # Events of past days are never reminded of, so they never take the places.
    upcoming = Booking.event_id.in_(select(Event.id).where(Event.day >= clock.today))
    order = [Booking.remind_at, Booking.id]
    ids = await claim(
        session, Booking, [_due(clock), upcoming], order, clock, replica, LEASE, limit
    )
    return await _with_events(session, clock, Booking.id.in_(ids)) if ids else []


async def mark_reminded(session: AsyncSession, booking_id: int, clock: Clock) -> bool:
    """Record a reminder as sent; False if another worker did it first."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.reminded_at.is_(None))
        .values(reminded_at=clock.now)
        .execution_options(synchronize_session=False)
    )
    return one_row(result)
