"""A bot replica SIGKILLed with updates it had answered 200 and not yet handled: the
other replica takes them over from the journal, and every message gets its reply
exactly once (issue 12: "late, never lost"; issue 14: a message arriving while the
bot restarts is not lost).

In the first test Rasa is a stand-in that holds every turn until the test releases
it, so the updates are certainly in flight when the replica dies. In the second,
real Rasa took the turn and the replica died before the reply reached Telegram: the
replica that takes it over gets Rasa's first answer, and the form is not moved on
twice.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator

import httpx
import pytest
import redis

from bot.journal import PREFIX
from mps.catalogue import Catalogue
from mps.pseudonym import pseudonymise
from scripts.stack import Service, log_tail, start, stop, wait_ready
from tests.e2e.stack_fixture import (
    SECRET,
    SHARED_REDIS,
    Stack,
    free_port,
    running_stack,
    wait_until,
)

pytestmark = SHARED_REDIS
A, B = 0, 1
LATE = "late answer"  # the stand-in's one reply
TEXTS = Catalogue.load_dir()


@pytest.fixture
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str, str]]:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    log_dir = tmp_path_factory.mktemp("killed")
    port = free_port()
    rasa = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "tests.e2e.slow_rasa", "--port", str(port), "--hold"]
    slow = Service("held-rasa", command, f"{rasa}/")
    start(slow, log_dir)
    try:
        assert wait_ready(slow, timeout=60), log_tail(slow)
        env = {"RASA_URL": rasa, "RASA_TIMEOUT": "120", "JOURNAL_LEASE_SECONDS": "5"}
        with running_stack(
            log_dir, with_rasa=False, redis_url=redis_url, bot_replicas=2, bot_env=env
        ) as stack:
            yield stack, rasa, redis_url
    finally:
        stop(slow)


@pytest.fixture
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    env = {"JOURNAL_LEASE_SECONDS": "5"}
    log_dir = tmp_path_factory.mktemp("again")
    with running_stack(log_dir, redis_url=redis_url, bot_replicas=2, bot_env=env) as stack:
        yield stack, redis_url


def _forget(redis_url: str, user: int) -> None:
    """Delete her Rasa conversation (other tests count the trackers left in Redis)."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(f"mpse2e:tracker:{pseudonymise(SECRET.encode(), user)}")
    finally:
        client.close()


def _user() -> int:
    """A user no earlier run has met (the shared state outlives a run in Redis)."""
    return random.randrange(10**9, 2 * 10**9)


def _turns(rasa: str) -> int:
    return int(httpx.get(f"{rasa}/_turns", timeout=10).json()["turns"])


def _say(stack: Stack, user: int, text: str, replica: int) -> int:
    """`text` from `user`, delivered to one replica (answered 200); its update id."""
    update_id = stack.telegram.say_update(user, text)
    stack.deliver(update_id, replica)
    return update_id


def _empty(redis_url: str, updates: list[int]) -> None:
    """Wait until the journal holds none of `updates`: all handled, no reply to come."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = [f"{PREFIX}entry:{u}" for u in updates]
        wait_until(lambda: client.exists(*keys) == 0, 60, "the journal emptied")
    finally:
        client.close()


def test_what_a_killed_replica_accepted_is_answered_once(held: tuple[Stack, str, str]) -> None:
    stack, rasa, redis_url = held
    # An update B finished before it died: never handled again.
    done = _user()
    _say(stack, done, "/start", B)
    stack.telegram.replies(done, 0)
    on_b, on_a = [_user() for _ in range(3)], [_user() for _ in range(2)]
    updates = [_say(stack, u, "hello", B) for u in on_b]
    updates += [_say(stack, u, "hello", A) for u in on_a]
    wait_until(lambda: _turns(rasa) == 5, what="five turns waiting at Rasa")
    stack.kill("bot2")  # B, with three turns under way
    httpx.post(f"{rasa}/_release", timeout=10).raise_for_status()

    for user in on_b + on_a:
        stack.telegram.wait_for(user, lambda m: m["text"] == LATE, timeout=120)
    _empty(redis_url, updates)
    for user in on_b + on_a:
        assert [m["text"] for m in stack.telegram.bot_messages(user)] == [LATE], user
    assert len(stack.telegram.bot_messages(done)) == 1  # the welcome, once
    assert _turns(rasa) == 8  # B's three turns were asked again, by A; nothing else


def _started_report_survives_the_kill(stack: Stack, redis_url: str, user: int) -> None:
    """B dies holding its reply to her first message; A answers it from Rasa."""
    # B's reply meets a 429 asking for 30 s: B waits, Rasa has taken the turn. (The
    # pause holds every replica: A's reply, too, goes out only once it is over.)
    stack.telegram.fault("sendMessage", 429, user, retry_after=30)
    update_id = _say(stack, user, "i want to report cars blocking the street in Karrada", B)
    wait_until(
        lambda: 'telegram_429_total{sender="reply"} 1.0' in stack.metrics("bot2"),
        120,
        "B holding the reply",
    )
    stack.kill("bot2")
    [asked] = stack.telegram.replies(user, 0, timeout=120)
    # Rasa's first answer, not the opening sentence read as the description.
    assert asked["text"] == TEXTS.get("report_ask_description", "en")
    _empty(redis_url, [update_id])
    assert len(stack.telegram.bot_messages(user)) == 1
    _say(stack, user, "Cars park on the pavement and block the school gate.", A)
    reply = stack.telegram.replies(user, asked["message_id"], quiet=0.3)[-1]
    assert reply["text"].endswith(TEXTS.get("report_ask_when", "en"))  # the form goes on


def test_a_turn_rasa_took_before_the_replica_died_is_not_taken_twice(
    real: tuple[Stack, str],
) -> None:
    stack, redis_url = real
    user = _user()
    try:
        _started_report_survives_the_kill(stack, redis_url, user)
    finally:
        _forget(redis_url, user)
