"""A report as staff see it in Telegram: the card's text (mps/report_card.py, shared
with the staff console) and its buttons, in the staff language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from mps.catalogue import Catalogue
from mps.contract import CARD_STATUS, CardAction, CardPress
from mps.models import Report, Station
from mps.report_rules import TRANSITIONS


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
