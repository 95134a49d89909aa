"""Staff work on reports: the card's buttons and replies to prompts; and the
citizen's answers to a staff question (/queue and /report: bot/staff_queue.py).

Every press and reply is checked against the database: only staff of the
report's station (of its unit, for a sensitive report) change anything.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from telegram import ForceReply, ReplyParameters, Update
from telegram.ext import ContextTypes

from bot.report_cards import (
    PREFIX,
    card_keyboard,
    card_text,
    route_keyboard,
    who_did,
)
from bot.services import Services, services, user_language
from bot.user_text import clean_text
from mps.delivery import card_targets
from mps.models import Report, Station
from mps.report_rules import IllegalTransition
from mps.report_threads import (
    NoContact,
    answer_staff,
    ask_citizen,
    cards_of,
    message_report,
    remember,
)
from mps.reports import (
    IllegalReroute,
    NotAllowed,
    change_status,
    last_change,
    reroute,
    staff_report,
)
from mps.routing import distance_km
from mps.stations import all_stations

logger = logging.getLogger(__name__)
VERB_STATUS = {"ack": "acknowledged", "prog": "in_progress"}
ROUTE_CHOICES = 12


async def refresh_cards(update: Update, svc: Services, reference: str) -> None:
    """Redraw every card of a report: status, last change, buttons (none where the
    report no longer belongs)."""
    bot = update.get_bot()
    language = svc.staff_language
    async with svc.database.sessions() as session:
        report = await session.scalar(select(Report).where(Report.reference == reference))
        if report is None:
            return
        station = await session.get(Station, report.station_code)
        cards = await cards_of(session, report.id)
        targets = await card_targets(session, report)
        current = set(targets.chats)
        last = await last_change(session, report.id)
        who = await who_did(session, last, svc.catalogue, language)
    text = card_text(report, station, svc.catalogue, language, svc.clock().zone, last, who,
                     at_triage=targets.at_triage)  # fmt: skip
    keyboard = card_keyboard(report, svc.catalogue, language)
    for card in cards:
        try:
            await bot.edit_message_text(
                text, card.chat_id, card.message_id,
                reply_markup=keyboard if card.chat_id in current else None,
            )  # fmt: skip
        except Exception as error:  # an old card may be gone; the next one is drawn
            logger.info("card %s not redrawn: %s", card.message_id, type(error).__name__)


async def on_report_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a card button (`r:<verb>:<reference>[:<station>]`)."""
    svc = services(context)
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    language = user_language(svc, update)
    parts = (query.data or "").removeprefix(PREFIX).split(":")
    verb, reference = parts[0], parts[1] if len(parts) > 1 else ""
    get, choice = svc.catalogue.get, svc.catalogue.choice
    clock = svc.clock()
    status = "new"
    try:
        async with svc.database.sessions.begin() as session:
            report = await staff_report(session, reference, user.id)
            status = report.status
            if verb in VERB_STATUS:
                await change_status(session, reference, user.id, VERB_STATUS[verb], clock)
                answer = get("status_changed", language, reference=reference,
                             status=choice("status", VERB_STATUS[verb], language))  # fmt: skip
            elif verb == "to" and len(parts) == 3:
                await reroute(session, reference, user.id, parts[2], clock)
                target = await session.get(Station, parts[2])
                answer = get("route_done", language, reference=reference,
                             station=target.display_name(language) if target else "?")  # fmt: skip
            elif verb == "route":
                stations = await all_stations(session)
                answer = ""
            elif verb in ("ask", "close"):
                if verb == "ask" and (not report.contact_consent or report.chat_id is None):
                    raise NoContact(reference)
                answer = ""
            else:
                raise LookupError(verb)
    except NotAllowed:
        await query.answer(get("not_station_staff", language), show_alert=True)
        return
    except (IllegalTransition, IllegalReroute):
        await query.answer(get("status_illegal", language, reference=reference,
                               status=choice("status", status, language)),
                           show_alert=True)  # fmt: skip
        return
    except NoContact:
        await query.answer(get("ask_no_contact", language), show_alert=True)
        return
    except LookupError:
        await query.answer(get("report_unknown", language, reference=reference), show_alert=True)
        return
    message = query.message
    reply_to = ReplyParameters(message.message_id) if message is not None else None
    if verb == "route":
        # Nearest first: to the reported point, else to the current station.
        here = next((s for s in stations if s.code == report.station_code), None)
        anchor = (
            (report.longitude, report.latitude)
            if report.longitude is not None and report.latitude is not None
            else (here.longitude, here.latitude)
            if here is not None
            else None
        )
        if anchor is not None:
            stations.sort(key=lambda s: distance_km((s.longitude, s.latitude), anchor))
        keyboard = route_keyboard(report, stations[: ROUTE_CHOICES + 1], language)
        await chat.send_message(get("route_choose", language, reference=reference),
                                reply_markup=keyboard, reply_parameters=reply_to)  # fmt: skip
        await query.answer()
        return
    if verb in ("ask", "close"):
        prompt = await chat.send_message(
            get("ask_prompt" if verb == "ask" else "close_prompt", language, reference=reference),
            reply_markup=ForceReply(selective=True),
            reply_parameters=reply_to,
        )
        async with svc.database.sessions.begin() as session:
            await remember(session, chat.id, prompt.message_id, report.id, verb)
        await query.answer()
        return
    logger.info("report %s: %s by staff", reference, verb)
    await query.answer(answer)
    if verb == "to" and message is not None:
        await query.edit_message_text(answer)
    await refresh_cards(update, svc, reference)


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A reply to a report's prompt or question; False if it is not one (the caller
    then treats the message as usual)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or message.reply_to_message is None:
        return False
    svc = services(context)
    async with svc.database.sessions() as session:
        found = await message_report(session, chat.id, message.reply_to_message.message_id)
    if found is None or found[1] not in ("ask", "close", "question"):
        return False
    report, kind = found
    text = clean_text(message.text or "")
    language = user_language(svc, update)
    get, choice = svc.catalogue.get, svc.catalogue.choice
    if not text:
        return True
    if kind == "question":
        if chat.id != report.chat_id:
            return False
        async with svc.database.sessions.begin() as session:
            await answer_staff(session, report, text, svc.clock())
        await message.reply_text(get("answer_passed", report.language))
        return True
    assert report.reference is not None
    try:
        async with svc.database.sessions.begin() as session:
            if kind == "ask":
                await ask_citizen(session, report.reference, user.id, text, svc.clock())
                reply = get("ask_sent", language)
            else:
                done = await change_status(session, report.reference, user.id, "closed",
                                           svc.clock(), note=text[:1000])  # fmt: skip
                reply = get("status_changed", language, reference=done.reference,
                            status=choice("status", "closed", language))  # fmt: skip
    except NotAllowed:
        await message.reply_text(get("not_station_staff", language))
        return True
    except NoContact:
        await message.reply_text(get("ask_no_contact", language))
        return True
    except (IllegalTransition, LookupError):
        status = choice("status", report.status, language)
        await message.reply_text(
            get("status_illegal", language, reference=report.reference, status=status)
        )
        return True
    await message.reply_text(reply)
    if kind == "close":
        await refresh_cards(update, svc, report.reference)
    return True
