"""An update Telegram sends twice is handled once, across a restart too."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from telegram.ext import ApplicationHandlerStop

from bot.dedup import WINDOW, UpdateGate
from mps.database import Database


def _update(update_id: int) -> SimpleNamespace:
    return SimpleNamespace(update_id=update_id)


async def test_copies_stop_and_the_last_id_survives_a_restart(database: Database) -> None:
    gate = UpdateGate(database)
    await gate.load()
    await gate(_update(10), None)  # type: ignore[arg-type]
    await gate(_update(11), None)  # type: ignore[arg-type]
    with pytest.raises(ApplicationHandlerStop):
        await gate(_update(11), None)  # type: ignore[arg-type]
    with pytest.raises(ApplicationHandlerStop):
        await gate(_update(10), None)  # type: ignore[arg-type]
    again = UpdateGate(database)  # the bot restarted
    await again.load()
    assert again.last == 11
    with pytest.raises(ApplicationHandlerStop):
        await again(_update(11), None)  # type: ignore[arg-type]
    await again(_update(12), None)  # type: ignore[arg-type]


async def test_a_new_random_sequence_is_not_taken_for_copies(database: Database) -> None:
    gate = UpdateGate(database)
    await gate.load()
    start = 5 * WINDOW
    await gate(_update(start), None)  # type: ignore[arg-type]
    await gate(_update(start - 2 * WINDOW), None)  # type: ignore[arg-type]  # after a quiet week
    again = UpdateGate(database)
    await again.load()
    assert again.last == start - 2 * WINDOW
