"""The outbox against a stand-in Telegram: one dead chat holds nobody up, a moved
group is followed, triage takes over at once, bounded retries end in a dead
letter, and a call-back is confirmed to her only once an officer has the card."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import select
from telegram.error import ChatMigrated, Forbidden, NetworkError

from bot import callbacks
from bot.app import HANDOFF_KEY, OUTBOX_KEY, STOPPING_KEY, post_shutdown, post_stop
from bot.buttons import ButtonStore
from bot.callback_watch import RedisCallbackWatch
from bot.chat_state_stores import DatabaseChatState
from bot.handoff_cards import handoff_loop
from bot.outbox import deliver_due, outbox_loop
from bot.send_limits import HeldBack
from bot.services import Services
from bot.users import UserMemory
from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.database import Database
from mps.handoff import open_handoff
from mps.models import HandoffMessage, OutboxMessage, Report, StaffAudit
from mps.outbox import MAX_ATTEMPTS, dead_letters
from mps.report_card import card_text, who_did
from mps.reports import Draft, change_status
from mps.routing import StationIndex
from mps.staff_admin import chats
from tests.staffing import callback_draft, enrol, file
from tests.test_handoff import IN_HOURS
from tests.test_reports import NOW

TEXTS = Catalogue.load_dir()
NOISE = Draft(category="noise", description="generator noise all night", place="Karrada")
CALLBACK = callback_draft()


@dataclass
class FakeTelegram:
    """Records what the bot sends; chats can be blocked, moved or flaky."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    tried: list[int] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    flaky: set[int] = field(default_factory=set)
    moved: dict[int, int] = field(default_factory=dict)
    held_back: dict[int, int] = field(default_factory=dict)  # chat: times still refused
    ids: Any = field(default_factory=lambda: itertools.count(1))

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        if self.held_back.get(chat_id):  # by the bot's own limiter: Telegram never asked
            self.held_back[chat_id] -= 1
            raise HeldBack(30)
        self.tried.append(chat_id)
        if chat_id in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if chat_id in self.flaky:
            raise NetworkError("connection reset")
        if chat_id in self.moved:
            raise ChatMigrated(self.moved.pop(chat_id))
        self.sent.append((chat_id, text))
        return SimpleNamespace(message_id=next(self.ids))

    async def send_photo(self, chat_id: int, photo: str, **_: Any) -> Any:
        return await self.send_message(chat_id, f"photo {photo}")

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


@dataclass
class Now:
    clock: Clock = NOW

    def __call__(self) -> Clock:
        return self.clock

    def later(self, minutes: float) -> None:
        self.clock = Clock(self.clock.now + dt.timedelta(minutes=minutes), self.clock.zone)


def services(database: Database, now: Now) -> Services:
    return Services(
        rasa=None,  # type: ignore[arg-type]
        buttons=ButtonStore(),
        users=UserMemory(),
        catalogue=TEXTS,
        emergency=None,  # type: ignore[arg-type]
        keywords=None,  # type: ignore[arg-type]
        pseudonym_secret=b"k" * 32,
        database=database,
        chats=DatabaseChatState(database, b"s" * 32),
        clock=now,
        staff_language="en",
    )


async def _row(database: Database, report: Report) -> OutboxMessage:
    async with database.sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.report_id == report.id, OutboxMessage.kind == "staff_card"
            )
        )
        assert row is not None
        return row


async def test_one_dead_chat_does_not_hold_up_the_stations_other_chats(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -102)  # the bot was removed from this group
    await enrol(stocked, "BGD-KRD", 102, -101)
    telegram, now = FakeTelegram(blocked={-102}), Now()
    svc = services(stocked, now)
    first = await file(stocked, index, NOISE)
    assert await deliver_due(telegram, svc) == 1  # type: ignore[arg-type]
    assert [t.split("\n")[0] for t in telegram.to(-101)] == [f"Report {first.reference} · Noise"]
    assert (await _row(stocked, first)).sent_at is not None
    async with stocked.sessions() as session:
        [gone, ok] = await chats(session, "BGD-KRD")
        assert gone.chat_id == -102 and gone.failure and gone.failure.startswith("Forbidden")
        assert ok.chat_id == -101 and ok.failure is None
    telegram.tried.clear()
    second = await file(stocked, index, NOISE)
    assert await deliver_due(telegram, svc) == 1  # type: ignore[arg-type]
    assert telegram.tried == [-101]  # the dead chat is not tried again
    assert len(telegram.to(-101)) == 2 and f"Report {second.reference}" in telegram.to(-101)[1]


