"""A report as staff see it in Telegram: the card's text (mps/report_card.py, shared
with the staff console) and its buttons, in the staff language; redrawing them."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import Services
from mps.catalogue import Catalogue
from mps.contract import CARD_STATUS, CardAction, CardPress
from mps.delivery import card_targets
from mps.models import Report, Station
from mps.report_card import card_text, who_did
from mps.report_rules import TRANSITIONS
from mps.report_threads import cards_of
from mps.reports import last_change, report_by_reference

logger = logging.getLogger(__name__)


def card_keyboard(report: Report, texts: Catalogue, language: str) -> InlineKeyboardMarkup | None:
    """The buttons still meaningful for the report's status; none once closed."""
    if report.status == "closed":
        return None
    reference = str(report.reference)

    def button(key: str, action: CardAction) -> InlineKeyboardButton:
        data = CardPress(action, reference).encode()
        return InlineKeyboardButton(texts.get(key, language), callback_data=data)

    first = [
        button(key, action)
        for key, action in (
            ("btn_ack", CardAction.ACKNOWLEDGE),
            ("btn_progress", CardAction.IN_PROGRESS),
        )
        if CARD_STATUS[action] in TRANSITIONS[report.status]
    ]
    second = [button("btn_route", CardAction.ROUTE)]
    if report.contact_consent:
        second.append(button("btn_ask", CardAction.ASK))
    rows = [first, second, [button("btn_close", CardAction.CLOSE)]]
    return InlineKeyboardMarkup([r for r in rows if r])


def route_keyboard(report: Report, stations: list[Station], language: str) -> InlineKeyboardMarkup:
    """One button per other station, nearest first, for re-routing."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    s.display_name(language),
                    callback_data=CardPress(
                        CardAction.ROUTE_TO, str(report.reference), s.code
                    ).encode(),
                )
            ]
            for s in stations
            if s.code != report.station_code
        ]
    )


async def redraw_cards(bot: Bot, svc: Services, reference: str) -> None:
    """Redraw every card of a report: status, last change, buttons (none where the
    report no longer belongs). After a press in Telegram, and for a change made in
    the staff console (an outbox row of kind "card_redraw")."""
    language = svc.staff_language
    async with svc.database.sessions() as session:
        report = await report_by_reference(session, reference)
        if report is None:
            return
        station = await session.get(Station, report.station_code)
        cards = await cards_of(session, report.id)
        targets = await card_targets(session, report)
        current = set(targets.chats)
        last = await last_change(session, report.id)
        who = await who_did(session, last, svc.catalogue, language)
    text = card_text(
        report,
        station,
        svc.catalogue,
        language,
        svc.clock().zone,
        last,
        who,
        at_triage=targets.at_triage,
    )
    keyboard = card_keyboard(report, svc.catalogue, language)
    for card in cards:
        try:
            await bot.edit_message_text(
                text,
                card.chat_id,
                card.message_id,
                reply_markup=keyboard if card.chat_id in current else None,
            )
        except Exception as error:  # an old card may be gone; the next one is drawn
            logger.info("card %s not redrawn: %s", card.message_id, type(error).__name__)
