"""Which kinds of update the bot asks Telegram for, and a guard dropping the rest.

Telegram sends only the kinds listed in `allowed_updates` (polling and webhook
alike); the guard also drops any other kind that reaches the bot, so an edited
message never runs a command or reaches Rasa a second time.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.metrics import UPDATES_IN

# Add a kind here together with the handler that uses it.
# Messages and button presses; member changes of staff chats (strangers added,
# the bot removed or a group upgraded: bot/staff_watch.py).
ALLOWED_UPDATES: list[str] = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.CHAT_MEMBER,
    Update.MY_CHAT_MEMBER,
]


async def only_allowed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop every update whose kind is not in ALLOWED_UPDATES; count the others."""
    if not any(getattr(update, kind, None) is not None for kind in ALLOWED_UPDATES):
        raise ApplicationHandlerStop
    UPDATES_IN.labels(update_kind(update)).inc()


def update_kind(update: Update) -> str:
    """An allowed update's kind for the metrics: message, callback or member."""
    if update.message is not None:
        return "message"
    if update.callback_query is not None:
        return "callback"
    return "member"
