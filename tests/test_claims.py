"""Two bot replicas share the outbox and the reminders: over 200 reports and 200
due reminders each card and reminder is sent once; a row leased by one replica
is not taken by the other before the lease runs out, and is after (a dead
replica's rows come late, never lost). On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from types import SimpleNamespace
from typing import Any

from sqlalchemy import update

from bot.outbox import deliver_due, deliver_one
from bot.reminders import send_due
from bot.services import SERVICES_KEY, Services
from mps.bookings import book
from mps.database import Database, open_database
from mps.models import Booking
from mps.outbox import LEASE, claim_outbox
from mps.reminders import claim_reminders
from mps.reports import file_report
from mps.routing import StationIndex
from tests.conftest import clock_at
from tests.staffing import enrol
from tests.test_bookings import new_event
from tests.test_outbox import NOISE, FakeTelegram, Now, services
from tests.test_reports import KEY, NOW, RULES

REPORTS = 200
STAFF_CHAT = -101
REMINDED = clock_at("2026-11-27 10:00")  # the day before the event at 09:00


class SlowTelegram(FakeTelegram):
    """A stand-in Telegram that yields on every send, so the replicas interleave."""

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return await super().send_message(chat_id, text, **kwargs)


def _twin(database: Database) -> Database:
    """A second connection pool on the same database: another replica's."""
    return open_database(database.engine.url.render_as_string(hide_password=False))


async def _file_many(database: Database, index: StationIndex) -> None:
    for _ in range(REPORTS):
        async with database.sessions.begin() as session:
            await file_report(session, NOISE, "p1", KEY, NOW, RULES, index)


async def _until_idle(telegram: FakeTelegram, svc: Services, replica: str) -> int:
    """One replica's outbox loop, stopped once a round finds nothing free to claim
    (what is left is the other replica's); how many it delivered."""
    total = 0
    while delivered := await deliver_due(telegram, svc, replica):  # type: ignore[arg-type]
        total += delivered
    return total


async def test_two_replicas_send_each_card_once(stocked: Database, index: StationIndex) -> None:
    await enrol(stocked, "BGD-KRD", 102, STAFF_CHAT)
    await _file_many(stocked, index)
    telegram, now = SlowTelegram(), Now()
    other = _twin(stocked)
    try:
        shares = await asyncio.gather(
            _until_idle(telegram, services(stocked, now), "replica-a"),
            _until_idle(telegram, services(other, now), "replica-b"),
        )
    finally:
        await other.close()
    assert all(shares) and sum(shares) == REPORTS  # both worked, each row counted once
    cards = Counter(text.split("\n")[0] for text in telegram.to(STAFF_CHAT))
    assert len(cards) == REPORTS
    assert set(cards.values()) == {1}


async def test_two_claims_at_once_share_the_rows_without_overlap(
    stocked: Database, index: StationIndex
) -> None:
    await _file_many(stocked, index)
    other = _twin(stocked)

    async def take(database: Database, replica: str) -> list[int]:
        async with database.sessions.begin() as session:
            return await claim_outbox(session, NOW, replica, limit=REPORTS)

    try:
        rounds = await asyncio.gather(
            *[take(db, f"replica-{n}") for n in range(3) for db in (stocked, other)]
        )
    finally:
        await other.close()
    taken = [i for ids in rounds for i in ids]
    assert len(taken) == len(set(taken)) == REPORTS


async def _held_by_a(database: Database, index: StationIndex) -> int:
    """One report filed for a staffed station, its card leased to replica A; its row id."""
    await enrol(database, "BGD-KRD", 102, STAFF_CHAT)
    async with database.sessions.begin() as session:
        await file_report(session, NOISE, "p1", KEY, NOW, RULES, index)
    async with database.sessions.begin() as session:
        [row] = await claim_outbox(session, NOW, "replica-a")
    return row


async def test_a_lease_holds_until_it_runs_out_then_another_replica_sends(
    stocked: Database, index: StationIndex
) -> None:
    await _held_by_a(stocked, index)  # replica A takes the card, then dies
    telegram, now = FakeTelegram(), Now()
    svc = services(stocked, now)
    now.later(LEASE.total_seconds() / 60 - 0.1)
    assert await deliver_due(telegram, svc, "replica-b") == 0  # type: ignore[arg-type]
    assert telegram.sent == []
    now.later(0.2)
    assert await deliver_due(telegram, svc, "replica-b") == 1  # type: ignore[arg-type]
    assert len(telegram.to(STAFF_CHAT)) == 1
    assert await deliver_due(telegram, svc, "replica-a") == 0  # type: ignore[arg-type]


async def test_a_replica_whose_lease_ran_out_does_not_send(
    stocked: Database, index: StationIndex
) -> None:
    row = await _held_by_a(stocked, index)
    telegram, now = FakeTelegram(), Now()
    now.later(LEASE.total_seconds() / 60 + 1)  # replica A was stalled past its lease
    assert not await deliver_one(telegram, services(stocked, now), row, "replica-a")  # type: ignore[arg-type]
    assert telegram.sent == []


async def _due_bookings(database: Database) -> None:
    event_id = await new_event(database, capacity=REPORTS)
    for n in range(REPORTS):
        async with database.sessions.begin() as session:
            await book(session, event_id, f"user-{n}", 1, "en", NOW)
    async with database.sessions.begin() as session:
        await session.execute(update(Booking).values(chat_id=Booking.id + 1000))


def _application(telegram: FakeTelegram, svc: Services) -> Any:
    return SimpleNamespace(bot=telegram, bot_data={SERVICES_KEY: svc})


async def test_two_replicas_send_each_reminder_once(stocked: Database) -> None:
    await _due_bookings(stocked)
    telegram, now = SlowTelegram(), Now(REMINDED)
    other = _twin(stocked)

    async def replica(database: Database, name: str) -> int:
        app, total = _application(telegram, services(database, now)), 0
        while sent := await send_due(app, name):
            total += sent
        return total

    try:
        shares = await asyncio.gather(replica(stocked, "replica-a"), replica(other, "replica-b"))
    finally:
        await other.close()
    assert all(shares) and sum(shares) == REPORTS
    chats = Counter(chat for chat, _ in telegram.sent)
    assert len(chats) == REPORTS
    assert set(chats.values()) == {1}


async def test_a_dead_replicas_reminders_are_sent_after_its_lease(stocked: Database) -> None:
    await _due_bookings(stocked)
    async with stocked.sessions.begin() as session:  # replica A takes 50, then dies
        held = await claim_reminders(session, REMINDED, "replica-a")
    telegram, now = FakeTelegram(), Now(REMINDED)
    app = _application(telegram, services(stocked, now))
    while await send_due(app, "replica-b"):
        pass
    assert len(telegram.sent) == REPORTS - len(held)
    now.later(LEASE.total_seconds() / 60 + 0.1)
    assert await send_due(app, "replica-b") == len(held)
    assert len({chat for chat, _ in telegram.sent}) == REPORTS


def test_the_lease_is_short_enough_to_be_late_not_lost() -> None:
    assert dt.timedelta(seconds=30) <= LEASE <= dt.timedelta(minutes=5)
