"""/exit and the Exit button, with the real handlers on fake Telegram objects: the
chat is wiped, its links are cleared, and nothing older than the /exit is posted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Chat, Message, User
from telegram.ext import ApplicationHandlerStop, ExtBot

from bot import conversation, quick_exit
from bot.buttons import EXIT_CALLBACK, ButtonStore
from bot.chat_state import CURRENT_UPDATE
from bot.chat_state_stores import DatabaseChatState
from bot.rasa_client import RasaTurn
from bot.render import keyboard_for
from bot.services import SERVICES_KEY, Services
from bot.tracking_bot import ChatExited, TrackingBot
from bot.users import UserMemory
from mps.bookings import add_event, book
from mps.catalogue import Catalogue
from mps.database import Database
from mps.emergency import KeywordNet, load_emergency
from mps.models import Booking, Report
from mps.reminders import set_chat
from mps.report_rules import UnitRules
from mps.reports import Draft, file_report, link_chat
from mps.routing import StationIndex
from tests.conftest import ROOT, clock_at

NOW = clock_at("2026-11-25 10:00")
SECRET = b"quick-exit-test-secret-0123456789"
USER = 5150


class FakeRasa:
    """Records wipes; `send` can run a hook while "Rasa is thinking"."""

    def __init__(self) -> None:
        self.wiped: list[str] = []
        self.during_send: Callable[[], Awaitable[None]] | None = None

    async def wipe(self, sender: str) -> bool:
        self.wiped.append(sender)
        return True

    async def send(self, sender: str, text: str, language: str, *_: Any) -> list[dict[str, Any]]:
        if self.during_send is not None:
            await self.during_send()
        return [{"text": "a reply from Rasa"}]

    async def turn(self, sender: str, text: str, language: str, *_: Any) -> RasaTurn:
        return RasaTurn(await self.send(sender, text, language))


class FakeChat:
    """A private chat that records what the handlers send into it."""

    def __init__(self) -> None:
        self.id = USER
        self.type = "private"
        self.sent: list[str] = []

    async def send_message(self, text: str, **kwargs: Any) -> None:
        self.sent.append(text)

    async def send_action(self, action: str) -> None:
        return None


class FakeBot:
    def __init__(self) -> None:
        self.deleted: list[int] = []

    async def delete_messages(self, chat_id: int, ids: list[int]) -> bool:
        self.deleted += ids
        return True

    async def delete_message(self, chat_id: int, message_id: int) -> bool:
        self.deleted.append(message_id)
        return True


def services(database: Database, chats: DatabaseChatState, rasa: FakeRasa) -> Services:
    emergency = load_emergency(ROOT / "data" / "emergency.yml")
    return Services(
        rasa=rasa,  # type: ignore[arg-type]
        buttons=ButtonStore(),
        users=UserMemory(),
        catalogue=Catalogue.load_dir(),
        emergency=emergency,
        keywords=KeywordNet.from_data(emergency),
        pseudonym_secret=SECRET,
        database=database,
        chats=chats,
        clock=lambda: NOW,
    )


def handler_args(svc: Services, chat: FakeChat, bot: FakeBot, update_id: int) -> tuple[Any, Any]:
    user = SimpleNamespace(id=USER, language_code="en")
    update = SimpleNamespace(
        update_id=update_id, effective_user=user, effective_chat=chat, callback_query=None
    )
    context = SimpleNamespace(application=SimpleNamespace(bot_data={SERVICES_KEY: svc}), bot=bot)
    return update, context


async def test_exit_deletes_the_trail_wipes_rasa_and_unlinks_reports_and_bookings(
    stocked: Database, index: StationIndex
) -> None:
    chats, rasa, chat, bot = DatabaseChatState(stocked, SECRET), FakeRasa(), FakeChat(), FakeBot()
    svc = services(stocked, chats, rasa)
    owner = svc.sender_id(USER)
    rules = UnitRules.load(ROOT / "data" / "report_routing.yml")
    draft = Draft("noise", "loud music every night", place="Karrada", contact_consent=True)
    async with stocked.sessions.begin() as session:
        report = await file_report(session, draft, owner, b"k" * 32, NOW, rules, index)
        assert report.reference is not None
        await link_chat(session, report.reference, owner, USER)
        event = await add_event(
            session, "BGD-KRD", dt.date(2026, 11, 28), dt.time(9), dt.time(13), 10, NOW
        )
        booking = await book(session, event.id, owner, 1, "en", NOW)
        await set_chat(session, booking.code, owner, USER)
    for message_id in (1, 2, 3):
        await chats.note(USER, message_id)
    update, context = handler_args(svc, chat, bot, update_id=40)
    await quick_exit.exit_chat(update, context)
    assert bot.deleted == [1, 2, 3]
    assert rasa.wiped == [owner]
    async with stocked.sessions() as session:
        assert (await session.scalars(select(Report.chat_id))).all() == [None]
        assert (await session.scalars(select(Booking.chat_id))).all() == [None]
    assert await chats.take(USER) == []


async def test_a_reply_rasa_gives_after_the_exit_is_not_posted(database: Database) -> None:
    chats, rasa, chat, bot = DatabaseChatState(database, SECRET), FakeRasa(), FakeChat(), FakeBot()
    svc = services(database, chats, rasa)
    before, context = handler_args(svc, chat, bot, update_id=10)
    exit_update, _ = handler_args(svc, chat, bot, update_id=11)

    async def exit_meanwhile() -> None:
        await quick_exit.exit_chat(exit_update, context)

    rasa.during_send = exit_meanwhile
    CURRENT_UPDATE.set(10)  # the handler serves update 10, older than the /exit
    await conversation.ask_rasa(before, context, "my husband hits me", "en")
    assert chat.sent == []
    # The late turn wrote into a fresh conversation: wiped again.
    assert rasa.wiped == [svc.sender_id(USER)] * 2
    # Her next message (a newer update) is answered as usual.
    rasa.during_send = None
    after, _ = handler_args(svc, chat, bot, update_id=12)
    CURRENT_UPDATE.set(12)
    await conversation.ask_rasa(after, context, "hello", "en")
    assert chat.sent == ["a reply from Rasa"]


async def test_a_message_from_before_the_exit_that_comes_late_is_deleted_unread(
    database: Database,
) -> None:
    # Handed over by the journal after a replica died, or a slower parallel delivery:
    # /exit never saw it, so it is still on her phone, and Rasa must never read it.
    chats, rasa, chat, bot = DatabaseChatState(database, SECRET), FakeRasa(), FakeChat(), FakeBot()
    svc = services(database, chats, rasa)
    exit_update, context = handler_args(svc, chat, bot, update_id=61)
    await quick_exit.exit_chat(exit_update, context)
    late, _ = handler_args(svc, chat, bot, update_id=60)
    late.effective_message = SimpleNamespace(message_id=9)
    with pytest.raises(ApplicationHandlerStop):  # no later handler, so no Rasa
        await quick_exit.note_incoming(late, context)
    assert bot.deleted == [9]
    after, _ = handler_args(svc, chat, bot, update_id=62)
    after.effective_message = SimpleNamespace(message_id=11)
    await quick_exit.note_incoming(after, context)  # her next message goes on as usual
    assert bot.deleted == [9]


def test_the_exit_button_needs_no_stored_token() -> None:
    store = ButtonStore(capacity=10)
    keyboard = keyboard_for([{"title": "Exit", "payload": "/exit"}], USER, store)
    assert keyboard is not None
    [[button]] = keyboard.inline_keyboard
    assert button.callback_data == EXIT_CALLBACK
    assert len(store) == 0
    for i in range(100):  # thousands of others' buttons, or a restart: nothing to lose
        store.put(i, "/help")
    assert store.get(EXIT_CALLBACK) is None  # the old way: "This button has expired"


async def test_the_exit_button_wipes_the_pressers_private_chat(database: Database) -> None:
    chats, rasa, chat, bot = DatabaseChatState(database, SECRET), FakeRasa(), FakeChat(), FakeBot()
    svc = services(database, chats, rasa)
    await chats.note(USER, 7)
    update, context = handler_args(svc, chat, bot, update_id=20)
    answered: list[bool] = []

    async def answer() -> None:
        answered.append(True)

    update.callback_query = SimpleNamespace(data=EXIT_CALLBACK, answer=answer)
    await quick_exit.on_exit_button(update, context)
    assert answered == [True] and bot.deleted == [7] and rasa.wiped


@dataclass
class FakeTelegram:
    sent: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    """ExtBot's sending replaced by a fake Telegram that numbers messages 100, 101, …"""
    fake = FakeTelegram()

    async def send(self: ExtBot[None], endpoint: str, data: Any, *a: Any, **k: Any) -> Any:
        fake.sent.append(100 + len(fake.sent))
        chat = Chat(data["chat_id"], "private" if data["chat_id"] > 0 else "group")
        when = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        return Message(fake.sent[-1], when, chat, from_user=User(1, "bot", True))

    async def delete_message(self: ExtBot[None], chat_id: int, message_id: int) -> bool:
        fake.deleted.append(message_id)
        return True

    monkeypatch.setattr(ExtBot, "_send_message", send)
    monkeypatch.setattr(ExtBot, "delete_message", delete_message)
    return fake


