"""What each kind of outbox row sends: a staff card, a citizen update, a question to
the citizen, the citizen's answer under the card, the cards redrawn after a change
in the staff console (bot/outbox.py decides when).

A card or answer goes to each of its chats on its own (mps.delivery.card_targets):
a chat that fails does not hold up the others. A chat where the bot was blocked or
removed is recorded (`chat_failures`) and skipped from then on, so the card goes to
the station's other chats, or to the triage queue when none is left; a group that
became a supergroup is followed to its new id. Each chat's copy is noted in the
row's payload as soon as Telegram accepted it, so a retry never repeats it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.report_cards import card_keyboard, redraw_cards
from bot.services import Services
from mps.contract import Reroute, StatusChange, decode_change
from mps.delivery import Targets, card_targets, clear_failure, note_failure
from mps.models import OutboxMessage, Report, Station
from mps.outbox import note_step
from mps.report_card import card_text
from mps.report_threads import cards_of, remember
from mps.staff_admin import migrate_chat

logger = logging.getLogger(__name__)
# Recomputing the targets after a chat was lost or moved, at most this often a round.
MAX_RETARGETS = 4
Sender = Callable[[Bot, Services, OutboxMessage, Report], Awaitable[None]]


class NoStaffChat(LookupError):
    """Neither the report's station nor the triage queue has a chat to receive it."""


class Undeliverable(LookupError):
    """Nobody can ever receive this now (a call-back with no unit officer anywhere)."""


def _done(message: OutboxMessage) -> set[str]:
    """The steps of a row already delivered ("card:<chat>", "photo:<chat>", …)."""
    steps = message.payload.get("done", [])
    return {str(s) for s in steps} if isinstance(steps, list) else set()


async def _note_done(svc: Services, message: OutboxMessage, step: str) -> None:
    """Remember a finished step of a row (a photo or card sent to one chat)."""
    done = [*_done(message), step]
    message.payload = {**message.payload, "done": done}
    async with svc.database.sessions.begin() as session:
        await note_step(session, message.id, message.payload)


def lost_for_good(error: TelegramError) -> bool:
    """The bot was blocked or removed, or the chat is gone: retrying will not help."""
    return isinstance(error, Forbidden) or (
        isinstance(error, BadRequest) and "chat not found" in error.message.lower()
    )


async def _to_each_chat(
    svc: Services,
    message: OutboxMessage,
    report: Report,
    step: str,
    send: Callable[[int, Targets], Awaitable[None]],
) -> None:
    """Run `send` for every chat of the report's targets that has not had it yet,
    each on its own. A chat lost for good is recorded and the targets recomputed (the
    station's other chats, else triage); a moved group is followed. Raises the first
    passing error once every chat was tried (the row is retried later), NoStaffChat
    when nobody can receive it yet, Undeliverable when nobody ever will."""
    transient: TelegramError | None = None
    for _ in range(MAX_RETARGETS):
        async with svc.database.sessions() as session:
            targets = await card_targets(session, report)
        if not targets.chats:
            if report.category == "callback":
                raise Undeliverable(report.station_code)
            raise NoStaffChat(report.station_code)
        pending = [c for c in targets.chats if f"{step}:{c}" not in _done(message)]
        retarget = False
        for chat_id in pending:
            try:
                await send(chat_id, targets)
            except RetryAfter:
                raise
            except ChatMigrated as error:
                async with svc.database.sessions.begin() as session:
                    await migrate_chat(session, chat_id, error.new_chat_id, svc.clock().now)
                logger.warning("staff chat moved to a supergroup; binding followed")
                retarget = True
            except TelegramError as error:
                if not lost_for_good(error):
                    transient = transient or error
                    continue
                async with svc.database.sessions.begin() as session:
                    await note_failure(session, chat_id, type(error).__name__, svc.clock().now)
                logger.warning("a staff chat cannot be reached (%s)", type(error).__name__)
                retarget = True
            else:
                async with svc.database.sessions.begin() as session:
                    await clear_failure(session, chat_id)
        if not retarget:
            break
    else:
        raise NoStaffChat(report.station_code)  # still moving: the next round goes on
    if transient is not None:
        raise transient


