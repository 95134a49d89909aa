"""Process each Telegram update once, even if Telegram sends it twice.

The last processed `update_id` is kept in memory and in the database (table
bot_state), so a restart does not process again what was done before it.
The check and the new value happen without a pause in between, so updates
handled concurrently cannot slip past it.

Telegram picks a new, random starting id after a week without updates, so an
id far below the last one is a new sequence, not a copy: only ids within
`WINDOW` below the last one count as seen.
"""

from __future__ import annotations

import logging

from sqlalchemy import BigInteger, cast, update
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from mps.database import Database
from mps.models import BotState

logger = logging.getLogger(__name__)
KEY = "last_update_id"
WINDOW = 10_000


class UpdateGate:
    """Lets an update through once; later copies stop all handlers."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.last = -1

    async def load(self) -> None:
        """Read the last processed update id (create the row the first time)."""
        async with self.database.sessions.begin() as session:
            row = await session.get(BotState, KEY)
            if row is None:
                session.add(BotState(key=KEY, value="-1"))
            else:
                self.last = int(row.value)

    async def __call__(self, update_: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handler of the first group: stop a copy, else record its id."""
        update_id = update_.update_id
        if self.last - WINDOW < update_id <= self.last:
            logger.info("update %s seen before: skipped", update_id)
            raise ApplicationHandlerStop
        restart = update_id <= self.last  # a new sequence
        self.last = update_id
        async with self.database.sessions.begin() as session:
            stored = cast(BotState.value, BigInteger)
            # Raised only (concurrent writes may land out of order), unless a new sequence.
            await session.execute(
                update(BotState)
                .where(BotState.key == KEY, (stored < update_id) | (stored - WINDOW >= update_id))
                .values(value=str(update_id))
            )
            if restart:
                logger.info("update ids restarted at %s", update_id)
