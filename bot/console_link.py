"""/console: a one-time link into the staff web console, in a private chat only.

The link (mps/console_login.py) works once, for 10 minutes; the bot sends it only
to staff or a headquarters analyst, only in their private chat (in a group others
could open it first), and without a link preview (a preview fetches the page).
"""

from __future__ import annotations

import logging

from telegram import Chat, LinkPreviewOptions, Update
from telegram.ext import ContextTypes

from bot.services import services, user_language
from bot.staff import not_a_person
from mps.console_login import LINK_LIFETIME, new_link
from mps.formatting import digits

logger = logging.getLogger(__name__)


async def on_console(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/console: the link for staff and analysts in a private chat; else why not."""
    svc = services(context)
    language = user_language(svc, update)
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    get = svc.catalogue.get
    if chat.type != Chat.PRIVATE:
        await message.reply_text(get("console_private_only", language))
        return
    token = None
    if not not_a_person(update):
        async with svc.database.sessions.begin() as session:
            token = await new_link(session, user.id, chat.id, language, svc.clock().now)
    if token is None:
        await message.reply_text(get("console_staff_only", language))
        return
    minutes = digits(str(int(LINK_LIFETIME.total_seconds() // 60)), language)
    await message.reply_text(
        get(
            "console_link",
            language,
            url=f"{svc.console_url}/console/login/{token}",
            minutes=minutes,
        ),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    logger.info("console link sent")
