"""A hand-off as staff see it (the card's text and buttons, in the staff language),
and the bot's work on hand-off rows, done by whichever replica leases the row
(mps.handoff.claim_work): cards sent to the station's chats, cards redrawn after a
take, a re-route or the end, the goodbye after a timeout, and a discreet one wiped
from the staff chats and deleted. A step that fails keeps its flag and is tried
again next round; one that is done clears it. The loop also closes idle hand-offs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import update
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import TelegramError

from bot.handoff_buttons import citizen_keyboard
from bot.services import Services
from mps.catalogue import Catalogue
from mps.claims import REPLICA, claim, holds, release
from mps.contract import HandoffAction, HandoffPress
from mps.delivery import card_targets
from mps.formatting import day_text, digits, time_text
from mps.handoff import (
    LEASE,
    claim_work,
    expire_idle,
    forget,
    is_open,
    remember,
    thread,
    work_done,
)
from mps.handoff_hours import periods, staffed_at
from mps.models import Handoff, HandoffMessage, Station
from mps.staff import numbers_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class View:
    """What a card shows, read from the database in one go."""

    handoff: Handoff
    station: Station
    targets: list[int]  # the chats whose card carries buttons now
    at_triage: bool
    who: str  # the owner as "staff #N", or ""
    cards: list[HandoffMessage]


async def read_view(svc: Services, handoff_id: int) -> View | None:
    """The hand-off and what its cards need; None if it is gone."""
    async with svc.database.sessions() as session:
        handoff = await session.get(Handoff, handoff_id)
        if handoff is None:
            return None
        station = await session.get(Station, handoff.station_code)
        assert station is not None
        targets = await card_targets(session, handoff)
        who = await owner_name(svc, handoff.owner_user)
        cards = await thread(session, handoff_id, "card")
        session.expunge_all()
    return View(handoff, station, targets.chats, targets.at_triage, who, cards)


async def owner_name(svc: Services, user: int | None) -> str:
    """A staff member as cards name them: "staff #7", never a Telegram id."""
    if user is None:
        return ""
    async with svc.database.sessions() as session:
        number = (await numbers_of(session, {user})).get(user)
    if number is None:
        return ""
    language = svc.staff_language
    return svc.catalogue.get("staff_number", language, number=digits(str(number), language))


def _at(svc: Services, moment: dt.datetime | None) -> str:
    assert moment is not None
    local = moment.astimezone(svc.clock().zone)
    return time_text(local.time(), svc.staff_language)


def _state(svc: Services, view: View, here: bool) -> str:
    """The card's status line."""
    handoff, get, language = view.handoff, svc.catalogue.get, svc.staff_language
    if handoff.status == "closed":
        key = {
            "staff": "handoff_state_staff",
            "timeout": "handoff_state_timeout",
        }.get(handoff.closed_by or "", "handoff_state_citizen")
        return get(key, language, at=_at(svc, handoff.closed_at))
    if not here:
        name = view.station.display_name(language)
        return get("handoff_state_rerouted", language, station=name)
    if handoff.status == "taken":
        return get(
            "handoff_state_taken", language, who=view.who or "—", at=_at(svc, handoff.taken_at)
        )
    return get("handoff_state_waiting", language)


def card_text(svc: Services, view: View, here: bool = True) -> str:
    """The card: number, station, language, when, status, the question or "discreet";
    never the citizen's id or name, never the officer's."""
    handoff, texts, language = view.handoff, svc.catalogue, svc.staff_language
    zone = svc.clock().zone
    opened = handoff.opened_at.astimezone(zone)
    number = digits(str(handoff.id), language)
    parts = [texts.get("handoff_card_title", language, number=number)]
    if view.at_triage:
        parts.append(texts.get("handoff_card_triage", language))
    parts.append(
        texts.get(
            "handoff_card_body",
            language,
            station=view.station.display_name(language),
            citizen_language=texts.get("language_name", handoff.language),
            opened=f"{day_text(opened.date(), language, short=True)} "
            f"{time_text(opened.time(), language)}",
            state=_state(svc, view, here),
        )
    )
    if handoff.sensitive:
        parts.append(texts.get("handoff_card_discreet", language))
    elif handoff.question:
        parts.append(texts.get("handoff_card_question", language, question=handoff.question))
    elif is_open(handoff):
        parts.append(texts.get("handoff_card_no_question", language))
    if not staffed_at(periods(view.station.staffed_hours), opened):
        parts.append(texts.get("handoff_card_later", language))
    if is_open(handoff) and here:
        parts.append(texts.get("handoff_card_hint", language))
    return "\n\n".join(parts)


