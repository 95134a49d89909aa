"""End to end: discreet help, /exit wiping the chat, and no trace left anywhere."""

from __future__ import annotations

import asyncio
import os
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from mps.catalogue import Catalogue
from mps.pseudonym import pseudonymise
from tests.e2e.stack_fixture import (
    RASA_TOKEN,
    SECRET,
    SHARED_REDIS,
    Stack,
    bot_log,
    buttons,
    new_user,
    running_stack,
    wait_for_log,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
TEXTS = Catalogue.load_dir()
TRACKER_SECONDS = 15


def discreet_conversation(stack: Stack, user: int, opening: str) -> None:
    """Opening words, "No", Erbil, the contacts; asserts what a user would see."""
    [question] = stack.telegram.ask(user, opening)
    assert question["text"] == TEXTS["utter_ask_in_danger"]["en"]
    assert [b["text"] for b in buttons(question)] == ["Yes", "No", "Exit"]
    [where] = stack.telegram.press_for_reply(user, question, "No")
    assert where["text"] == TEXTS["ask_governorate"]["en"]
    assert {"Baghdad", "Basra", "Erbil", "Exit"} == {b["text"] for b in buttons(where)}
    [contacts] = stack.telegram.press_for_reply(
        user, where, "Erbil"
    )  # one message: unit, lines, tips
    unit, lines, tips = contacts["text"].split("\n\n")
    assert unit.startswith("The nearest Family and Child Protection Unit:")
    assert "Erbil" in unit and "Women officers are on duty." in unit
    assert "📞 119" in lines and "📞 911" in lines and "to be verified" in lines
    assert tips.startswith("A few tips:")
    # Neutral offers of an officer to write to and of a call-back, and Exit.
    assert [b["text"] for b in buttons(contacts)] == [
        "Write to an officer",
        "A call at a time that suits you",
        TEXTS["exit"]["en"],
    ]


def test_discreet_flow_then_exit_deletes_every_message(stack: Stack) -> None:
    user = new_user()
    discreet_conversation(stack, user, "my husband hits me and i am not safe at home")
    last = stack.telegram.bot_messages(user)[-1]
    stack.telegram.press_by_title(user, last, "Exit")
    messages = stack.telegram.all_deleted(user)
    # Both sides: her words and the three replies (button presses leave no message).
    assert [m["sender"] for m in messages] == ["user", "bot", "bot", "bot"]
    # The conversation starts afresh: the next message is not in the old form.
    [reply] = stack.telegram.ask(user, "hello")
    assert reply["text"] == TEXTS["utter_greet"]["en"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "زوجي يضربني ومحد يدري وين اروح"),
        ("ckb", "لە ماڵەوە سەلامەت نیم مێردەکەم لێم دەدات"),
    ],
)
def test_indirect_words_in_arabic_and_kurdish_get_the_neutral_question(
    stack: Stack, language: str, text: str
) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, text)
    assert question["text"] == TEXTS["utter_ask_in_danger"][language]
    exit_title = TEXTS["exit"][language]
    assert exit_title in [b["text"] for b in buttons(question)]


def test_tips_command_and_danger_now_gives_the_numbers(stack: Stack) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, "/tips")
    assert question["text"] == TEXTS["utter_ask_in_danger"]["en"]
    [numbers] = stack.telegram.press_for_reply(user, question, "Yes")
    assert numbers["text"].startswith("📞 911")
    assert "119" in numbers["text"]
    assert [b["text"] for b in buttons(numbers)] == ["Exit"]
    before = len(stack.telegram.transcript(user))
    stack.telegram.say(user, "/exit")
    messages = stack.telegram.all_deleted(user)
    assert len(messages) == before + 1


def rasa_tracker(stack: Stack, user: int) -> str:
    """The user's conversation as Rasa's HTTP API returns it (JSON text)."""
    sender = pseudonymise(SECRET.encode(), user)
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": RASA_TOKEN},
        timeout=30,
    )
    response.raise_for_status()
    return response.text


def bot_service(stack: Stack) -> Any:
    return next(s for s in stack.services if s.name == "bot")


def test_the_exit_button_works_after_a_bot_restart(stack: Stack) -> None:
    user = new_user()
    discreet_conversation(stack, user, "my husband hits me and i am not safe at home")
    last = stack.telegram.bot_messages(user)[-1]
    stack.restart_bot()  # a deploy, a crash: the button and the trail must survive it
    query = stack.telegram.press_by_title(user, last, "Exit")
    messages = stack.telegram.all_deleted(user)
    assert [m["sender"] for m in messages] == ["user", "bot", "bot", "bot"]
    assert stack.telegram.callback_answer(query).get("show_alert") is not True  # not "expired"
    assert "not safe at home" not in rasa_tracker(stack, user)


