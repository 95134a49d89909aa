"""Open House reminders: where each goes, which are due, and marking them sent."""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from mps.bookings import starts_at
from mps.clock import Clock
from mps.codes import clean_code
from mps.database import one_row
from mps.models import Booking, Event


async def set_chat(session: AsyncSession, code: str, owner: str, chat_id: int) -> bool:
    """Record where the owner's reminder goes (the bot calls this with the ticket)."""
    result = await session.execute(
        update(Booking)
        .where(Booking.code == clean_code(code), Booking.owner == owner)
        .values(chat_id=chat_id)
        .execution_options(synchronize_session=False)
    )
    return one_row(result)


async def due_reminders(session: AsyncSession, clock: Clock, limit: int = 50) -> list[Booking]:
    """Active bookings whose reminder is due and not sent, for events not yet begun."""
    rows = (
        await session.scalars(
            select(Booking)
            .options(joinedload(Booking.event).joinedload(Event.station))
            .where(
                and_(
                    Booking.status == "active",
                    Booking.reminded_at.is_(None),
                    Booking.chat_id.is_not(None),
                    Booking.remind_at <= clock.now,
                )
            )
            .order_by(Booking.remind_at)
            .limit(limit)
        )
    ).all()
    return [b for b in rows if starts_at(b.event, clock.zone) > clock.now]


async def mark_reminded(session: AsyncSession, booking_id: int, clock: Clock) -> bool:
    """Record a reminder as sent; False if another worker did it first."""
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.reminded_at.is_(None))
        .values(reminded_at=clock.now)
        .execution_options(synchronize_session=False)
    )
    return one_row(result)
