"""Delivers the outbox: staff cards, citizen updates, questions and answers.

Each outbox row was committed with the change that caused it, so nothing is
lost if the bot stops between the commit and the send: the next round (after
a restart too) finds it. A card or answer goes to each of its chats on its own
(mps.delivery.card_targets): a chat that fails does not hold up the others. A
chat where the bot was blocked or removed is recorded (`chat_failures`) and
skipped from then on, so the card goes to the station's other chats, or to the
triage queue when none is left; a group that became a supergroup is followed
to its new id. Each chat's copy is noted as soon as Telegram accepted it, so a
retry never repeats it. The one window left is a crash between Telegram's OK
and that note (a few milliseconds): then the message would be sent again.
With several replicas, each round first leases its rows (mps.outbox.claim_outbox),
so no two replicas send one row; a row is skipped if its lease ran out before
its turn. The lease leaves that one window as it was, and widens it only for a
replica killed mid-row: its rows wait until the lease (LEASE) runs out, then
another replica sends them from the last noted chat on (late, never lost).
A stop (post_stop) lets the row under way finish, so a restart does not open that
window; only a kill does.
Rows are sent as OUTBOX (bot.send_limits): a call waits at most a second for
its slot in Telegram's budgets; a slot further away, or a 429 pause seen by any
replica, holds the row back until then without counting an attempt. A 429 from
Telegram itself (its `retry_after` is a second or more, longer than the outbox
waits) comes back here and is honoured, counted as an attempt; other errors back off
exponentially, and after MAX_ATTEMPTS the row is a dead letter (in /queue and
`outbox dead`). A call-back nobody can receive is a dead letter at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot import callbacks
from bot.errors import retry_seconds
from bot.metrics import OUTBOX_DEAD, OUTBOX_DEPTH, OUTBOX_OVERDUE_SECONDS
from bot.report_cards import card_keyboard, card_text
from bot.send_limits import OUTBOX, HeldBack, sending_as
from bot.services import Services
from mps.claims import REPLICA, holds, release
from mps.contract import Reroute, StatusChange, decode_change
from mps.delivery import Targets, card_targets, clear_failure, note_failure
from mps.models import OutboxMessage, Report, Station
from mps.outbox import (
    claim_outbox,
    mark_dead,
    mark_failed,
    mark_sent,
    note_step,
    outbox_stats,
    postpone,
)
from mps.report_threads import cards_of, remember
from mps.staff_admin import migrate_chat

logger = logging.getLogger(__name__)
# Recomputing the targets after a chat was lost or moved, at most this often a round.
MAX_RETARGETS = 4


class NoStaffChat(LookupError):
    """Neither the report's station nor the triage queue has a chat to receive it."""


class Undeliverable(LookupError):
    """Nobody can ever receive this now (a call-back with no unit officer anywhere)."""


