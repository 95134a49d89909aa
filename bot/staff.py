"""Staff commands: /join CODE binds a chat to a station; /attendees, /checkin, /events.

Staff are people: a message from an anonymous group admin, a channel ("send
as channel"), a bot or one of Telegram's shared service ids never counts as a
staff member's, and /join refuses chats anyone can read (public groups,
channels, groups linked to a channel).
"""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.services import Services, services, user_language
from mps.bookings import upcoming_events
from mps.checkin import attendees, check_in, check_in_text
from mps.codes import clean_code
from mps.delivery import clear_failure
from mps.formatting import day_text, digits, time_text
from mps.models import Station
from mps.staff import FAKE_USER_IDS, JoinResult, is_staff, join, station_of_chat

logger = logging.getLogger(__name__)

# What /join says when it binds no station.
JOIN_REFUSED = {
    JoinResult.UNKNOWN: "join_unknown",
    JoinResult.EXPIRED: "join_expired",
    JoinResult.USED: "join_used",
    JoinResult.BOUND_ELSEWHERE: "join_bound_elsewhere",
    JoinResult.NOT_A_PERSON: "join_not_a_person",
    JoinResult.JOINED_HQ: "join_hq_ok",
    JoinResult.PRIVATE_ONLY: "join_hq_private_only",
}


async def _reply(update: Update, text: str) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text)


def not_a_person(update: Update) -> bool:
    """Whether the sender is not one identifiable person (anonymous admin, channel,
    bot, Telegram's service ids)."""
    user, message = update.effective_user, update.effective_message
    if user is None or user.is_bot or user.id in FAKE_USER_IDS:
        return True
    return message is not None and message.sender_chat is not None


async def _open_to_all(chat: Chat, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether people outside the station can read the chat: a channel, a public
    group (it has a username) or a group linked to a channel. Unknown: yes."""
    if chat.type == Chat.PRIVATE:
        return False
    if chat.type == Chat.CHANNEL or chat.username:
        return True
    try:
        full = await context.bot.get_chat(chat.id)
    except TelegramError as error:
        logger.warning("/join: chat details unavailable (%s)", type(error).__name__)
        return True
    return bool(full.username or full.linked_chat_id)


async def on_join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/join CODE: bind this chat to the code's station and enrol the sender as staff."""
    svc = services(context)
    language = user_language(svc, update)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if not context.args:
        await _reply(update, svc.catalogue.get("join_usage", language))
        return
    if not_a_person(update):
        await _reply(update, svc.catalogue.get("join_not_a_person", language))
        return
    if await _open_to_all(chat, context):
        await _reply(update, svc.catalogue.get("join_public_chat", language))
        return
    async with svc.database.sessions.begin() as session:
        result, code = await join(session, context.args[0], chat.id, user.id, svc.clock().now)
        station = await session.get(Station, code) if code else None
    if result is JoinResult.JOINED and station is not None:
        name = station.display_name(language)
        await _reply(update, svc.catalogue.get("join_ok", language, station=name))
    else:  # refused, or a headquarters analyst (bound to no station)
        await _reply(update, svc.catalogue.get(JOIN_REFUSED[result], language))


async def staff_station(update: Update, svc: Services, language: str) -> Station | None:
    """The chat's station if the sender is its staff; else say why not."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    async with svc.database.sessions.begin() as session:
        await clear_failure(session, chat.id)  # someone is here: the chat works again
        code = await station_of_chat(session, chat.id)
        if code is None:
            await _reply(update, svc.catalogue.get("staff_not_bound", language))
            return None
        if not_a_person(update) or not await is_staff(session, user.id, code):
            await _reply(update, svc.catalogue.get("staff_only", language))
            return None
        return await session.get(Station, code)


async def staff_turn(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[Services, str, Station] | None:
    """The services, the sender's language and the chat's station, if the sender is
    its staff; else None, once the sender has been told why not."""
    svc = services(context)
    language = user_language(svc, update)
    station = await staff_station(update, svc, language)
    return None if station is None else (svc, language, station)


async def on_attendees(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/attendees: the bookings of the station's next Open House event."""
    if (turn := await staff_turn(update, context)) is None:
        return
    svc, language, station = turn
    name = station.display_name(language)
    async with svc.database.sessions() as session:
        event, bookings = await attendees(session, station.code, svc.clock())
    get = svc.catalogue.get
    if event is None:
        await _reply(update, get("attendees_none", language, station=name))
        return
    arrived = [b for b in bookings if b.checked_in_at is not None]
    lines = [
        get(
            "attendees_header",
            language,
            station=name,
            date=day_text(event.day, language),
            start=time_text(event.start, language),
            end=time_text(event.end, language),
            bookings=digits(str(len(bookings)), language),
            people=digits(str(sum(b.party_size for b in bookings)), language),
            capacity=digits(str(event.capacity), language),
            arrived=digits(str(len(arrived)), language),
        )
    ]
    for booking in bookings:
        state = "attendee_arrived" if booking.checked_in_at else "attendee_expected"
        lines.append(
            get(
                "attendee_line",
                language,
                code=booking.code,
                party=digits(str(booking.party_size), language),
                state=get(state, language),
            )
        )
    await _reply(update, "\n".join(lines))


async def on_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin CODE: let a visitor in, once, on the day, at this station only."""
    if (turn := await staff_turn(update, context)) is None:
        return
    svc, language, station = turn
    if not context.args:
        await _reply(update, svc.catalogue.get("checkin_usage", language))
        return
    code = clean_code("".join(context.args))
    clock = svc.clock()
    async with svc.database.sessions.begin() as session:
        result, booking = await check_in(session, station.code, code, clock)
    await _reply(update, check_in_text(svc.catalogue, result, code, booking, language))


async def on_events(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/events: the station's upcoming Open House events and their bookings."""
    if (turn := await staff_turn(update, context)) is None:
        return
    svc, language, station = turn
    async with svc.database.sessions() as session:
        events = await upcoming_events(
            session, svc.clock(), station.code, with_seats=False, limit=20
        )
    name = station.display_name(language)
    get = svc.catalogue.get
    if not events:
        await _reply(update, get("events_none", language, station=name))
        return
    lines = [name] + [
        get(
            "event_line",
            language,
            date=day_text(e.day, language),
            start=time_text(e.start, language),
            end=time_text(e.end, language),
            taken=digits(str(e.seats_taken), language),
            capacity=digits(str(e.capacity), language),
        )
        for e in events
    ]
    await _reply(update, "\n".join(lines))
