"""What a server process reads reports and stations through: the database, the
settings and a station index refreshed every minute (the action server, the web
application). Opened at start-up, never at import."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mps.clock import Clock
from mps.database import Database
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

    @classmethod
    def empty(cls, database: Database, settings: StoreSettings) -> Store:
        """A store whose stations are read at the first `refresh`."""
        return cls(database, settings, StationIndex([]), {}, float("-inf"))

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
