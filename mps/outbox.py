"""The transactional outbox: rows due for delivery, sent, failed and dead letters.

Rows are written in the same transaction as the change they announce
(mps.reports, mps.report_threads); bot/outbox.py delivers them. A replica
leases the rows it is about to send (claim_outbox, mps.claims), so two replicas
never send the same row. Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.claims import REPLICA, claim
from mps.clock import Clock
from mps.database import one_row
from mps.models import OutboxMessage, Report
from mps.stations import TRIAGE

MAX_ATTEMPT_DELAY = dt.timedelta(minutes=10)
# Failed deliveries of one outbox row before it becomes a dead letter (about 4
# minutes of backoff: 2, 4, … 128 s).
MAX_ATTEMPTS = 8
# How long a replica holds the rows it claimed: far longer than a round of 20 rows
# takes, and the delay before another replica sends the rows of one that died.
LEASE = dt.timedelta(minutes=2)


class OutboxStats(NamedTuple):
    """How the outbox stands: rows waiting (not sent, not dead), how long the oldest of
    them has waited since it was committed, how long the longest-due one has been due
    (a row is due from its creation, then after each backoff; 0 while none is), and
    dead letters."""

    waiting: int
    oldest_seconds: float
    overdue_seconds: float
    dead: int


def new_entry(
    report_id: int, kind: str, clock: Clock, payload: dict[str, object] | None = None
) -> OutboxMessage:
    """An outbox row to add with the change it announces, due at once."""
    return OutboxMessage(
        report_id=report_id,
        kind=kind,
        payload=payload or {},
        created_at=clock.now,
        next_attempt_at=clock.now,
    )


def _due(clock: Clock) -> list[ColumnElement[bool]]:
    return [
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.dead_at.is_(None),
        OutboxMessage.next_attempt_at <= clock.now,
    ]


async def due_outbox(session: AsyncSession, clock: Clock, limit: int = 20) -> list[OutboxMessage]:
    """Unsent outbox messages whose next attempt is due, oldest first (leased or not)."""
    rows = await session.scalars(
        select(OutboxMessage).where(*_due(clock)).order_by(OutboxMessage.id).limit(limit)
    )
    return list(rows.all())


async def claim_outbox(
    session: AsyncSession, clock: Clock, replica: str = REPLICA, limit: int = 20
) -> list[int]:
    """Lease the due rows no other replica holds to `replica`; their ids, oldest first."""
    order = [OutboxMessage.id]
    return await claim(session, OutboxMessage, _due(clock), order, clock, replica, LEASE, limit)


async def mark_sent(session: AsyncSession, message_id: int, clock: Clock) -> bool:
    """Record a delivery (its text is no longer kept); False if it was recorded already
    (delivered once)."""
    done = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(sent_at=clock.now, payload={})
        .execution_options(synchronize_session=False)
    )
    return one_row(done)


async def note_step(session: AsyncSession, message_id: int, payload: dict[str, object]) -> None:
    """Store a row's progress (the steps already delivered, in `payload["done"]`)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )


async def staff_card_of(session: AsyncSession, report_id: int) -> OutboxMessage | None:
    """The outbox row of a report's first staff card."""
    return await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.report_id == report_id, OutboxMessage.kind == "staff_card")
        .order_by(OutboxMessage.id)
        .limit(1)
    )


async def mark_failed(
    session: AsyncSession,
    message: OutboxMessage,
    clock: Clock,
    error: str,
    retry_after: float | None = None,
) -> bool:
    """Schedule the next attempt: Telegram's retry_after if given, else exponential
    backoff; after MAX_ATTEMPTS failed attempts the row becomes a dead letter.
    Whether it did."""
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await mark_dead(session, message.id, clock, error, attempts)
        return True
    delay = (
        dt.timedelta(seconds=retry_after)
        if retry_after is not None
        else min(dt.timedelta(seconds=2**attempts), MAX_ATTEMPT_DELAY)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(  # the lease is given back: due again at its own time
            attempts=attempts,
            next_attempt_at=clock.now + delay,
            last_error=error[:200],
            claimed_until=None,
            claimed_by=None,
        )
        .execution_options(synchronize_session=False)
    )
    return False


async def postpone(session: AsyncSession, message_id: int, clock: Clock, seconds: float) -> None:
    """Try the row again in `seconds`, giving the lease back: the bot held it back
    (Telegram's budgets, a 429 pause), which is no failed attempt."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            next_attempt_at=clock.now + dt.timedelta(seconds=seconds),
            claimed_until=None,
            claimed_by=None,
        )
        .execution_options(synchronize_session=False)
    )


async def mark_dead(
    session: AsyncSession, message_id: int, clock: Clock, error: str, attempts: int | None = None
) -> None:
    """Give up on a row: it is not tried again until `outbox retry`."""
    values: dict[str, object] = {"dead_at": clock.now, "last_error": error[:200]}
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def dead_letters(
    session: AsyncSession, station: str | None = None
) -> list[tuple[OutboxMessage, Report]]:
    """Rows given up on, oldest first, with their report (of one station; the triage
    queue sees every station's)."""
    query = (
        select(OutboxMessage, Report)
        .join(Report, Report.id == OutboxMessage.report_id)
        .where(OutboxMessage.dead_at.is_not(None), OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
    )
    if station is not None and station != TRIAGE:
        query = query.where(Report.station_code == station)
    return list((await session.execute(query)).all())


async def retry_dead(session: AsyncSession, message_id: int, clock: Clock) -> bool:
    """Put a dead letter back in the queue with a fresh count of attempts."""
    done = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.dead_at.is_not(None),
            OutboxMessage.sent_at.is_(None),
        )
        .values(dead_at=None, attempts=0, next_attempt_at=clock.now)
        .execution_options(synchronize_session=False)
    )
    return one_row(done)


async def outbox_stats(session: AsyncSession, clock: Clock) -> OutboxStats:
    """Count the rows waiting and the dead; the age of the oldest waiting row and the
    longest wait of a due one."""
    unsent = OutboxMessage.sent_at.is_(None)
    waiting, created, due = (
        await session.execute(
            select(
                func.count(),
                func.min(OutboxMessage.created_at),
                func.min(OutboxMessage.next_attempt_at),
            ).where(unsent, OutboxMessage.dead_at.is_(None))
        )
    ).one()
    dead = await session.scalar(
        select(func.count()).where(unsent, OutboxMessage.dead_at.is_not(None))
    )
    return OutboxStats(int(waiting), _since(created, clock), _since(due, clock), int(dead or 0))


def _since(moment: dt.datetime | None, clock: Clock) -> float:
    """Seconds from `moment` to now; 0 for none, or one still to come."""
    return max((clock.now - moment).total_seconds(), 0.0) if moment is not None else 0.0
