"""Watching the staff chats: strangers added to a bound group, a group that became
a supergroup, the bot removed from or added back to a chat.

A new member who is not staff of the station triggers a warning in the chat
(cards are posted there) and an audit entry. Telegram sends both a `chat_member`
update (when the bot is an admin) and a service message for one addition, so a
warning is given once per person and chat within WARN_AGAIN_SECONDS.
"""

from __future__ import annotations

import logging
import time

from telegram import ChatMember, Update, User
from telegram.ext import ContextTypes

from bot.services import services
from mps.delivery import clear_failure, note_failure
from mps.staff import FAKE_USER_IDS, is_staff, station_of_chat
from mps.staff_admin import audit, migrate_chat

logger = logging.getLogger(__name__)
WARNED_KEY = "stranger_warnings"
WARN_AGAIN_SECONDS = 300.0
PRESENT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


async def warn_strangers(
    update: Update, context: ContextTypes.DEFAULT_TYPE, users: list[User]
) -> None:
    """Warn a bound chat once for each newcomer who is not staff of its station."""
    chat = update.effective_chat
    if chat is None or chat.type == chat.PRIVATE:
        return
    svc = services(context)
    warned: dict[tuple[int, int], float] = context.bot_data.setdefault(WARNED_KEY, {})
    now = time.monotonic()
    strangers = []
    async with svc.database.sessions.begin() as session:
        station = await station_of_chat(session, chat.id)
        if station is None:
            return
        for user in users:
            key = (chat.id, user.id)
            if user.id == context.bot.id or now - warned.get(key, -1e9) < WARN_AGAIN_SECONDS:
                continue
            warned[key] = now  # before any await: the twin update finds it taken
            if user.id not in FAKE_USER_IDS and await is_staff(session, user.id, station):
                continue
            strangers.append(user)
            await audit(
                session,
                svc.clock().now,
                "bot",
                "stranger_added",
                f"chat:{chat.id}",
                station,
                f"user:{user.id}",
            )
    if strangers:
        logger.warning("a non-staff member was added to a staff chat of %s", station)
        await chat.send_message(svc.catalogue.get("staff_stranger_added", svc.staff_language))
    for key in [k for k, at in warned.items() if now - at > WARN_AGAIN_SECONDS]:
        del warned[key]


async def on_new_members(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The service message "X added Y" (sent to the bot even when it is not admin)."""
    message = update.effective_message
    if message is not None and message.new_chat_members:
        await warn_strangers(update, context, list(message.new_chat_members))


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A `chat_member` update (the bot is an admin): someone joined or was added."""
    change = update.chat_member
    if change is None:
        return
    was, now = change.old_chat_member.status, change.new_chat_member.status
    if now in PRESENT and was not in PRESENT:
        await warn_strangers(update, context, [change.new_chat_member.user])


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was removed from a chat (no more cards there) or added back."""
    change, chat = update.my_chat_member, update.effective_chat
    if change is None or chat is None:
        return
    svc = services(context)
    async with svc.database.sessions.begin() as session:
        if change.new_chat_member.status in PRESENT:
            await clear_failure(session, chat.id)
        elif await station_of_chat(session, chat.id) is not None:
            await note_failure(session, chat.id, "BotRemoved", svc.clock().now)
            logger.warning("the bot was removed from a staff chat")


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its binding follows it to the new id."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    svc = services(context)
    async with svc.database.sessions.begin() as session:
        station = await migrate_chat(
            session, message.chat_id, message.migrate_to_chat_id, svc.clock().now
        )
    if station is not None:
        logger.info("a staff chat of %s moved to a supergroup", station)
