"""Two bot replicas (webhook mode, one Redis, one database: PostgreSQL when
TEST_DATABASE_URL is set): any replica serves any update. A button made on A works
through B, /exit through B wipes what A sent, an update delivered to both is handled
once, the language chosen through A is used by B, and over 200 reports and 200 due
reminders each card and each reminder reaches Telegram once.

No Rasa needed: /start, /language, /join and /exit are answered by the bot itself; the
reports and bookings are made with mps/ on the same database, as the actions make them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text, update

from mps.bookings import add_event, book_in_transaction
from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.database import open_database
from mps.models import Booking
from mps.reminders import set_chat
from mps.report_rules import UnitRules
from mps.reports import Draft, file_report
from mps.stations import load_index
from scripts.stack import ROOT
from tests.e2e.stack_fixture import SHARED_REDIS, TURN_QUIET, Stack, buttons, running_stack

pytestmark = SHARED_REDIS
A, B = 0, 1
TEXTS = Catalogue.load_dir()


FILINGS = 200
STAFF_GROUP, OFFICER = -7_700_001, 7_700_001  # Karrada's staff group and its officer
ZONE = ZoneInfo("Asia/Baghdad")


async def _reset(database_url: str) -> None:
    """An empty PostgreSQL database (running_stack migrates it)."""
    database = open_database(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await database.close()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    database_url = os.environ.get("TEST_DATABASE_URL")  # claims race on PostgreSQL there
    if database_url:
        asyncio.run(_reset(database_url))
    log_dir = tmp_path_factory.mktemp("replicas")
    with running_stack(
        log_dir, with_rasa=False, database_url=database_url, redis_url=redis_url, bot_replicas=2
    ) as stack:
        yield stack


def _user() -> int:
    """A user no earlier run has met (the shared state outlives a run in Redis)."""
    return random.randrange(10**9, 2 * 10**9)


def _say(stack: Stack, user: int, text: str, replica: int) -> int:
    """Say `text` through one replica; the id of her message."""
    before = stack.telegram.latest(user)
    update_id = stack.telegram.say_update(user, text)
    stack.deliver(update_id, replica)
    return before


def _turn(stack: Stack, user: int, text: str, replica: int) -> list[dict[str, Any]]:
    before = _say(stack, user, text, replica)
    return stack.telegram.replies(user, before + 1, quiet=TURN_QUIET)


def _press(stack: Stack, user: int, message: dict[str, Any], index: int, replica: int) -> str:
    """Press a button of `message` through one replica; the callback query id."""
    data = buttons(message)[index]["callback_data"]
    query = stack.telegram.press(user, int(message["message_id"]), data)
    response = stack.telegram.client.post(
        f"{stack.telegram.base}/bot123456:e2e-test-token/getUpdates", json={"timeout": 0}
    )
    [update] = [
        u for u in response.json()["result"] if u.get("callback_query", {}).get("id") == query
    ]
    stack.deliver(update["update_id"], replica)
    return query


def test_a_button_made_on_a_is_pressed_through_b(replicas: Stack) -> None:
    user = _user()
    [menu] = _turn(replicas, user, "/start", A)
    assert buttons(menu)[0]["callback_data"].startswith("b:")
    answer = replicas.telegram.callback_answer(_press(replicas, user, menu, 0, B))
    assert not answer.get("text"), answer  # neither "expired" nor "not your button"


def test_the_language_chosen_through_a_is_used_by_b(replicas: Stack) -> None:
    user = _user()
    [menu] = _turn(replicas, user, "/language", A)
    choice = next(i for i, b in enumerate(buttons(menu)) if b["callback_data"] == "lang:ckb")
    _press(replicas, user, menu, choice, A)
    replicas.telegram.wait_for(user, lambda m: m["text"] == TEXTS.get("language_set", "ckb"))
    [welcome] = _turn(replicas, user, "/start", B)
    assert welcome["text"] == TEXTS.get("welcome", "ckb")


def test_exit_through_b_wipes_what_a_sent(replicas: Stack) -> None:
    user = _user()
    _turn(replicas, user, "/start", A)
    _turn(replicas, user, "/language", A)
    _say(replicas, user, "/exit", B)
    replicas.telegram.all_deleted(user)


def test_an_update_delivered_to_both_replicas_is_handled_once(replicas: Stack) -> None:
    user = _user()
    before = replicas.telegram.latest(user)
    update_id = replicas.telegram.say_update(user, "/start")
    replicas.deliver(update_id, A)
    replicas.deliver(update_id, B)
    replies = replicas.telegram.replies(user, before + 1, quiet=1.0)
    assert len(replies) == 1, replies


def _429s(stack: Stack, replica: str) -> float:
    """The 429s Telegram answered to one replica's replies (its /metrics)."""
    line = next(
        (
            line
            for line in stack.metrics(replica).splitlines()
            if line.startswith('mps_bot_telegram_429_total{sender="reply"}')
        ),
        "0 0",
    )
    return float(line.split()[-1])


