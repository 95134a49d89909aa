"""The one error handler: log with the traceback, answer politely."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.services import SERVICES_KEY, services

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (never the message text) and tell the user, if any."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if SERVICES_KEY not in context.application.bot_data:
        return  # failed before start-up finished: nobody to answer yet
    svc = services(context)
    user = update.effective_user
    language = svc.users.language(user.id, user.language_code) if user else "en"
    with contextlib.suppress(TelegramError):
        await update.effective_chat.send_message(svc.catalogue.get("error", language))
