"""Delivers the outbox: staff cards, citizen updates, questions and answers.

Each outbox row was committed with the change that caused it, so nothing is
lost if the bot stops between the commit and the send: the next round (after
a restart too) finds it. What each kind sends, chat by chat, is in
bot/outbox_senders.py; each chat's copy is noted as soon as Telegram accepted
it, so a retry never repeats it. The one window left is a crash between
Telegram's OK and that note (a few milliseconds): then the message would be
sent again. With several replicas, each round first leases its rows
(mps.outbox.claim_outbox), so no two replicas send one row; a row is skipped
if its lease ran out before its turn. The lease leaves that one window as it
was, and widens it only for a replica killed mid-row: its rows wait until the
lease (LEASE) runs out, then another replica sends them from the last noted
chat on (late, never lost).
A stop (post_stop) lets the row under way finish, so a restart does not open that
window; only a kill does.
Rows are sent as OUTBOX (bot.send_limits): a call waits at most a second for
its slot in Telegram's budgets; a slot further away, or a 429 pause seen by any
replica, holds the row back until then without counting an attempt. A 429 from
Telegram itself (its `retry_after` is a second or more, longer than the outbox
waits) comes back here and is honoured, counted as an attempt; other errors back off
exponentially, and after MAX_ATTEMPTS the row is a dead letter (in /queue and
`outbox dead`). A call-back nobody can receive is a dead letter at once.
How the outbox stands (depth, oldest row, dead letters) is read only when
/metrics is (bot/outbox_metrics.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot import callbacks
from bot.errors import retry_seconds
from bot.outbox_senders import SENDERS, NoStaffChat, Undeliverable, lost_for_good
from bot.send_limits import OUTBOX, HeldBack, sending_as
from bot.services import Services
from mps.claims import REPLICA, holds, release
from mps.models import OutboxMessage, Report
from mps.outbox import claim_outbox, mark_dead, mark_failed, mark_sent, postpone

logger = logging.getLogger(__name__)


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
        except Exception:
            logger.exception("outbox round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)


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
        sender = SENDERS.get(message.kind)
        if sender is None:
            raise Undeliverable(message.kind)  # a kind this bot cannot send: a dead letter
        await sender(bot, svc, message, report)
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
        if isinstance(error, TelegramError) and not lost_for_good(error):
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
