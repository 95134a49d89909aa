"""A request handed in through Open311 reaches the station's staff as a Telegram
report does: the same station, unit and outbox row, delivered by the bot's outbox
as a card (which says where it came from)."""

from __future__ import annotations

from sqlalchemy import select

from actions.reports import file_draft
from actions.store import Store
from bot.outbox import deliver_due
from mps.models import OutboxMessage, Report
from mps.reports import Draft
from tests.open311.conftest import NOISE, SETTINGS, Api
from tests.staffing import enrol
from tests.test_outbox import FakeTelegram, Now, services

PARTNER_NOTE = "Handed in by a partner system (Open311)"


async def _outbox(api: Api, report: Report) -> list[tuple[str, dict[str, object], bool]]:
    async with api.database.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.report_id == report.id)
        )
        return [(r.kind, r.payload, r.sent_at is None) for r in rows]


async def test_a_request_lands_like_a_telegram_report_and_its_card_goes_out(
    api: Api, action_store: Store
) -> None:
    await enrol(api.database, "BGD-KRD", 101, -100)
    action_store.settings = SETTINGS  # the web's reference key, whatever .env holds
    partner = await api.report(await api.file())
    telegram = await file_draft(action_store, Draft("noise", NOISE, point=(44.428, 33.302)), "p1")
    assert telegram is not None
    same = ("station_code", "category", "unit", "sensitive", "status", "contact_consent")
    assert {k: getattr(partner, k) for k in same} == {k: getattr(telegram, k) for k in same}
    assert (
        await _outbox(api, partner) == await _outbox(api, telegram) == [("staff_card", {}, True)]
    )
    bot = FakeTelegram()
    assert await deliver_due(bot, services(api.database, Now(SETTINGS.clock()))) == 2  # type: ignore[arg-type]
    cards = {text.split("\n")[0]: text for text in bot.to(-100)}
    card = cards[f"Report {partner.reference} · Noise"]
    assert NOISE in card and PARTNER_NOTE in card
    assert PARTNER_NOTE not in cards[f"Report {telegram.reference} · Noise"]
    assert all(sent is False for *_, sent in await _outbox(api, partner))