async def test_the_bot_posts_nothing_older_than_an_exit(
    database: Database, telegram: FakeTelegram
) -> None:
    chats = DatabaseChatState(database, SECRET)
    bot = TrackingBot("123:test", chats=chats)
    CURRENT_UPDATE.set(30)
    await bot.send_message(USER, "an answer")
    assert await chats.take(USER) == [100]  # noted for /exit
    await chats.close(USER, update_id=31)
    with pytest.raises(ChatExited):
        await bot.send_message(USER, "a late answer to update 30")
    CURRENT_UPDATE.set(None)
    with pytest.raises(ChatExited):
        await bot.send_message(USER, "a report update from the outbox")
    await bot.send_message(-100, "a card in a staff group")  # other chats are not affected
    CURRENT_UPDATE.set(32)
    await bot.send_message(USER, "the answer to her next message")
    assert telegram.sent == [100, 101, 102] and telegram.deleted == []


async def test_a_message_sent_while_the_chat_exits_is_deleted(
    database: Database, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = DatabaseChatState(database, SECRET)
    bot = TrackingBot("123:test", chats=chats)
    real_note = chats.note

    async def exit_during_send(chat_id: int, message_id: int) -> Any:
        await chats.close(USER, update_id=41)  # /exit lands between the send and the note
        return await real_note(chat_id, message_id)

    monkeypatch.setattr(chats, "note", exit_during_send)
    CURRENT_UPDATE.set(40)
    with pytest.raises(ChatExited):
        await bot.send_message(USER, "an answer")
    assert telegram.deleted == [100]


class DownState(DatabaseChatState):
    """A store that cannot be reached (Redis or the database down)."""

    async def note(self, chat_id: int, message_id: int) -> Any:
        raise ConnectionError("down")

    async def exited(self, chat_id: int) -> Any:
        raise ConnectionError("down")

    async def close(self, chat_id: int, update_id: int) -> None:
        raise ConnectionError("down")


async def test_with_the_store_down_the_bot_still_answers_and_exit_still_wipes(
    database: Database, telegram: FakeTelegram
) -> None:
    chats = DownState(database, SECRET)
    bot = TrackingBot("123:test", chats=chats)
    await bot.send_message(USER, "the emergency numbers")
    assert telegram.sent == [100]
    rasa, chat, fake_bot = FakeRasa(), FakeChat(), FakeBot()
    svc = services(database, chats, rasa)
    update, context = handler_args(svc, chat, fake_bot, update_id=50)
    await quick_exit.exit_chat(update, context)
    assert rasa.wiped == [svc.sender_id(USER)]
