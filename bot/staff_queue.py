"""Staff views of a station's reports: /queue (open reports, and what could not be
delivered) and /report REF (one card, only where it may be shown)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot.report_cards import card_keyboard
from bot.services import services, user_language
from bot.staff import staff_station
from mps.delivery import card_targets
from mps.models import Report, Station
from mps.report_card import card_text, who_did
from mps.report_errors import ReportError
from mps.report_queue import age_text
from mps.report_rules import find_reference
from mps.report_threads import open_queue, remember, undelivered
from mps.reports import last_change, staff_report
from mps.staff import station_of_chat
from mps.stations import TRIAGE


async def on_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/queue: the station's open reports, oldest first."""
    svc = services(context)
    language = user_language(svc, update)
    station = await staff_station(update, svc, language)
    user, message = update.effective_user, update.effective_message
    if station is None or user is None or message is None:
        return
    get = svc.catalogue.get
    in_group = update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE
    async with svc.database.sessions() as session:
        reports = await open_queue(session, station.code, user.id, in_group)
        dead = await undelivered(session, station.code, user.id, in_group)
    name = station.display_name(language)
    lines = (
        [get("queue_header", language, station=name)]
        if reports
        else [get("queue_none", language, station=name)]
    )
    lines += [
        get(
            "queue_line",
            language,
            reference=r.reference,
            category=svc.catalogue.choice("category", r.category, language),
            status=svc.catalogue.choice("status", r.status, language),
            age=age_text(svc.catalogue, r, svc.clock().now, language),
        )
        for r in reports
    ]
    if dead:
        lines += ["", get("queue_dead_header", language)] + [
            get(
                "queue_dead_line",
                language,
                reference=r.reference,
                what=svc.catalogue.choice("outbox_kind", m.kind, language),
            )
            for m, r in dead
        ]
    await message.reply_text("\n".join(lines))


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report REF: one report's card, with its buttons, for its station's staff."""
    svc = services(context)
    language = user_language(svc, update)
    user, message, chat = update.effective_user, update.effective_message, update.effective_chat
    if user is None or message is None or chat is None:
        return
    get = svc.catalogue.get
    reference = find_reference(" ".join(context.args or []))
    if reference is None:
        await message.reply_text(get("report_usage", language))
        return
    async with svc.database.sessions() as session:
        try:
            report = await staff_report(
                session, reference, user.id, in_group=chat.type != Chat.PRIVATE
            )
        except ReportError:
            report = None
        if report is not None and not await _may_show(session, report, chat.id, chat.type):
            report = None
        if report is None:
            await message.reply_text(get("report_unknown", language, reference=reference))
            return
        station = await session.get(Station, report.station_code)
        last = await last_change(session, report.id)
        who = await who_did(session, last, svc.catalogue, svc.staff_language)
        targets = await card_targets(session, report)
    text = card_text(
        report,
        station,
        svc.catalogue,
        svc.staff_language,
        svc.clock().zone,
        last,
        who,
        at_triage=targets.at_triage,
    )
    sent = await message.reply_text(
        text, reply_markup=card_keyboard(report, svc.catalogue, svc.staff_language)
    )
    async with svc.database.sessions.begin() as session:
        await remember(session, chat.id, sent.message_id, report.id, "card")


async def _may_show(session: AsyncSession, report: Report, chat_id: int, chat_type: str) -> bool:
    """Where /report may show a card: the officer's private chat, or a group bound to
    the report's station (or to the triage queue when the card falls back there)."""
    if chat_type == Chat.PRIVATE:
        return True
    bound = await station_of_chat(session, chat_id)
    if bound is None:
        return False
    if bound == report.station_code:
        return True
    return bound == TRIAGE and (await card_targets(session, report)).at_triage
