"""Delivers the outbox: staff cards, citizen updates, questions and answers.

Each outbox row was committed with the change that caused it, so nothing is
lost if the bot stops between the commit and the send: the next round (after
a restart too) finds it. A row is marked sent only after Telegram accepted
every message of it, and a card sent to one of several chats is noted at once,
so a retry never repeats it. The one window left is a crash between Telegram's
OK and that note (a few milliseconds): then the message would be sent again.
Telegram's 429 `retry_after` is honoured; other errors back off exponentially.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import update
from telegram import Bot, Message, ReplyParameters
from telegram.error import RetryAfter, TelegramError

from bot.errors import retry_seconds
from bot.report_cards import card_keyboard, card_text, station_name
from bot.services import Services
from mps.models import OutboxMessage, Report, Station
from mps.report_threads import card_chats, cards_of, remember
from mps.reports import due_outbox, mark_failed, mark_sent

logger = logging.getLogger(__name__)


class NoStaffChat(LookupError):
    """Neither the report's station nor the triage queue has a staff chat yet."""


async def outbox_loop(bot: Bot, svc: Services, interval: float) -> None:
    """Deliver due outbox rows every `interval` seconds until cancelled."""
    while True:
        try:
            await deliver_due(bot, svc)
        except Exception:
            logger.exception("outbox round failed")
        await asyncio.sleep(interval)


async def deliver_due(bot: Bot, svc: Services) -> int:
    """One round: try every due row once; the number delivered."""
    async with svc.database.sessions() as session:
        ids = [m.id for m in await due_outbox(session, svc.clock())]
    delivered = 0
    for message_id in ids:
        delivered += await deliver_one(bot, svc, message_id)
    return delivered


async def deliver_one(bot: Bot, svc: Services, message_id: int) -> bool:
    """Send one outbox row; record success, or when to try again."""
    async with svc.database.sessions() as session:
        message = await session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            return False
        report = await session.get(Report, message.report_id)
        assert report is not None
        session.expunge_all()
    try:
        if message.kind == "staff_card":
            await _send_card(bot, svc, message, report)
        elif message.kind == "citizen_update":
            await _send_update(bot, svc, message, report)
        elif message.kind == "question":
            await _send_question(bot, svc, message, report)
        elif message.kind == "answer":
            await _send_answer(bot, svc, message, report)
    except RetryAfter as error:
        await _failed(svc, message, "429 Too Many Requests", retry_seconds(error))
        return False
    except (TelegramError, NoStaffChat) as error:
        await _failed(svc, message, type(error).__name__)
        return False
    async with svc.database.sessions.begin() as session:
        await mark_sent(session, message.id, svc.clock())
    logger.info("outbox %s delivered (%s)", message.id, message.kind)
    return True


async def _failed(
    svc: Services, message: OutboxMessage, error: str, retry_after: float | None = None
) -> None:
    logger.warning("outbox %s (%s) not delivered: %s", message.id, message.kind, error)
    async with svc.database.sessions.begin() as session:
        await mark_failed(session, message, svc.clock(), error, retry_after)


def _done(message: OutboxMessage) -> set[str]:
    """The steps of a row already delivered ("card:<chat>", "photo:<chat>", …)."""
    steps = message.payload.get("done", [])
    return {str(s) for s in steps} if isinstance(steps, list) else set()


async def _note_done(svc: Services, message: OutboxMessage, step: str) -> None:
    """Remember a finished step of a row (a photo or card sent to one chat)."""
    done = [*_done(message), step]
    message.payload = {**message.payload, "done": done}
    async with svc.database.sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(payload=message.payload)
        )


async def _send_card(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    language = svc.staff_language
    async with svc.database.sessions() as session:
        chats = await card_chats(session, report)
        station = await session.get(Station, report.station_code)
    if not chats:
        raise NoStaffChat(report.station_code)
    text = card_text(report, station, svc.catalogue, language, svc.clock().zone)
    keyboard = card_keyboard(report, svc.catalogue, language)
    done = _done(message)
    for chat_id in chats:
        if report.photo_file_id and f"photo:{chat_id}" not in done:
            caption = svc.catalogue.get("card_photo_caption", language, reference=report.reference)
            await bot.send_photo(chat_id, report.photo_file_id, caption=caption)
            await _note_done(svc, message, f"photo:{chat_id}")
        if f"card:{chat_id}" not in done:
            sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
            async with svc.database.sessions.begin() as session:
                await remember(session, chat_id, sent.message_id, report.id, "card")
            await _note_done(svc, message, f"card:{chat_id}")


def citizen_update_text(svc: Services, report: Report, payload: dict[str, Any],
                        station: Station | None) -> str:  # fmt: skip
    """An update in the citizen's language: a new status (with the note) or a new station."""
    language = report.language
    what = str(payload.get("what", ""))
    if what.startswith("reroute:"):
        change = svc.catalogue.get("history_rerouted", language,
                                   station=station_name(station, language))  # fmt: skip
    else:
        change = svc.catalogue.get(f"status_{what.rsplit(':', 1)[-1]}", language)
    text = svc.catalogue.get("citizen_update", language, reference=report.reference, what=change)
    if payload.get("note"):
        text += "\n" + svc.catalogue.get("citizen_note", language, note=payload["note"])
    return text


async def _send_update(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    if report.chat_id is None:
        return  # filed without a reachable chat: nothing to deliver
    what = str(message.payload.get("what", ""))
    station = None
    if what.startswith("reroute:"):
        async with svc.database.sessions() as session:
            station = await session.get(Station, what.removeprefix("reroute:"))
    await bot.send_message(report.chat_id, citizen_update_text(svc, report, message.payload,
                                                               station))  # fmt: skip


async def _send_question(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    if report.chat_id is None:
        return
    text = svc.catalogue.get("citizen_question", report.language, reference=report.reference,
                             question=message.payload.get("text", ""))  # fmt: skip
    sent = await bot.send_message(report.chat_id, text)
    async with svc.database.sessions.begin() as session:
        await remember(session, report.chat_id, sent.message_id, report.id, "question")


async def _send_answer(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    """The citizen's answer, as a reply to the card in each of the station's chats."""
    async with svc.database.sessions() as session:
        chats = await card_chats(session, report)
        cards: dict[int, int] = {}
        for card in await cards_of(session, report.id):
            cards.setdefault(card.chat_id, card.message_id)  # the first card is the thread
    if not chats:
        raise NoStaffChat(report.station_code)
    text = svc.catalogue.get("staff_answer", svc.staff_language, reference=report.reference,
                             answer=message.payload.get("text", ""))  # fmt: skip
    done = _done(message)
    for chat_id in chats:
        if f"answer:{chat_id}" in done:
            continue
        reply = (
            ReplyParameters(cards[chat_id], allow_sending_without_reply=True)
            if chat_id in cards
            else None
        )
        sent: Message = await bot.send_message(chat_id, text, reply_parameters=reply)
        async with svc.database.sessions.begin() as session:
            await remember(session, chat_id, sent.message_id, report.id, "answer")
        await _note_done(svc, message, f"answer:{chat_id}")
