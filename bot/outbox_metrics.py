"""The outbox's gauges, read from the table when /metrics is scraped and never else.

The numbers are the table's, so every bot replica reports the same ones (take the
max across replicas, not the sum). A scrape whose read fails or takes longer than
READ_SECONDS shows no outbox series at all rather than old numbers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from mps.clock import Clock
from mps.database import Database
from mps.outbox import OutboxStats, outbox_stats

logger = logging.getLogger(__name__)
READ_SECONDS = 3.0
GAUGES = {
    "mps_bot_outbox_depth": "Outbox rows not yet sent (dead letters aside)",
    "mps_bot_outbox_oldest_seconds": "Age of the oldest row not yet sent (dead letters aside), "
    "from the commit of its change; 0 when there is none",
    "mps_bot_outbox_overdue_seconds": "How long the longest-due row not yet sent has been due "
    "(retries wait out their backoff first); 0 when none is due",
    "mps_bot_outbox_dead": "Outbox rows given up on (dead letters)",
}


def _families(stats: OutboxStats | None) -> Iterator[GaugeMetricFamily]:
    values = (
        dict.fromkeys(GAUGES)
        if stats is None
        else dict(
            zip(
                GAUGES,
                (stats.waiting, stats.oldest_seconds, stats.overdue_seconds, stats.dead),
                strict=True,
            )
        )
    )
    for name, value in values.items():
        family = GaugeMetricFamily(name, GAUGES[name])
        if value is not None:
            family.add_metric([], float(value))
        yield family


class OutboxCollector(Collector):
    """The outbox gauges as of the last `refresh` (the /metrics handler calls it first)."""

    def __init__(self) -> None:
        self.stats: OutboxStats | None = None

    async def refresh(self, database: Database, clock: Clock) -> None:
        """Read the table (one short query) for the scrape about to be answered."""
        try:
            async with asyncio.timeout(READ_SECONDS), database.sessions() as session:
                self.stats = await outbox_stats(session, clock)
        except Exception as error:  # noqa: BLE001 - the rest of /metrics is still worth serving
            self.stats = None
            logger.warning("outbox gauges not read: %s", type(error).__name__)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The names, for the registry's duplicate check (no query at registration)."""
        return _families(None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The numbers read by the last refresh; nothing if it failed."""
        return iter(()) if self.stats is None else _families(self.stats)


OUTBOX = OutboxCollector()
REGISTRY.register(OUTBOX)
