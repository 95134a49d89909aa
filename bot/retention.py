"""The daily purge of personal data that has outlived its purpose (mps/retention.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from mps.clock import Clock
from mps.database import Database
from mps.retention import Purged, Retention, purge

logger = logging.getLogger(__name__)
DAY_SECONDS = 86_400.0


async def purge_once(database: Database, clock: Clock, retention: Retention) -> Purged:
    """One purge, in one transaction; the counts are logged (never any content)."""
    async with database.sessions.begin() as session:
        purged = await purge(session, clock, retention)
    logger.info(
        "retention purge: %d call-back numbers, %d reports, %d notes, %d outbox texts, "
        "%d bookings, %d survey comments",
        purged.callbacks,
        purged.reports,
        purged.notes,
        purged.outbox,
        purged.bookings,
        purged.comments,
    )
    return purged


async def purge_loop(
    database: Database,
    clock: Callable[[], Clock],
    retention: Retention,
    interval: float = DAY_SECONDS,
    first_delay: float = 60.0,
) -> None:
    """Purge shortly after start-up, then every `interval` seconds, until cancelled."""
    await asyncio.sleep(first_delay)
    while True:
        try:
            await purge_once(database, clock(), retention)
        except Exception:
            logger.exception("retention purge failed; next try in %.0f s", interval)
        await asyncio.sleep(interval)
