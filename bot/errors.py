"""The one error handler: log with the traceback, answer politely."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.services import SERVICES_KEY, services, user_language
from bot.tracking_bot import ChatExited

logger = logging.getLogger(__name__)


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asks us to wait (python-telegram-bot gives seconds, or a
    timedelta when PTB_TIMEDELTA is set)."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (never the message text) and tell the user, if any."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, ChatExited):
        logger.info("update %s: nothing posted, the chat has exited", update_id)
        return
    logger.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if SERVICES_KEY not in context.application.bot_data:
        return  # failed before start-up finished: nobody to answer yet
    svc = services(context)
    language = user_language(svc, update)
    with contextlib.suppress(TelegramError):
        await update.effective_chat.send_message(svc.catalogue.get("error", language))
