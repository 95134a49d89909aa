"""Staff work on reports: the card's buttons and replies to prompts; and the
citizen's answers to a staff question (/queue and /report: bot/staff_queue.py).

Every press and reply is checked against the database: only staff of the
report's station (of its unit, for a sensitive report, and never in a group)
change anything. Each card action has its handler in HANDLERS; a refusal is a
mps.report_errors exception, told to staff by `refusal` alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, Chat, ForceReply, Message, ReplyParameters, Update
from telegram.ext import ContextTypes

from bot.report_cards import redraw_cards, route_keyboard
from bot.services import Services, services, user_language
from bot.user_text import clean_text
from mps.contract import CARD_PREFIX, CARD_STATUS, CardAction, CardPress
from mps.models import Report, Station
from mps.report_errors import NoContact, ReportError, UnknownReport, refusal
from mps.report_threads import answer_staff, ask_citizen, message_report, remember
from mps.reports import change_status, reroute, staff_report
from mps.stations import all_stations, nearest_first

logger = logging.getLogger(__name__)
PATTERN = f"^{CARD_PREFIX}"  # the callback data of card buttons
ROUTE_CHOICES = 12
MAX_NOTE = 1000


async def refresh_cards(update: Update, svc: Services, reference: str) -> None:
    """Redraw every card of a report after a press or a reply (bot/report_cards.py)."""
    await redraw_cards(update.get_bot(), svc, reference)


@dataclass(frozen=True)
class Press:
    """A press on a card button by staff who may work its report."""

    update: Update
    svc: Services
    query: CallbackQuery
    chat: Chat
    user: int
    language: str
    card: CardPress
    report: Report

    def text(self, key: str, **values: object) -> str:
        """A text in the presser's language."""
        return self.svc.catalogue.get(key, self.language, **values)

    def under_card(self) -> ReplyParameters | None:
        """Reply parameters that put a message under the pressed card."""
        message = self.query.message
        return ReplyParameters(message.message_id) if message is not None else None


async def on_report_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a card button: its action's handler, or the reason it is refused."""
    svc = services(context)
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    language = user_language(svc, update)
    card = CardPress.decode(query.data or "")
    try:
        if card is None:
            raise UnknownReport("")
        async with svc.database.sessions() as session:
            report = await staff_report(
                session, card.reference, user.id, in_group=chat.type != Chat.PRIVATE
            )
        await HANDLERS[card.action](
            Press(update, svc, query, chat, user.id, language, card, report)
        )
    except ReportError as error:
        await query.answer(refusal(svc.catalogue, error, language), show_alert=True)


async def _set_status(press: Press) -> None:
    """Acknowledge, or in progress: change the status and redraw the cards."""
    reference, status = press.card.reference, CARD_STATUS[press.card.action]
    async with press.svc.database.sessions.begin() as session:
        await change_status(session, reference, press.user, status, press.svc.clock())
    logger.info("report %s: %s by staff", reference, status)
    shown = press.svc.catalogue.choice("status", status, press.language)
    await press.query.answer(press.text("status_changed", reference=reference, status=shown))
    await refresh_cards(press.update, press.svc, reference)


async def _choose_station(press: Press) -> None:
    """Re-route: offer the other stations, nearest first, under the card."""
    async with press.svc.database.sessions() as session:
        stations = nearest_first(await all_stations(session), press.report)
    keyboard = route_keyboard(press.report, stations[: ROUTE_CHOICES + 1], press.language)
    await press.chat.send_message(
        press.text("route_choose", reference=press.card.reference),
        reply_markup=keyboard,
        reply_parameters=press.under_card(),
    )
    await press.query.answer()


async def _route_to(press: Press) -> None:
    """A station chosen: re-route the report there, say so, and redraw the cards."""
    reference, code = press.card.reference, str(press.card.station)
    async with press.svc.database.sessions.begin() as session:
        await reroute(session, reference, press.user, code, press.svc.clock())
        target = await session.get(Station, code)
    logger.info("report %s: re-routed by staff", reference)
    answer = press.text(
        "route_done",
        reference=reference,
        station=target.display_name(press.language) if target else "?",
    )
    await press.query.answer(answer)
    if press.query.message is not None:
        await press.query.edit_message_text(answer)
    await refresh_cards(press.update, press.svc, reference)


async def _prompt(press: Press, text: str, kind: str) -> None:
    """Ask staff for a reply under the card; the reply is read by `on_reply`."""
    prompt = await press.chat.send_message(
        text, reply_markup=ForceReply(selective=True), reply_parameters=press.under_card()
    )
    async with press.svc.database.sessions.begin() as session:
        await remember(session, press.chat.id, prompt.message_id, press.report.id, kind)
    await press.query.answer()


async def _ask(press: Press) -> None:
    """Ask the citizen: if they can be reached, prompt for the question."""
    report = press.report
    if not report.contact_consent or report.chat_id is None:
        raise NoContact(press.card.reference, report.status)
    await _prompt(press, press.text("ask_prompt", reference=press.card.reference), "ask")


async def _close(press: Press) -> None:
    """Close: prompt for the closing note."""
    await _prompt(press, press.text("close_prompt", reference=press.card.reference), "close")


HANDLERS: dict[CardAction, Callable[[Press], Awaitable[None]]] = {
    CardAction.ACKNOWLEDGE: _set_status,
    CardAction.IN_PROGRESS: _set_status,
    CardAction.ROUTE: _choose_station,
    CardAction.ROUTE_TO: _route_to,
    CardAction.ASK: _ask,
    CardAction.CLOSE: _close,
}


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
    if not text:
        return True
    if kind != "question":
        await _staff_reply(update, svc, message, report, kind, text)
        return True
    if chat.id != report.chat_id:
        return False
    async with svc.database.sessions.begin() as session:
        await answer_staff(session, report, text, svc.clock())
    await message.reply_text(svc.catalogue.get("answer_passed", report.language))
    return True


async def _staff_reply(
    update: Update, svc: Services, message: Message, report: Report, kind: str, text: str
) -> None:
    """Staff's question for the citizen (`ask`) or closing note (`close`)."""
    assert update.effective_user is not None and report.reference is not None
    user, reference = update.effective_user.id, report.reference
    language = user_language(svc, update)
    get = svc.catalogue.get
    try:
        async with svc.database.sessions.begin() as session:
            if kind == "ask":
                await ask_citizen(session, reference, user, text, svc.clock())
            else:
                note = text[:MAX_NOTE]
                await change_status(session, reference, user, "closed", svc.clock(), note=note)
    except ReportError as error:
        await message.reply_text(refusal(svc.catalogue, error, language))
        return
    if kind == "ask":
        await message.reply_text(get("ask_sent", language))
        return
    closed = svc.catalogue.choice("status", "closed", language)
    await message.reply_text(get("status_changed", language, reference=reference, status=closed))
    await refresh_cards(update, svc, reference)
