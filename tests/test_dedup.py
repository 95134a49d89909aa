"""An update Telegram sends twice is handled once, in any order, across a restart too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from telegram.ext import ApplicationHandlerStop

from bot.chat_state import CURRENT_UPDATE
from bot.chat_state_stores import DatabaseChatState
from bot.dedup import UpdateGate
from mps.database import Database

SECRET = b"dedup-test-secret-0123456789"


def _update(update_id: int) -> SimpleNamespace:
    return SimpleNamespace(update_id=update_id)


@pytest.fixture
async def gate(database: Database) -> AsyncIterator[UpdateGate]:
    yield UpdateGate(DatabaseChatState(database, SECRET))


async def handled(gate: UpdateGate, update_id: int) -> bool:
    try:
        await gate(_update(update_id), None)  # type: ignore[arg-type]
    except ApplicationHandlerStop:
        return False
    return True


async def test_out_of_order_updates_are_all_handled_and_copies_dropped(
    gate: UpdateGate, database: Database
) -> None:
    # Webhook deliveries run in parallel: 12 may come before 10 and 11.
    assert [await handled(gate, i) for i in (12, 10, 11)] == [True, True, True]
    assert await handled(gate, 11) is False  # Telegram sent it again
    assert await handled(gate, 10) is False
    again = UpdateGate(DatabaseChatState(database, SECRET))  # the bot restarted
    assert await handled(again, 12) is False
    assert await handled(again, 13) is True
    # A huge forged id does not make later real updates look like copies.
    assert await handled(again, 13 + 99_999) is True
    assert await handled(again, 14) is True


async def test_a_new_random_sequence_is_handled(gate: UpdateGate) -> None:
    # Telegram restarts update ids at random after a quiet week.
    assert await handled(gate, 50_000) is True
    assert await handled(gate, 30_000) is True


async def test_handlers_know_which_update_they_serve(gate: UpdateGate) -> None:
    await gate(_update(77), None)  # type: ignore[arg-type]
    assert CURRENT_UPDATE.get() == 77


class DownStore(DatabaseChatState):
    async def first_time(self, update_id: int) -> bool:
        raise ConnectionError("database down")


async def test_a_store_outage_lets_updates_through(database: Database) -> None:
    gate = UpdateGate(DownStore(database, SECRET))
    assert await handled(gate, 1) is True
