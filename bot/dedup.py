"""Process each Telegram update once, even if Telegram sends it twice.

Every update id is recorded in the shared ChatState (Redis or the database)
for 48 hours, and a copy of one recorded is dropped: an exact set, so updates
that arrive out of order (webhook deliveries run in parallel) are all handled,
across restarts and replicas too. If the store cannot be reached the update is
handled anyway: a rare double answer is better than a dropped message.

An update the journal handed over from a replica that died (bot/journal.py) is let
through although its id was recorded: that replica saw it and did not finish it.

The gate also tells later handlers which update they serve (CURRENT_UPDATE),
so nothing older than an /exit is posted into the wiped chat.
"""

from __future__ import annotations

import logging
from collections.abc import Container

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.chat_state import CURRENT_UPDATE, ChatState

logger = logging.getLogger(__name__)


class UpdateGate:
    """Lets an update through once; later copies stop all handlers."""

    def __init__(self, state: ChatState, replays: Container[int] = frozenset()) -> None:
        self.state = state
        self.replays = replays  # ids handed over by the journal, not finished yet

    async def __call__(self, update_: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handler of the first group: stop a copy, else record its id."""
        update_id = update_.update_id
        CURRENT_UPDATE.set(update_id)
        try:
            first = await self.state.first_time(update_id)
        except Exception as error:  # the store is down: handle it rather than lose it
            logger.warning("update %s not checked for copies: %s", update_id, type(error).__name__)
            return
        if not first and update_id in self.replays:
            logger.info("update %s handed over unfinished: handled here", update_id)
        elif not first:
            logger.info("update %s seen before: skipped", update_id)
            raise ApplicationHandlerStop