def card_keyboard(handoff: Handoff, texts: Catalogue, language: str) -> InlineKeyboardMarkup:
    """Take (while it waits), Re-route and Close."""

    def button(key: str, action: HandoffAction) -> InlineKeyboardButton:
        data = HandoffPress(action, handoff.id).encode()
        return InlineKeyboardButton(texts.get(key, language), callback_data=data)

    row = [button("btn_handoff_route", HandoffAction.ROUTE)]
    row.append(button("btn_handoff_close", HandoffAction.CLOSE))
    first = [button("btn_handoff_take", HandoffAction.TAKE)] if handoff.status == "waiting" else []
    return InlineKeyboardMarkup([r for r in (first, row) if r])


async def handoff_loop(
    bot: Bot, svc: Services, interval: float, stopping: asyncio.Event | None = None
) -> None:
    """Close idle hand-offs and do the work due, every `interval` seconds, until
    `stopping` is set (then after the row under way: stopped between Telegram's OK and
    the note of it, a relayed message would be sent again after the restart)."""
    stopping = stopping or asyncio.Event()
    while not stopping.is_set():
        try:
            async with svc.database.sessions.begin() as session:
                await expire_idle(session, svc.clock())
            await work_due(bot, svc, stopping=stopping)
        except Exception:
            logger.exception("hand-off round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)


async def work_due(
    bot: Bot, svc: Services, replica: str = REPLICA, stopping: asyncio.Event | None = None
) -> None:
    """Lease the rows with work due (none another replica holds) and do it (until
    `stopping` is set; what is left is due again)."""
    async with svc.database.sessions.begin() as session:
        ids = await claim_work(session, svc.clock(), replica)
    try:
        for handoff_id in ids:
            if stopping is not None and stopping.is_set():
                break
            await work_on(bot, svc, handoff_id, replica)
    finally:
        async with svc.database.sessions.begin() as session:
            await release(session, Handoff, ids, replica)


async def work_now(bot: Bot, svc: Services, handoff_id: int) -> None:
    """Do a row's work at once (after a change in a handler), if no replica holds it;
    whatever is left, the loop does."""
    clock = svc.clock()
    async with svc.database.sessions.begin() as session:
        ids = await claim(
            session, Handoff, [Handoff.id == handoff_id], [Handoff.id], clock, REPLICA, LEASE, 1
        )
    try:
        for found in ids:
            await work_on(bot, svc, found, REPLICA)
    finally:
        async with svc.database.sessions.begin() as session:
            await release(session, Handoff, ids, REPLICA)


async def work_on(bot: Bot, svc: Services, handoff_id: int, replica: str = REPLICA) -> None:
    """The work flagged on one leased row, step by step."""
    view = await read_view(svc, handoff_id)
    if view is None or not holds(view.handoff, svc.clock(), replica):
        return
    handoff = view.handoff
    if handoff.cards_due and is_open(handoff):
        if await _send_cards(bot, svc, view):
            await _done(svc, handoff, cards_due=False)
        view = await read_view(svc, handoff_id) or view
    elif handoff.cards_due:
        await _done(svc, handoff, cards_due=False)
    if handoff.redraw_due and not (handoff.sensitive and not is_open(handoff)):
        await _redraw(bot, svc, view)
        if not is_open(handoff) and not handoff.sensitive:
            await _tell_thread(bot, svc, view)
        await _done(svc, handoff, redraw_due=False)
    if handoff.farewell_due and handoff.chat_id is not None:
        await _farewell(bot, svc, view)
    if handoff.sensitive and not is_open(handoff):
        await wipe_discreet(bot, svc, handoff_id)


async def _done(svc: Services, handoff: Handoff, **flags: bool) -> None:
    async with svc.database.sessions.begin() as session:
        await work_done(session, handoff, **flags)


async def _send_cards(bot: Bot, svc: Services, view: View) -> bool:
    """A card to every target chat that has none yet; whether every one went out."""
    have = {c.chat_id for c in view.cards}
    text = card_text(svc, view)
    keyboard = card_keyboard(view.handoff, svc.catalogue, svc.staff_language)
    complete = bool(view.targets)
    for chat_id in view.targets:
        if chat_id in have:
            continue
        try:
            sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
        except TelegramError as error:
            logger.warning("hand-off card not sent: %s", type(error).__name__)
            complete = False
            continue
        async with svc.database.sessions.begin() as session:
            await remember(session, chat_id, sent.message_id, view.handoff.id, "card")
    if not view.targets:
        logger.warning("hand-off %s: nobody can receive its card yet", view.handoff.id)
    return complete


async def _redraw(bot: Bot, svc: Services, view: View) -> None:
    """Every card as it stands now: buttons only where the hand-off is open and still
    belongs (a card left at a station it was passed away from shows where it went)."""
    for card in view.cards:
        here = card.chat_id in view.targets
        keyboard = (
            card_keyboard(view.handoff, svc.catalogue, svc.staff_language)
            if here and is_open(view.handoff)
            else None
        )
        with contextlib.suppress(TelegramError):  # an old card may be gone
            await bot.edit_message_text(
                card_text(svc, view, here), card.chat_id, card.message_id, reply_markup=keyboard
            )


def thread_chats(view: View) -> list[int]:
    """Where the thread is now: the owner's chat once taken, else the chats its card
    goes to (with or before the card)."""
    if view.handoff.owner_chat is not None:
        return [view.handoff.owner_chat]
    return list(view.targets)


async def _tell_thread(bot: Bot, svc: Services, view: View) -> None:
    """A line under the card that it ended (an edited card is easy to miss)."""
    language = svc.staff_language
    text = svc.catalogue.get(
        "handoff_ended_note",
        language,
        number=digits(str(view.handoff.id), language),
        state=_state(svc, view, True),
    )
    cards = {c.chat_id: c.message_id for c in view.cards}
    for chat_id in thread_chats(view) or sorted(cards):
        with contextlib.suppress(TelegramError):
            reply = ReplyParameters(cards[chat_id], allow_sending_without_reply=True)
            await bot.send_message(
                chat_id, text, reply_parameters=reply if chat_id in cards else None
            )


async def _farewell(bot: Bot, svc: Services, view: View) -> None:
    """After a timeout: tell the citizen, then let the chat go."""
    handoff = view.handoff
    assert handoff.chat_id is not None
    text = svc.catalogue.get(
        "handoff_timeout_citizen",
        handoff.language,
        station=view.station.display_name(handoff.language),
    )
    keyboard = citizen_keyboard(svc, handoff, ended=True)
    try:
        await bot.send_message(handoff.chat_id, text, reply_markup=keyboard)
    except TelegramError as error:  # blocked, or she left with /exit: nothing to say
        logger.info("hand-off goodbye not sent: %s", type(error).__name__)
    async with svc.database.sessions.begin() as session:
        await session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id)
            .values(chat_id=None, farewell_due=False)
            .execution_options(synchronize_session=False)
        )


async def wipe_discreet(bot: Bot, svc: Services, handoff_id: int) -> None:
    """A discreet hand-off ended: delete its rows (ids of its staff-chat messages
    taken first), then those messages from the officers' chats."""
    async with svc.database.sessions.begin() as session:
        messages = await thread(session, handoff_id)
        await forget(session, handoff_id)
    await delete_thread(bot, svc, handoff_id, messages)


async def delete_thread(
    bot: Bot, svc: Services, handoff_id: int, messages: list[HandoffMessage]
) -> None:
    """Delete a discreet hand-off's messages from the officers' private chats (the bot
    may delete both sides there: its card and relays, their replies) and say so."""
    chats: dict[int, list[int]] = {}
    for message in messages:
        chats.setdefault(message.chat_id, []).append(message.message_id)
    language = svc.staff_language
    note = svc.catalogue.get(
        "handoff_discreet_removed", language, number=digits(str(handoff_id), language)
    )
    for chat_id, ids in chats.items():
        with contextlib.suppress(TelegramError):
            for start in range(0, len(ids), 100):
                await bot.delete_messages(chat_id, ids[start : start + 100])
            await bot.send_message(chat_id, note)
    logger.info("discreet hand-off wiped (%d messages)", len(messages))