class SlowRasa:
    """A proxy in front of Rasa that holds each user message until released (a Rasa
    that is slow to answer); the HTTP API (the /exit wipe) passes at once."""

    def __init__(self, target: str) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/webhooks/rest/webhook"):
                    proxy.arrived.set()
                    proxy.release.wait(60)
                request = urllib.request.Request(
                    target + self.path,
                    data=body or None,
                    method=self.command,
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                )
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, answer = response.status, response.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = _forward

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_reply_that_comes_after_exit_is_not_posted(stack: Stack) -> None:
    user = new_user()
    proxy = SlowRasa(stack.rasa_url)
    stack.restart_bot(RASA_URL=proxy.url)
    try:
        exits = bot_log(stack).count("exit: ")
        stack.telegram.say(user, f"my husband hits me and i am not safe at home {MARKERS[0]}")
        assert proxy.arrived.wait(60)  # Rasa is "thinking" about it
        stack.telegram.say(user, "/exit")
        wait_for_log(bot_service(stack), "exit: ", occurrences=exits + 1)
        stack.telegram.all_deleted(user)
        dropped = bot_log(stack).count("reply after /exit dropped")
        proxy.release.set()  # now Rasa's answer reaches the bot
        wait_for_log(bot_service(stack), "reply after /exit dropped", occurrences=dropped + 1)
        messages = stack.telegram.transcript(user)
        assert [m["sender"] for m in messages] == ["user", "user"]  # no reply was posted
        assert all(m["deleted"] for m in messages)
        # The late turn reached Rasa after the wipe: it was wiped again.
        assert MARKERS[0] not in rasa_tracker(stack, user)
    finally:
        proxy.close()
        stack.restart_bot(RASA_URL=stack.rasa_url)


# -- no trace: PostgreSQL, Redis (right after /exit, and after the expiry), the logs --

MARKERS = ("zorblaxine", "quimbyfrond", "plonkravist")


@pytest.fixture(scope="module")
def private_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The production stores: PostgreSQL, and Redis for Rasa's trackers and locks and
    for the bot's /exit trail (trackers expire after TRACKER_SECONDS here)."""
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not database_url or not redis_url:
        pytest.skip("TEST_DATABASE_URL and TEST_REDIS_URL are not set (`.ci/run` sets them)")

    async def reset() -> None:
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())
    log_dir = tmp_path_factory.mktemp("private")
    with running_stack(
        log_dir, database_url=database_url, redis_url=redis_url, tracker_seconds=TRACKER_SECONDS
    ) as running:
        yield running


def redis_dump(url: str) -> str:
    """Every key of the Redis database with its value, as text (read by type: DUMP
    would compress long values, and hide the words this looks for)."""
    client = redis.Redis.from_url(url)
    readers: dict[Any, Any] = {
        b"string": client.get,
        b"zset": lambda key: client.zrange(key, 0, -1, withscores=True),
        b"hash": client.hgetall,
        b"list": lambda key: client.lrange(key, 0, -1),
        b"set": client.smembers,
    }
    try:
        lines = []
        for key in client.keys("*"):
            kind = client.type(key)
            lines.append(f"{key!r} {kind!r} {readers.get(kind, client.dump)(key)!r}")
        return "\n".join(lines)
    finally:
        client.close()


def tracker_keys(url: str) -> list[bytes | str]:
    client = redis.Redis.from_url(url)
    try:
        return list(client.keys("mpse2e:tracker:*"))
    finally:
        client.close()


