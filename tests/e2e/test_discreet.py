"""End to end: discreet help, /exit wiping the chat, and no trace left anywhere."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import redis
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.stack_fixture import Stack, buttons, running_stack

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "data" / "responses.yml").read_text("utf-8"))
LABELS = yaml.safe_load((ROOT / "actions" / "labels.yml").read_text("utf-8"))
_users = itertools.count(7000)
TRACKER_SECONDS = 4


def press(stack: Stack, user: int, message: dict[str, Any], title: str, count: int = 1) -> list:
    button = next(b for b in buttons(message) if b["text"] == title)
    before = len(stack.telegram.transcript(user))
    stack.telegram.press(user, message["message_id"], button["callback_data"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [m for m in stack.telegram.transcript(user)[before:] if m["sender"] == "bot"]
        if len(new) >= count:
            time.sleep(0.3)
            return [m for m in stack.telegram.transcript(user)[before:] if m["sender"] == "bot"]
        time.sleep(0.1)
    raise AssertionError(f"expected {count} bot messages after pressing {title!r}")


def wait_all_deleted(stack: Stack, user: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = stack.telegram.transcript(user)
        if messages and all(m["deleted"] for m in messages):
            return messages
        time.sleep(0.2)
    raise AssertionError(f"not all deleted: {stack.telegram.transcript(user)}")


def discreet_conversation(stack: Stack, user: int, opening: str) -> None:
    """Opening words, "No", Erbil, the contacts; asserts what a user would see."""
    [question] = stack.telegram.ask(user, opening)
    assert question["text"] == RESPONSES["utter_ask_in_danger"]["text"]["en"]
    assert [b["text"] for b in buttons(question)] == ["Yes", "No", "Exit"]
    [where] = press(stack, user, question, "No")
    assert where["text"] == RESPONSES["utter_ask_governorate"]["text"]["en"]
    assert {"Baghdad", "Basra", "Erbil", "Exit"} == {b["text"] for b in buttons(where)}
    [contacts] = press(stack, user, where, "Erbil")  # one message: unit, lines, tips
    unit, lines, tips = contacts["text"].split("\n\n")
    assert unit.startswith("The nearest Family and Child Protection Unit:")
    assert "Erbil" in unit and "Women officers are on duty." in unit
    assert "📞 119" in lines and "📞 911" in lines and "to be verified" in lines
    assert tips.startswith("A few tips:")
    # A neutral offer of a call-back, and Exit.
    assert [b["text"] for b in buttons(contacts)] == [
        "A call at a time that suits you", LABELS["exit"]["en"],
    ]  # fmt: skip


def test_discreet_flow_then_exit_deletes_every_message(stack: Stack) -> None:
    user = next(_users)
    discreet_conversation(stack, user, "my husband hits me and i am not safe at home")
    [last] = [m for m in stack.telegram.transcript(user) if m["sender"] == "bot"][-1:]
    press_exit = next(b for b in buttons(last) if b["text"] == "Exit")
    stack.telegram.press(user, last["message_id"], press_exit["callback_data"])
    messages = wait_all_deleted(stack, user)
    # Both sides: her words and the three replies (button presses leave no message).
    assert [m["sender"] for m in messages] == ["user", "bot", "bot", "bot"]
    # The conversation starts afresh: the next message is not in the old form.
    [reply] = stack.telegram.ask(user, "hello")
    assert reply["text"] == RESPONSES["utter_greet"]["text"]["en"]


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
    user = next(_users)
    [question] = stack.telegram.ask(user, text)
    assert question["text"] == RESPONSES["utter_ask_in_danger"]["text"][language]
    exit_title = LABELS["exit"][language]
    assert exit_title in [b["text"] for b in buttons(question)]


def test_tips_command_and_danger_now_gives_the_numbers(stack: Stack) -> None:
    user = next(_users)
    [question] = stack.telegram.ask(user, "/tips")
    assert question["text"] == RESPONSES["utter_ask_in_danger"]["text"]["en"]
    [numbers] = press(stack, user, question, "Yes")
    assert numbers["text"].startswith("📞 911")
    assert "119" in numbers["text"]
    assert [b["text"] for b in buttons(numbers)] == ["Exit"]
    before = len(stack.telegram.transcript(user))
    stack.telegram.say(user, "/exit")
    messages = wait_all_deleted(stack, user)
    assert len(messages) == before + 1


# -- no trace: PostgreSQL, Redis (short expiry), and the logs of all processes --

MARKERS = ("zorblaxine", "quimbyfrond")


@pytest.fixture(scope="module")
def private_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
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
    redis = urlparse(redis_url)
    log_dir = tmp_path_factory.mktemp("private")
    endpoints = log_dir / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump(
            {
                "action_endpoint": {
                    "url": "${ACTION_ENDPOINT_URL}",
                    "token": "${ACTION_SERVER_TOKEN}",
                },
                "tracker_store": {
                    "type": "redis",
                    "url": redis.hostname or "127.0.0.1",
                    "port": redis.port or 6379,
                    "db": int((redis.path or "/0").strip("/") or 0),
                    "record_exp": TRACKER_SECONDS,
                    "key_prefix": "mpsprivacy",
                },
            }
        ),
        encoding="utf-8",
    )
    with running_stack(log_dir, database_url=database_url, endpoints=endpoints) as running:
        yield running


def redis_dump(url: str) -> str:
    """Every key of the Redis database with its serialised value, as text."""
    client = redis.Redis.from_url(url)
    try:
        return "\n".join(f"{key!r} {client.dump(key)!r}" for key in client.keys("*"))
    finally:
        client.close()


def tracker_keys(url: str) -> list[bytes | str]:
    client = redis.Redis.from_url(url)
    try:
        return list(client.keys("mpsprivacy*"))
    finally:
        client.close()


def test_no_marker_word_in_database_redis_or_logs(private_stack: Stack) -> None:
    stack = private_stack
    user = next(_users)
    discreet_conversation(
        stack, user, f"my husband hits me and i am not safe at home {MARKERS[0]}"
    )
    stack.telegram.ask(user, f"thank you {MARKERS[1]}")
    assert tracker_keys(os.environ["TEST_REDIS_URL"])  # Rasa keeps it there, for now
    stack.telegram.say(user, "/exit")
    wait_all_deleted(stack, user)
    time.sleep(TRACKER_SECONDS + 2)  # past the tracker store's expiry

    async def dump_database() -> str:
        engine = create_async_engine(stack.database_url)
        rows = []
        async with engine.connect() as connection:
            tables = (
                await connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
            for table in list(tables):
                result = await connection.execute(text(f'SELECT * FROM "{table}"'))
                rows += [repr(tuple(row)) for row in result]
        await engine.dispose()
        return "\n".join(rows)

    database = asyncio.run(dump_database())
    assert "BGD-KRD" in database  # the dump really holds the data
    assert tracker_keys(os.environ["TEST_REDIS_URL"]) == []  # expired
    redis = redis_dump(os.environ["TEST_REDIS_URL"])
    logs = {s.name: s.log_path.read_text(errors="replace") for s in stack.services if s.log_path}
    assert set(logs) >= {"actions", "rasa", "bot"}
    for marker in MARKERS:
        assert marker not in database
        assert marker not in redis
        for name, log in logs.items():
            assert marker not in log, name