async def send_card(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    """The report's card (its photo first, if any) to each staff chat it goes to."""
    language = svc.staff_language
    async with svc.database.sessions() as session:
        station = await session.get(Station, report.station_code)
    keyboard = card_keyboard(report, svc.catalogue, language)

    async def send(chat_id: int, targets: Targets) -> None:
        done = _done(message)
        if report.photo_file_id and f"photo:{chat_id}" not in done:
            caption = svc.catalogue.get("card_photo_caption", language, reference=report.reference)
            await bot.send_photo(chat_id, report.photo_file_id, caption=caption)
            await _note_done(svc, message, f"photo:{chat_id}")
        text = card_text(
            report, station, svc.catalogue, language, svc.clock().zone, at_triage=targets.at_triage
        )
        sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
        async with svc.database.sessions.begin() as session:
            await remember(session, chat_id, sent.message_id, report.id, "card")
        await _note_done(svc, message, f"card:{chat_id}")

    await _to_each_chat(svc, message, report, "card", send)


def citizen_update_text(
    svc: Services, report: Report, payload: dict[str, Any], station: Station | None
) -> str:
    """An update in the citizen's language: a new status (with the note) or a new station."""
    language = report.language
    match decode_change(str(payload.get("what", ""))):
        case Reroute():
            name = station.display_name(language) if station else "?"
            change = svc.catalogue.get("history_rerouted", language, station=name)
        case StatusChange(new=status):
            change = svc.catalogue.choice("status", status, language)
        case None:
            raise ValueError("not a citizen update")
    text = svc.catalogue.get("citizen_update", language, reference=report.reference, what=change)
    if payload.get("note"):
        text += "\n" + svc.catalogue.get("citizen_note", language, note=payload["note"])
    return text


async def send_update(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    """A new status or station, to the citizen who agreed to updates."""
    if report.chat_id is None:
        return  # filed without a reachable chat: nothing to deliver
    change = decode_change(str(message.payload.get("what", "")))
    station = None
    if isinstance(change, Reroute):
        async with svc.database.sessions() as session:
            station = await session.get(Station, change.station)
    await bot.send_message(
        report.chat_id, citizen_update_text(svc, report, message.payload, station)
    )


async def send_question(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    """A staff question, to the citizen (remembered, so her reply finds the report)."""
    if report.chat_id is None:
        return
    text = svc.catalogue.get(
        "citizen_question",
        report.language,
        reference=report.reference,
        question=message.payload.get("text", ""),
    )
    sent = await bot.send_message(report.chat_id, text)
    async with svc.database.sessions.begin() as session:
        await remember(session, report.chat_id, sent.message_id, report.id, "question")


async def send_answer(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    """The citizen's answer, as a reply to the card in each chat that gets the card."""
    async with svc.database.sessions() as session:
        cards: dict[int, int] = {}
        for card in await cards_of(session, report.id):
            cards.setdefault(card.chat_id, card.message_id)  # the first card is the thread
    text = svc.catalogue.get(
        "staff_answer",
        svc.staff_language,
        reference=report.reference,
        answer=message.payload.get("text", ""),
    )

    async def send(chat_id: int, targets: Targets) -> None:
        reply = (
            ReplyParameters(cards[chat_id], allow_sending_without_reply=True)
            if chat_id in cards
            else None
        )
        sent: Message = await bot.send_message(chat_id, text, reply_parameters=reply)
        async with svc.database.sessions.begin() as session:
            await remember(session, chat_id, sent.message_id, report.id, "answer")
        await _note_done(svc, message, f"answer:{chat_id}")

    await _to_each_chat(svc, message, report, "answer", send)


async def send_redraw(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
    """Redraw the report's cards after a change made in the staff console (the bot is
    the one process that talks to Telegram)."""
    if report.reference is not None:
        await redraw_cards(bot, svc, report.reference)


# The sender of each kind of row (mps.reports and mps.report_threads write them).
SENDERS: dict[str, Sender] = {
    "staff_card": send_card,
    "citizen_update": send_update,
    "question": send_question,
    "answer": send_answer,
    "card_redraw": send_redraw,
}
