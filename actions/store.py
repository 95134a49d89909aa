"""The action server's database and station index, opened on first use in the server process.

Never at import: Rasa SDK imports this package before its event loop runs,
and an async engine belongs to the loop it is used on.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from mps.clock import Clock
from mps.database import Database, open_database
from mps.models import Station
from mps.routing import StationIndex
from mps.settings import StoreSettings
from mps.stations import all_stations, as_row

INDEX_TTL_SECONDS = 60.0


@dataclass
class Store:
    """Database, settings and a station index refreshed every minute."""

    database: Database
    settings: StoreSettings
    index: StationIndex
    stations: dict[str, Station]
    loaded_at: float

    def clock(self) -> Clock:
        """The current time in the stations' zone."""
        return self.settings.clock()

    async def refresh(self) -> None:
        """Reload the stations if the registry may have changed."""
        if time.monotonic() - self.loaded_at < INDEX_TTL_SECONDS:
            return
        async with self.database.sessions() as session:
            rows = await all_stations(session)
        self.stations = {s.code: s for s in rows}
        self.index = StationIndex.from_rows(as_row(s) for s in rows)
        self.loaded_at = time.monotonic()


_store: Store | None = None
_lock = asyncio.Lock()


async def get_store() -> Store:
    """The process's Store, created the first time an action needs it."""
    global _store
    async with _lock:
        if _store is None:
            settings = StoreSettings()
            database = open_database(settings.database_url)
            _store = Store(database, settings, StationIndex([]), {}, float("-inf"))
        await _store.refresh()
        return _store
