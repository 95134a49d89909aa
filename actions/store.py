"""The action server's Store (mps.store), opened on first use in the server process.

Never at import: Rasa SDK imports this package before its event loop runs,
and an async engine belongs to the loop it is used on.
"""

from __future__ import annotations

import asyncio

from mps.database import open_database
from mps.settings import StoreSettings
from mps.store import Store

__all__ = ["Store", "get_store"]

_store: Store | None = None
_lock = asyncio.Lock()


async def get_store() -> Store:
    """The process's Store, created the first time an action needs it."""
    global _store
    async with _lock:
        if _store is None:
            settings = StoreSettings()
            _store = Store.empty(open_database(settings.database_url), settings)
        await _store.refresh()
        return _store