def test_a_429_met_through_a_holds_b_too(replicas: Stack) -> None:
    # Telegram's flood limit is per bot: for 3 s it answers every sendMessage with
    # "retry after 3". A meets it first; B, asked next, waits out A's pause instead
    # of calling Telegram into the flood. Both replies arrive.
    first, second = _user(), _user()
    before = {name: _429s(replicas, name) for name in ("bot", "bot2")}
    replicas.telegram.flood("sendMessage", seconds=3, retry_after=3)
    _say(replicas, first, "/start", A)
    replicas.telegram.wait_until(
        lambda: _429s(replicas, "bot") > before["bot"] or None, what="A's reply refused"
    )
    [welcome] = _turn(replicas, second, "/start", B)
    replicas.telegram.wait_for(first, lambda m: m["text"] == welcome["text"])
    assert _429s(replicas, "bot2") == before["bot2"]
    assert _429s(replicas, "bot") == before["bot"] + 1


def _join(stack: Stack, replica: int) -> None:
    """Bind Karrada's staff group with /join through one replica, as an officer does."""
    code = stack.admin("staff", "invite", "--station", "BGD-KRD").split()[0]
    body = {"text": f"/join {code}", "chat_id": STAFF_GROUP}
    sent = stack.telegram.client.post(
        f"{stack.telegram.base}/_emu/users/{OFFICER}/text", json=body
    )
    stack.deliver(int(sent.raise_for_status().json()["update_id"]), replica)
    [reply] = stack.telegram.replies(STAFF_GROUP, int(sent.json()["message_id"]))
    assert "is now the staff chat of" in reply["text"], reply["text"]


async def _file_and_book(database_url: str, chats: list[int]) -> tuple[list[str], dict[int, str]]:
    """FILINGS reports at Karrada (each in its own transaction, as the action server
    files them), and one booking per chat whose reminder is due now; the references,
    and each chat's booking code."""
    database = open_database(database_url)
    clock = Clock(dt.datetime.now(dt.UTC), ZONE)
    rules = UnitRules.load(ROOT / "data" / "report_routing.yml")
    noise = Draft(category="noise", description="generator noise all night", place="Karrada")
    key = b"e2e-test-reference-secret-0123456789"
    try:
        async with database.sessions() as session:
            index = await load_index(session)
        references = []
        for i in range(FILINGS):
            async with database.sessions.begin() as session:
                report = await file_report(session, noise, f"p{i}", key, clock, rules, index)
                assert report.reference is not None
                references.append(report.reference)
        async with database.sessions.begin() as session:
            day, nine, one = clock.today + dt.timedelta(days=3), dt.time(9), dt.time(13)
            event = await add_event(session, "BGD-MNS", day, nine, one, FILINGS, clock)
        codes = {}
        for chat in chats:
            owner = f"p{chat}"
            booking = await book_in_transaction(database.sessions, event.id, owner, 1, "en", clock)
            async with database.sessions.begin() as session:
                await set_chat(session, booking.code, owner, chat)
            codes[chat] = booking.code
        async with database.sessions.begin() as session:  # the day before has come
            await session.execute(
                update(Booking).where(Booking.event_id == event.id).values(remind_at=clock.now)
            )
        return references, codes
    finally:
        await database.close()


def test_over_200_filings_each_card_and_reminder_is_sent_once(replicas: Stack) -> None:
    _join(replicas, A)
    telegram = replicas.telegram

    def sent() -> int:
        calls = telegram.client.get(f"{telegram.base}/_emu/stats").json()["calls"]
        return int(calls.get("sendMessage", 0))

    before = sent()
    references, codes = asyncio.run(
        _file_and_book(replicas.database_url, [_user() for _ in range(FILINGS)])
    )
    # Both replicas deliver; once as many messages went out as there are cards and
    # reminders, each must have gone out once.
    telegram.wait_until(lambda: sent() >= before + 2 * FILINGS, 120, "cards and reminders")
    staff = [m["text"] for m in telegram.bot_messages(STAFF_GROUP) if "MPS-" in m["text"]]
    cards = Counter(ref for ref in references for card in staff if ref in card)
    reminders = {
        chat: sum(code in m["text"] for m in telegram.bot_messages(chat))
        for chat, code in codes.items()
    }
    twice: dict[str, list[Any]] = {
        "cards": sorted(ref for ref in references if cards[ref] != 1),
        "reminders": sorted(chat for chat, n in reminders.items() if n != 1),
    }
    assert twice == {"cards": [], "reminders": []}, {k: len(v) for k, v in twice.items()}
    assert len(staff) == FILINGS and sent() == before + 2 * FILINGS
    for service in replicas.services[-2:]:  # the race was real: both replicas sent some
        assert service.log_path is not None
        log = service.log_path.read_text(errors="replace")
        assert "delivered (staff_card)" in log and "reminders: sent" in log, service.name