async def test_a_group_upgraded_to_a_supergroup_is_followed(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    telegram, now = FakeTelegram(moved={-100: -1001000}), Now()
    report = await file(stocked, index, NOISE)
    assert await deliver_due(telegram, services(stocked, now)) == 1  # type: ignore[arg-type]
    assert (
        len(telegram.to(-1001000)) == 1
        and f"Report {report.reference}" in telegram.to(-1001000)[0]
    )
    async with stocked.sessions() as session:
        assert [c.chat_id for c in await chats(session, "BGD-KRD")] == [-1001000]
        audit = (await session.scalars(select(StaffAudit))).all()
        assert [(a.action, a.target, a.detail) for a in audit] == [
            ("chat_migrate", "chat:-100", "now chat:-1001000")
        ]


async def test_when_the_station_has_nobody_left_triage_gets_the_card_at_once(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    await enrol(stocked, "TRIAGE", 301, -300)
    telegram, now = FakeTelegram(blocked={-100}), Now()
    report = await file(stocked, index, NOISE)
    assert await deliver_due(telegram, services(stocked, now)) == 1  # type: ignore[arg-type]
    [card] = telegram.to(-300)
    assert f"Report {report.reference}" in card and TEXTS.get("card_triage_note", "en") in card


async def test_bounded_retries_end_in_a_dead_letter(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    telegram, now = FakeTelegram(flaky={-100}), Now()
    svc = services(stocked, now)
    report = await file(stocked, index, NOISE)
    for _ in range(MAX_ATTEMPTS + 3):
        await deliver_due(telegram, svc)  # type: ignore[arg-type]
        now.later(11)
    assert telegram.tried == [-100] * MAX_ATTEMPTS  # then never again
    row = await _row(stocked, report)
    assert row.dead_at is not None and row.sent_at is None and row.last_error == "NetworkError"
    async with stocked.sessions() as session:
        assert [r.id for _, r in await dead_letters(session, "BGD-KRD")] == [report.id]


async def test_a_row_held_back_by_telegrams_budgets_waits_and_is_never_a_dead_letter(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    telegram, now = FakeTelegram(held_back={-100: MAX_ATTEMPTS + 2}), Now()
    svc = services(stocked, now)
    report = await file(stocked, index, NOISE)
    assert await deliver_due(telegram, svc) == 0  # type: ignore[arg-type]
    row = await _row(stocked, report)
    assert row.attempts == 0 and row.next_attempt_at == now().now + dt.timedelta(seconds=30)
    assert await deliver_due(telegram, svc) == 0  # type: ignore[arg-type]  # not due yet
    for _ in range(MAX_ATTEMPTS + 2):
        now.later(1)
        await deliver_due(telegram, svc)  # type: ignore[arg-type]
    row = await _row(stocked, report)
    assert row.dead_at is None and row.sent_at is not None and row.attempts == 0
    assert len(telegram.to(-100)) == 1


async def test_a_callback_is_confirmed_to_her_only_once_an_officer_has_it(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")
    telegram, now = FakeTelegram(), Now()
    svc = services(stocked, now)
    report = await file(stocked, index, CALLBACK)
    assert report.reference is not None
    await callbacks.watch(telegram, svc, report.reference, 777)  # type: ignore[arg-type]
    assert telegram.to(777) == []  # filed, not yet received: nothing promised
    assert await deliver_due(telegram, svc) == 1  # type: ignore[arg-type]
    [card] = telegram.to(102)
    assert "+9647701234567" in card and "102" not in card.replace("+9647701234567", "")
    expected = TEXTS.get("callback_delivered", "en", phone="07701234567", window="09:00–12:00")
    assert telegram.to(777) == [expected]
    # Filed after the card went out already: told at once, and only once.
    second = await file(stocked, index, CALLBACK)
    assert second.reference is not None
    assert await deliver_due(telegram, svc) == 1  # type: ignore[arg-type]
    await callbacks.watch(telegram, svc, second.reference, 778)  # type: ignore[arg-type]
    assert telegram.to(778) == [expected]


async def test_the_replica_that_delivers_the_card_tells_her_once_whichever_took_it(
    stocked: Database, index: StationIndex, redis: aioredis.Redis, prefix: str
) -> None:
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")
    telegram, now = FakeTelegram(), Now()
    took, delivers = services(stocked, now), services(stocked, now)
    for svc in (took, delivers):  # two bot replicas sharing Redis
        svc.callbacks = RedisCallbackWatch(redis, svc.pseudonym_secret, prefix)
    report = await file(stocked, index, CALLBACK)
    assert report.reference is not None
    await callbacks.watch(telegram, took, report.reference, 777)  # type: ignore[arg-type]
    assert await deliver_due(telegram, delivers) == 1  # type: ignore[arg-type]
    expected = TEXTS.get("callback_delivered", "en", phone="07701234567", window="09:00–12:00")
    assert telegram.to(777) == [expected]
    assert await took.callbacks.take(report.reference) is None  # told once
    # /exit through one replica: the other says nothing of her next request.
    second = await file(stocked, index, CALLBACK)
    assert second.reference is not None
    await callbacks.watch(telegram, took, second.reference, 777)  # type: ignore[arg-type]
    await delivers.callbacks.forget_chat(777)
    assert await deliver_due(telegram, took) == 1  # type: ignore[arg-type]
    assert telegram.to(777) == [expected] and len(telegram.to(102)) == 2


async def test_a_callback_nobody_can_receive_is_said_so_at_once(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")  # she blocked the bot
    await enrol(stocked, "TRIAGE", 301, -300)  # triage has no FCPU officer
    telegram, now = FakeTelegram(blocked={102}), Now()
    svc = services(stocked, now)
    report = await file(stocked, index, CALLBACK)
    assert report.reference is not None
    await callbacks.watch(telegram, svc, report.reference, 777)  # type: ignore[arg-type]
    assert await deliver_due(telegram, svc) == 0  # type: ignore[arg-type]
    assert telegram.to(-300) == []  # never to a group
    undelivered = TEXTS.get(
        "callback_undelivered", "en", phone="07701234567", window="09:00–12:00"
    )
    assert telegram.to(777) == [undelivered]
    assert (await _row(stocked, report)).dead_at is not None


async def test_cards_name_staff_by_number_never_by_telegram_id(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 555000111, -100)
    report = await file(stocked, index, NOISE)
    async with stocked.sessions.begin() as session:
        await change_status(session, report.reference or "", 555000111, "acknowledged", NOW)
    async with stocked.sessions() as session:
        from mps.reports import last_change

        last = await last_change(session, report.id)
        who = await who_did(session, last, TEXTS, "en")
        fresh = await session.get(Report, report.id)
    assert fresh is not None
    text = card_text(fresh, None, TEXTS, "en", NOW.zone, last, who)
    assert "by staff #1" in text and "555000111" not in text


async def test_an_update_to_a_citizen_who_blocked_the_bot_is_a_dead_letter_at_once(
    stocked: Database, index: StationIndex
) -> None:
    from mps.reports import link_chat

    await enrol(stocked, "BGD-KRD", 101, -100)
    telegram, now = FakeTelegram(blocked={555}), Now()
    svc = services(stocked, now)
    report = await file(stocked, index, Draft(**{**NOISE.__dict__, "contact_consent": True}))
    async with stocked.sessions.begin() as session:
        assert await link_chat(session, report.reference or "", "p1", 555)
        await change_status(session, report.reference or "", 101, "acknowledged", NOW)
    assert await deliver_due(telegram, svc) == 1  # type: ignore[arg-type]  # the card
    assert telegram.tried.count(555) == 1
    now.later(60)
    await deliver_due(telegram, svc)  # type: ignore[arg-type]
    assert telegram.tried.count(555) == 1  # not retried
    async with stocked.sessions() as session:
        [(row, dead)] = await dead_letters(session, "BGD-KRD")
        assert row.kind == "citizen_update" and dead.id == report.id
        assert row.last_error == "Forbidden"


async def test_after_exit_no_word_of_the_callback_comes_to_her_chat(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")
    telegram, now = FakeTelegram(), Now()
    svc = services(stocked, now)
    report = await file(stocked, index, CALLBACK)
    assert report.reference is not None
    await callbacks.watch(telegram, svc, report.reference, 777)  # type: ignore[arg-type]
    await svc.callbacks.forget_chat(777)  # what /exit does
    assert await deliver_due(telegram, svc) == 1  # type: ignore[arg-type]
    assert len(telegram.to(102)) == 1 and telegram.to(777) == []


@dataclass
class AnsweringLate(FakeTelegram):
    """A Telegram that has taken a message (it is in the chat) before its answer comes."""

    taken: asyncio.Event = field(default_factory=asyncio.Event)
    answer: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        sent = await super().send_message(chat_id, text)
        self.taken.set()
        await self.answer.wait()
        return sent


async def _stop_before_telegram_answers(
    telegram: AnsweringLate, application: SimpleNamespace, stopping: asyncio.Event
) -> None:
    """A restart begins while Telegram holds a message's answer; then the answer comes."""
    await telegram.taken.wait()
    stop = asyncio.create_task(post_stop(application))  # type: ignore[arg-type]
    while not stopping.is_set():
        await asyncio.sleep(0)
    telegram.answer.set()  # Telegram's OK comes after the stop began
    await stop
    await post_shutdown(application)  # type: ignore[arg-type]


async def test_a_stop_lets_the_card_under_way_be_noted_sent(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 102, -101)
    telegram, svc = AnsweringLate(), services(stocked, Now())
    report = await file(stocked, index, NOISE)
    stopping = asyncio.Event()
    loop = asyncio.create_task(outbox_loop(telegram, svc, 0.1, stopping))  # type: ignore[arg-type]
    application = SimpleNamespace(bot_data={OUTBOX_KEY: loop, STOPPING_KEY: stopping})
    await _stop_before_telegram_answers(telegram, application, stopping)
    # Noted as sent: the bot that starts next does not send the card again.
    assert (await _row(stocked, report)).sent_at is not None
    assert len(telegram.to(-101)) == 1


async def test_a_stop_lets_the_hand_off_card_under_way_be_noted_sent(stocked: Database) -> None:
    await enrol(stocked, "BGD-KRD", 102, -101)
    telegram, svc = AnsweringLate(), services(stocked, Now(IN_HOURS))
    async with stocked.sessions.begin() as session:
        handoff, _ = await open_handoff(
            session, 5001, clock=IN_HOURS, station_code="BGD-KRD", language="ar"
        )
    stopping = asyncio.Event()
    loop = asyncio.create_task(handoff_loop(telegram, svc, 0.1, stopping))  # type: ignore[arg-type]
    application = SimpleNamespace(bot_data={HANDOFF_KEY: loop, STOPPING_KEY: stopping})
    await _stop_before_telegram_answers(telegram, application, stopping)
    # Noted: the bot that starts next does not send the card to the group again.
    async with stocked.sessions() as session:
        noted = await session.scalars(
            select(HandoffMessage.chat_id).where(HandoffMessage.handoff_id == handoff.id)
        )
        assert list(noted) == [-101]
    assert len(telegram.to(-101)) == 1
