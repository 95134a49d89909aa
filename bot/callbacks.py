"""Telling her when her safe call-back request has reached an officer, or not.

Filing a call-back only says that the request is recorded. The database keeps
no link from the request to her chat (the report's owner is random), so the
chat to tell is kept apart (bot/callback_watch.py: in Redis, sealed, for every
replica; else in this bot's memory) from the filing until the outbox has
delivered the card to an officer who can act on it (then she is told an
officer will call) or has given up (then she is told to call a help line).
Without Redis, after a restart of the bot she is not told either; the card is
still delivered.
"""

from __future__ import annotations

import contextlib

from telegram import Bot
from telegram.error import TelegramError

from bot.services import Services
from mps.formatting import digits
from mps.models import Report
from mps.outbox import staff_card_of
from mps.reports import report_by_reference


def _phone(report: Report, language: str) -> str:
    phone = report.contact_phone or ""
    local = "0" + phone[4:] if phone.startswith("+964") else phone
    return digits(local, language)


async def tell(bot: Bot, svc: Services, report: Report, delivered: bool) -> None:
    """Tell the waiting chat, if any, whether an officer has the request."""
    if report.reference is None:
        return
    chat_id = await svc.callbacks.take(report.reference)
    if chat_id is None:
        return
    language = report.language
    key = "callback_delivered" if delivered else "callback_undelivered"
    text = svc.catalogue.get(
        key,
        language,
        phone=_phone(report, language),
        window=digits(report.contact_window or "", language),
    )
    with contextlib.suppress(TelegramError):
        await bot.send_message(chat_id, text)


async def watch(bot: Bot, svc: Services, reference: str, chat_id: int) -> None:
    """Just filed: wait for its card, or tell her now if it went out already."""
    await svc.callbacks.add(reference, chat_id)
    async with svc.database.sessions() as session:
        report = await report_by_reference(session, reference)
        if report is None or report.category != "callback":
            await svc.callbacks.take(reference)
            return
        card = await staff_card_of(session, report.id)
    if card is not None and (card.sent_at is not None or card.dead_at is not None):
        await tell(bot, svc, report, delivered=card.sent_at is not None)
