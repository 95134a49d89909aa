"""Two Rasa replicas with Redis trackers and Rasa's Redis lock store (with atomic
tickets, nlu/lock_store.py), as `make stack` runs them: two turns of one user posted
at the same moment, one to each replica, run one after the other. The conversation
then holds both turns whole (each from the user's message to `action_listen`), the
second wholly after the first, each once, in the order their answers came back, and
each answer is what the conversation recorded for that message (the REST channel may
add the emergency line before it)."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis

from scripts.stack import (
    ROOT,
    Service,
    actions_service,
    endpoints_file,
    log_tail,
    rasa_service,
    start,
    stop,
    wait_ready,
)
from tests.e2e.stack_fixture import ACTION_TOKEN, MODEL, RASA_TOKEN, admin, free_port

# Two turns of different lengths: an answer from the domain, and a custom action
# that asks the action server (and its database) for a station.
TEXTS = ("what are your opening hours?", "police station in Mansour")
ROUNDS = 8  # users, each sending one pair (Rasa's own lock store failed 12 of 40)


@dataclass
class Pair:
    """Two Rasa servers on one Redis, and an HTTP client."""

    urls: list[str]
    client: httpx.Client

    def post(self, replica: int, sender: str, text: str) -> list[dict[str, Any]]:
        """One turn through a replica's REST channel, as the bot posts it; the replies."""
        body = {"sender": sender, "message": text, "metadata": {"language": "en"}}
        response = self.client.post(f"{self.urls[replica]}/webhooks/rest/webhook", json=body)
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    def events(self, sender: str) -> list[dict[str, Any]]:
        """The conversation's events, as the tracker store holds them."""
        url = f"{self.urls[0]}/conversations/{sender}/tracker"
        response = self.client.get(url, params={"token": RASA_TOKEN})
        response.raise_for_status()
        events: list[dict[str, Any]] = response.json()["events"]
        return events


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    log_dir = tmp_path_factory.mktemp("rasa-replicas")
    database_url = f"sqlite+aiosqlite:///{log_dir}/mps.db"
    admin(database_url, "db", "upgrade")
    admin(database_url, "stations", "import", str(ROOT / "data" / "stations" / "demo.yml"))
    action_port = free_port()
    store_env = {"DATABASE_URL": database_url, "TIMEZONE": "Asia/Baghdad"}
    # Keys of this module's own (alphanumeric: Rasa's lock store wants it), removed at
    # the end: tests/e2e/test_discreet.py waits for every "mpse2e" tracker to expire.
    prefix = "mpsreplicas" + secrets.token_hex(4)
    endpoints = endpoints_file(redis_url, log_dir, record_exp=300, key_prefix=prefix)
    services: list[Service] = [actions_service(action_port, store_env, ACTION_TOKEN)]
    urls = []
    for name in ("rasa-a", "rasa-b"):
        url = f"http://127.0.0.1:{free_port()}"
        urls.append(url)
        rasa = rasa_service(url, action_port, MODEL, RASA_TOKEN, endpoints, None, ACTION_TOKEN)
        services.append(Service(name, rasa.command, rasa.health_url, rasa.env))
    try:
        for service in services:
            start(service, log_dir)
        for service in services:
            if not wait_ready(service, timeout=300):
                raise RuntimeError(f"{service.name} did not start:\n{log_tail(service)}")
        with httpx.Client(timeout=60) as client:
            yield Pair(urls, client)
    finally:
        for service in reversed(services):
            stop(service)
        store = redis.Redis.from_url(redis_url)
        try:
            keys = list(store.scan_iter(f"{prefix}*"))
            if keys:
                store.delete(*keys)
        finally:
            store.close()


def _turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events from each user message to the next one."""
    starts = [i for i, e in enumerate(events) if e["event"] == "user"]
    return [events[a:b] for a, b in zip(starts, [*starts[1:], len(events)], strict=True)]


def _parts(text: str | None) -> list[str | None]:
    """The messages Rasa's output channel makes of a bot event's text (None: custom)."""
    return list(text.strip().split("\n\n")) if text else [None]


def _at_once(pair: Pair, sender: str) -> list[tuple[float, list[dict[str, Any]]]]:
    """TEXTS[i] posted to replica i, both released at the same instant; for each,
    when its answer came back and the answer."""
    barrier = threading.Barrier(len(TEXTS))

    def send(replica: int) -> tuple[float, list[dict[str, Any]]]:
        barrier.wait()
        replies = pair.post(replica, sender, TEXTS[replica])
        return time.monotonic(), replies

    with ThreadPoolExecutor(len(TEXTS)) as pool:
        return list(pool.map(send, range(len(TEXTS))))


def test_two_turns_at_once_on_two_replicas_run_one_after_the_other(pair: Pair) -> None:
    for _ in range(ROUNDS):
        sender = "e2e-" + secrets.token_hex(12)  # a pseudonym no run has used
        assert pair.post(0, sender, "hello")  # the conversation exists, its session begun
        answered = _at_once(pair, sender)
        events = pair.events(sender)
        turns = _turns(events)
        users = [turn[0]["text"] for turn in turns]
        assert users[0] == "hello" and sorted(users[1:]) == sorted(TEXTS), users
        for turn in turns:  # each whole: it ends by listening, and listens only there
            listens = [e.get("name") == "action_listen" for e in turn]
            assert listens[-1] and sum(listens) == 1, [e["event"] for e in turn]
        stamps = [e["timestamp"] for e in events]
        assert stamps == sorted(stamps), "two turns of one user ran at the same time"
        # In the order the answers came back, and each answer is its own turn's.
        first, second = sorted(range(len(TEXTS)), key=lambda i: answered[i][0])
        assert users[1:] == [TEXTS[first], TEXTS[second]]
        for replica, turn in zip((first, second), turns[1:], strict=True):
            # Rasa's channel sends each paragraph of a text as a message of its own, and
            # ours may put the emergency line first (not a tracker event).
            bot = [e.get("text") for e in turn if e["event"] == "bot"]
            said = [part for text in bot for part in _parts(text)]
            replies = [r.get("text") for r in answered[replica][1]]
            assert said and replies[-len(said) :] == said, (said, replies)