@SHARED_REDIS
def test_no_marker_word_in_database_redis_or_logs(private_stack: Stack) -> None:
    stack = private_stack
    url = os.environ["TEST_REDIS_URL"]
    user = new_user()
    discreet_conversation(
        stack, user, f"my husband hits me and i am not safe at home {MARKERS[0]}"
    )
    stack.telegram.ask(user, f"thank you {MARKERS[1]}")
    # Typed like an intent payload: Rasa would log the whole text if it took it as one.
    stack.telegram.ask(user, f"/ {MARKERS[2]} please")
    assert MARKERS[0] in redis_dump(url)  # Rasa keeps the conversation there, for now
    stack.telegram.say(user, "/exit")
    stack.telegram.all_deleted(user)
    # Right after /exit (not after the expiry): no word of it anywhere in Redis.
    wait_for_log(bot_service(stack), "exit: ")
    right_after = redis_dump(url)
    assert right_after  # the dump really holds the bot's and Rasa's keys
    for marker in MARKERS:
        assert marker not in right_after
    sender = pseudonymise(SECRET.encode(), user)
    assert not [k for k in tracker_keys(url) if sender.encode() in k]
    # Her next conversation starts empty.
    [reply] = stack.telegram.ask(user, "hello")
    assert reply["text"] == TEXTS["utter_greet"]["en"]
    assert not any(marker in rasa_tracker(stack, user) for marker in MARKERS)
    # Past the tracker store's expiry.
    wait_until(lambda: tracker_keys(url) == [], TRACKER_SECONDS + 60, "the trackers expired")

    database = asyncio.run(_dump_database(stack.database_url))
    assert "BGD-KRD" in database  # the dump really holds the data
    assert tracker_keys(url) == []  # expired
    after_expiry = redis_dump(url)
    logs = {s.name: s.log_path.read_text(errors="replace") for s in stack.services if s.log_path}
    assert set(logs) >= {"actions", "rasa", "bot"}
    for marker in MARKERS:
        assert marker not in database
        assert marker not in after_expiry
        for name, log in logs.items():
            assert marker not in log, name


HANDOFF_MARKERS = ("vextrolium", "gribbleshank")
ERBIL_OFFICER = 9811  # Family and Child Protection, at Erbil's unit, in her private chat


async def _dump_database(url: str) -> str:
    """Every row of every table of the PostgreSQL database, as text, each after its
    table's name."""
    engine = create_async_engine(url)
    rows = []
    async with engine.connect() as connection:
        tables = (
            await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        ).scalars()
        for table in list(tables):
            result = await connection.execute(text(f'SELECT * FROM "{table}"'))
            rows += [f"{table} {tuple(row)!r}" for row in result]
    await engine.dispose()
    return "\n".join(rows)


@SHARED_REDIS
def test_a_discreet_handoff_leaves_nothing_right_after_exit(private_stack: Stack) -> None:
    stack = private_stack
    url = os.environ["TEST_REDIS_URL"]
    stack.enrol(ERBIL_OFFICER, ERBIL_OFFICER, "EBL-CTR", "fcpu")
    user = new_user()
    discreet_conversation(stack, user, "my husband hits me and i am not safe at home")
    contacts = stack.telegram.bot_messages(user)[-1]
    [opened] = stack.telegram.press_for_reply(user, contacts, "Write to an officer")
    assert "Family and Child Protection" in opened["text"]
    card = stack.telegram.wait_for(ERBIL_OFFICER, lambda m: "Talk to a person" in m["text"])
    stack.telegram.callback_answer(stack.telegram.press_by_title(ERBIL_OFFICER, card, "Take"))
    stack.telegram.say(user, f"he took my phone {HANDOFF_MARKERS[0]}")
    relayed = stack.telegram.wait_for(ERBIL_OFFICER, lambda m: HANDOFF_MARKERS[0] in m["text"])
    # The officer replies once the bot has noted her message in the thread.
    stack.telegram.wait_until(
        lambda: (
            f"handoff_messages ({ERBIL_OFFICER}, {relayed['message_id']}"
            in asyncio.run(_dump_database(stack.database_url))
        )
    )
    stack.telegram.say(
        ERBIL_OFFICER, f"call us when safe {HANDOFF_MARKERS[1]}", reply_to=relayed["message_id"]
    )
    stack.telegram.wait_for(user, lambda m: HANDOFF_MARKERS[1] in m["text"])
    exits = bot_log(stack).count("exit: ")
    stack.telegram.say(user, "/exit")
    stack.telegram.all_deleted(user)
    wait_for_log(bot_service(stack), "exit: ", occurrences=exits + 1)
    # Right after /exit, not after any expiry: no row of it, no word of it anywhere.
    database = asyncio.run(_dump_database(stack.database_url))
    assert "handoffs (" not in database and "handoff_messages (" not in database
    assert "handoff_tallies ('EBL-CTR'" in database  # only the month's count
    right_after = redis_dump(url)
    logs = {s.name: s.log_path.read_text(errors="replace") for s in stack.services if s.log_path}
    for marker in HANDOFF_MARKERS:
        assert marker not in database and marker not in right_after
        for name, log in logs.items():
            assert marker not in log, name
    # Her side is gone from her phone, theirs from the officer's chat.
    officer = stack.telegram.transcript(ERBIL_OFFICER)
    assert all(m["deleted"] for m in officer if any(w in m["text"] for w in HANDOFF_MARKERS))
