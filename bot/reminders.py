"""The periodic job that sends Open House reminders the day before.

Reminders live in the database (`bookings.remind_at`, `reminded_at`), so a
restart loses none: whatever came due while the bot was down goes out on the
next round. A reminder is marked sent right after Telegram accepts it; only a
crash in between those two steps could repeat one. With several replicas, each
round first leases its reminders (mps.reminders.claim_reminders), so no two
replicas send one; the round stops if its lease ran out. The lease leaves that
one window as it was (a stop lets the reminder under way finish: only a kill
opens it); a replica killed mid-round delays its reminders until the
lease (LEASE) runs out, then another replica sends them (late, never lost).
Reminders are sent as REMINDER (bot.send_limits): a slot in Telegram's budgets
more than a second away, a 429 pause or a 429 ends the round; the rest go out
in a later one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.errors import retry_seconds
from bot.send_limits import REMINDER, sending_as
from bot.services import SERVICES_KEY, Services
from mps.claims import REPLICA, holds, release
from mps.formatting import day_text, digits, time_text
from mps.models import Booking
from mps.reminders import claim_reminders, mark_reminded

logger = logging.getLogger(__name__)


def reminder_text(svc: Services, booking: Booking) -> str:
    """The reminder in the language the booking was made in."""
    language = booking.language
    event = booking.event
    station = event.station
    return svc.catalogue.get(
        "reminder",
        language,
        station=station.display_name(language),
        date=day_text(event.day, language),
        start=time_text(event.start, language),
        end=time_text(event.end, language),
        code=booking.code,
        party=digits(str(booking.party_size), language),
    )


async def send_due(
    application: Application[Any, Any, Any, Any, Any, Any],
    replica: str = REPLICA,
    stopping: asyncio.Event | None = None,
) -> int:
    """Send every due reminder no other replica holds (until `stopping` is set);
    returns how many went out."""
    svc = application.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)
    clock = svc.clock()
    async with svc.database.sessions.begin() as session:
        due = await claim_reminders(session, clock, replica)
    try:
        with sending_as(REMINDER):  # held back or refused: the rest wait for a later round
            return await _send(application, svc, due, replica, stopping or asyncio.Event())
    finally:
        async with svc.database.sessions.begin() as session:  # what is left is due again
            await release(session, Booking, [b.id for b in due], replica)


async def _send(
    application: Application[Any, Any, Any, Any, Any, Any],
    svc: Services,
    due: list[Booking],
    replica: str,
    stopping: asyncio.Event,
) -> int:
    """Send the leased reminders in turn, while the lease holds and nobody stops the
    bot; how many went out."""
    clock = svc.clock()
    sent = 0
    for booking in due:
        assert booking.chat_id is not None
        if not holds(booking, svc.clock(), replica) or stopping.is_set():
            break  # the lease ran out (another replica may have these now), or a stop
        button = InlineKeyboardButton(
            svc.catalogue.get("menu_bookings", booking.language),
            callback_data=svc.buttons.put(booking.chat_id, "/my_bookings"),
        )
        await svc.buttons.flush()  # shared before it can be pressed, through any replica
        try:
            await application.bot.send_message(
                booking.chat_id,
                reminder_text(svc, booking),
                reply_markup=InlineKeyboardMarkup([[button]]),
            )
        except RetryAfter as error:  # Telegram's 429, or held back by its budgets
            wait = retry_seconds(error)
            logger.warning("reminders: held back %.1f s; the rest next round", wait)
            break
        except Forbidden:
            logger.info("reminders: booking %s: the user blocked the bot", booking.id)
        except TelegramError as error:
            logger.warning("reminders: booking %s not sent (%s); will retry", booking.id, error)
            continue
        async with svc.database.sessions.begin() as session:
            await mark_reminded(session, booking.id, clock)
        sent += 1
    return sent


async def reminder_loop(
    application: Application[Any, Any, Any, Any, Any, Any],
    interval: float,
    stopping: asyncio.Event | None = None,
) -> None:
    """Check for due reminders every `interval` seconds until `stopping` is set (then
    after the reminder under way) or the task is cancelled."""
    stopping = stopping or asyncio.Event()
    while not stopping.is_set():
        try:
            count = await send_due(application, stopping=stopping)
            if count:
                logger.info("reminders: sent %d", count)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("reminders: round failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)
