"""Leases on due rows, so two bot replicas never take the same outbox row or reminder.

One statement claims: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
RETURNING id`. On PostgreSQL the inner SELECT skips rows another replica is
claiming at this instant; on SQLite (one writer at a time) FOR UPDATE is not
rendered and the guard `claimed_until IS NULL OR claimed_until < now` does the
work alone. A lease that runs out (its replica was killed mid-send) is free to
take again: late, never lost.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.clock import Clock

# This process's name in `claimed_by`: host, pid and a random tail (pids repeat
# across containers).
REPLICA = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def free(model: Any, clock: Clock) -> ColumnElement[bool]:
    """Rows nobody holds a live lease on."""
    return or_(model.claimed_until.is_(None), model.claimed_until < clock.now)


async def claim(
    session: AsyncSession,
    model: Any,
    due: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    clock: Clock,
    replica: str,
    lease: dt.timedelta,
    limit: int,
) -> list[int]:
    """Lease up to `limit` due, free rows of `model` to `replica` until now + lease;
    their ids in `order`. The caller commits at once (keep the transaction short)."""
    chosen = (
        select(model.id)
        .where(*due, free(model, clock))
        .order_by(*order)
        .limit(limit)
        .with_for_update(skip_locked=True, of=model)
        .correlate(None)  # the same table as the UPDATE: a subquery of its own
    )
    ids = await session.scalars(
        update(model)
        .where(model.id.in_(chosen.scalar_subquery()), free(model, clock))
        .values(claimed_until=clock.now + lease, claimed_by=replica)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    claimed = set(ids.all())
    ordered = await session.scalars(select(model.id).where(model.id.in_(claimed)).order_by(*order))
    return list(ordered.all())


def holds(row: Any, clock: Clock, replica: str) -> bool:
    """Whether `replica` still holds a live lease on `row` (else another may have it)."""
    until = row.claimed_until
    return bool(row.claimed_by == replica and until is not None and until >= clock.now)


async def release(session: AsyncSession, model: Any, ids: Sequence[int], replica: str) -> None:
    """Give back `replica`'s leases on `ids` (a failed row is due again at its own time)."""
    if not ids:
        return
    await session.execute(
        update(model)
        .where(model.id.in_(ids), model.claimed_by == replica)
        .values(claimed_until=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