async def outbox_loop(
    bot: Bot, svc: Services, interval: float, stopping: asyncio.Event | None = None
) -> None:
    """Deliver due outbox rows every `interval` seconds until `stopping` is set (then
    after the row under way, so a stop never lands between a send and its note) or
    the task is cancelled."""
    stopping = stopping or asyncio.Event()
    while not stopping.is_set():
        try:
            await deliver_due(bot, svc, stopping=stopping)
            await refresh_gauges(svc)
        except Exception:
            logger.exception("outbox round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)


async def refresh_gauges(svc: Services) -> None:
    """Set the outbox gauges of /metrics from the table."""
    async with svc.database.sessions() as session:
        stats = await outbox_stats(session, svc.clock())
    OUTBOX_DEPTH.set(stats.waiting)
    OUTBOX_OVERDUE_SECONDS.set(stats.overdue_seconds)
    OUTBOX_DEAD.set(stats.dead)


async def deliver_due(
    bot: Bot, svc: Services, replica: str = REPLICA, stopping: asyncio.Event | None = None
) -> int:
    """One round: lease the due rows no other replica holds, try each once (until
    `stopping` is set); the number delivered."""
    async with svc.database.sessions.begin() as session:
        ids = await claim_outbox(session, svc.clock(), replica)
    delivered = 0
    try:
        with sending_as(OUTBOX):
            for message_id in ids:
                if stopping is not None and stopping.is_set():
                    break
                delivered += await deliver_one(bot, svc, message_id, replica)
    finally:
        async with svc.database.sessions.begin() as session:  # what is left is due again
            await release(session, OutboxMessage, ids, replica)
    return delivered


async def deliver_one(bot: Bot, svc: Services, message_id: int, replica: str = REPLICA) -> bool:
    """Send one outbox row leased to `replica`; record success, when to try again, or
    a dead letter."""
    async with svc.database.sessions() as session:
        message = await session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None or message.dead_at is not None:
            return False
        if not holds(message, svc.clock(), replica):
            return False  # the lease ran out: another replica may have the row now
        report = await session.get(Report, message.report_id)
        assert report is not None
        session.expunge_all()
    callback_card = message.kind == "staff_card" and report.category == "callback"
    try:
        if message.kind == "staff_card":
            await _send_card(bot, svc, message, report)
        elif message.kind == "citizen_update":
            await _send_update(bot, svc, message, report)
        elif message.kind == "question":
            await _send_question(bot, svc, message, report)
        elif message.kind == "answer":
            await _send_answer(bot, svc, message, report)
    except HeldBack as error:
        async with svc.database.sessions.begin() as session:
            await postpone(session, message.id, svc.clock(), retry_seconds(error))
        logger.info("outbox %s (%s) held back by Telegram's limits", message.id, message.kind)
        return False
    except RetryAfter as error:
        await _failed(svc, message, "429 Too Many Requests", retry_seconds(error))
        return False
    except (Undeliverable, Forbidden, BadRequest) as error:
        # Nobody can receive it (a call-back with no unit officer anywhere), or the
        # citizen blocked the bot: retrying will not help.
        if isinstance(error, TelegramError) and not _lost_for_good(error):
            return await _retry(bot, svc, message, report, error, callback_card)
        logger.warning(
            "outbox %s (%s) is a dead letter: %s", message.id, message.kind, type(error).__name__
        )
        async with svc.database.sessions.begin() as session:
            await mark_dead(session, message.id, svc.clock(), type(error).__name__)
        if callback_card:
            await callbacks.tell(bot, svc, report, delivered=False)
        return False
    except (TelegramError, NoStaffChat) as error:
        return await _retry(bot, svc, message, report, error, callback_card)
    async with svc.database.sessions.begin() as session:
        await mark_sent(session, message.id, svc.clock())
    logger.info("outbox %s delivered (%s)", message.id, message.kind)
    if callback_card:
        await callbacks.tell(bot, svc, report, delivered=True)
    return True


async def _retry(
    bot: Bot,
    svc: Services,
    message: OutboxMessage,
    report: Report,
    error: Exception,
    callback_card: bool,
) -> bool:
    """Back off and try later; after bounded attempts a dead letter (she is told)."""
    if await _failed(svc, message, type(error).__name__) and callback_card:
        await callbacks.tell(bot, svc, report, delivered=False)
    return False


async def _failed(
    svc: Services, message: OutboxMessage, error: str, retry_after: float | None = None
) -> bool:
    """Schedule a retry; whether the row became a dead letter instead."""
    async with svc.database.sessions.begin() as session:
        dead = await mark_failed(session, message, svc.clock(), error, retry_after)
    if dead:
        logger.warning(
            "outbox %s (%s) is a dead letter after %s attempts: %s",
            message.id,
            message.kind,
            message.attempts + 1,
            error,
        )
    else:
        logger.warning("outbox %s (%s) not delivered: %s", message.id, message.kind, error)
    return dead


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


def _lost_for_good(error: TelegramError) -> bool:
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
                if not _lost_for_good(error):
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


async def _send_card(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
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


async def _send_update(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
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


async def _send_question(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
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


async def _send_answer(bot: Bot, svc: Services, message: OutboxMessage, report: Report) -> None:
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
