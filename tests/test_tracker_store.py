"""Rasa's tracker stores (in the Rasa env): the wipe /exit asks for removes every
word, in memory and in Redis, as loaded from the endpoints files `make run` uses."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
import redis
import yaml

from scripts.stack import endpoints_file
from tests.rasa_env import in_rasa

MARKER = "zorblaxine"

# Saves a conversation holding the marker, then wipes it the way Rasa's
# `PUT /conversations/<id>/tracker/events []` does (an empty tracker is saved).
SCRIPT = """
import asyncio, json, sys
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

async def main(path, marker):
    store = TrackerStore.create(read_endpoint_config(path, "tracker_store"), Domain.empty())
    inner = getattr(store, "_tracker_store", store)
    tracker = DialogueStateTracker("u-wipe-test", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(f"my husband hits me {marker}"))
    await store.save(tracker)
    before = await store.retrieve_full_tracker("u-wipe-test")
    await store.save(DialogueStateTracker.from_dict("u-wipe-test", [], []))
    after = await store.retrieve_full_tracker("u-wipe-test")
    memory = json.dumps(getattr(inner, "store", {}))
    print(json.dumps({
        "class": type(inner).__name__,
        "before": marker in json.dumps(before.current_state()) if before else False,
        "after": after is not None and marker in json.dumps(after.current_state()),
        "in_memory": marker in memory,
    }))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def wipe_in_rasa(endpoints: Path) -> dict[str, object]:
    return in_rasa(
        SCRIPT,
        str(endpoints),
        MARKER,
        env={
            "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
            "ACTION_SERVER_TOKEN": "unused-in-this-test",
        },
    )


def test_make_run_uses_redis_for_trackers_and_locks_only_when_given(tmp_path: Path) -> None:
    memory = yaml.safe_load(endpoints_file(None, tmp_path).read_text())
    assert memory["tracker_store"]["type"] == "nlu.tracker_store.WipingInMemoryTrackerStore"
    assert "lock_store" not in memory  # Rasa's default: in memory
    path = endpoints_file("redis://:p%40ss@cache.internal:6380/3", tmp_path)
    stores = yaml.safe_load(path.read_text())
    server = {"url": "cache.internal", "port": 6380, "db": 3, "password": "p@ss"}
    assert stores["tracker_store"] == {
        "type": "nlu.tracker_store.WipingRedisTrackerStore",
        **server,
        "record_exp": 1800,
        "key_prefix": "mps",
    }
    assert stores["lock_store"] == {
        "type": "nlu.lock_store.AtomicRedisLockStore",
        **server,
        "key_prefix": "mps",
    }
    assert path.stat().st_mode & 0o077 == 0  # it holds the password


def test_the_in_memory_store_forgets_a_wiped_conversation(tmp_path: Path) -> None:
    result = wipe_in_rasa(endpoints_file(None, tmp_path))
    assert result == {
        "class": "WipingInMemoryTrackerStore",
        "before": True,
        "after": False,
        "in_memory": False,
    }


def test_the_redis_store_deletes_a_wiped_conversation(tmp_path: Path) -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    prefix = "wipetest" + secrets.token_hex(4)
    endpoints = endpoints_file(url, tmp_path, record_exp=60, key_prefix=prefix)
    assert endpoints.stat().st_mode & 0o077 == 0  # may hold the Redis password
    result = wipe_in_rasa(endpoints)
    assert result["class"] == "WipingRedisTrackerStore"
    assert result["before"] is True and result["after"] is False
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"{prefix}*"))
        assert keys == []  # no key, so no value holds a word
    finally:
        client.close()


def test_rasas_own_redis_store_would_keep_every_word(tmp_path: Path) -> None:
    """Why the project has its own class: the stock store merges the old events back."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    prefix = "wipetest" + secrets.token_hex(4)
    endpoints = endpoints_file(url, tmp_path, record_exp=60, key_prefix=prefix)
    stock = endpoints.read_text().replace("nlu.tracker_store.WipingRedisTrackerStore", "redis")
    endpoints.write_text(stock)
    client = redis.Redis.from_url(url)
    try:
        result = wipe_in_rasa(endpoints)
        assert result["class"] == "RedisTrackerStore" and result["after"] is True
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


# The same conversation saved turn by turn through the project's store and Rasa's own
# (same event objects, so same timestamps), each turn on the tracker the store gives
# back: as in Rasa, a slot set before the session starts (which that tracker leaves
# out), a second session, and at last a tracker that does not continue the stored one.
SAME_AS_RASA = """
import asyncio, json, sys
import redis
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from nlu.tracker_store import WipingRedisTrackerStore, take_saved

def turn(text, message_id):
    return [ActionExecuted("action_listen"), UserUttered(text, message_id=message_id),
            ActionExecuted("utter_greet")]

async def main(url, prefix):
    options = dict(host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0),
                   record_exp=60)
    ours = WipingRedisTrackerStore(Domain.empty(), key_prefix=prefix + "ours", **options)
    theirs = RedisTrackerStore(Domain.empty(), key_prefix=prefix + "rasa", **options)
    merges = []
    merge = ours._merge_trackers
    ours._merge_trackers = lambda *a: merges.append(1) or merge(*a)
    def session(text, message_id):
        return [SlotSet("session_started_metadata", {"language": "en"}),
                ActionExecuted("action_session_start"), SessionStarted(), *turn(text, message_id)]
    steps = [session("hello 0", "m0"), turn("hello 1", "m1"), session("again", "m2"),
             turn("and again", "m3"), turn("elsewhere", "m4")]
    same, saved = [], []
    # Asked for: the turn just saved; another message; another sender; the turn, twice.
    asks = [[("u1", "m0")], [("u1", "m0")], [("u2", "m2")], [("u1", "m3"), ("u1", "m3")], []]
    for number, (events, ask) in enumerate(zip(steps, asks)):
        for store in (ours, theirs):
            tracker = await store.retrieve("u1") or DialogueStateTracker("u1", [])
            if number == len(steps) - 1:  # a tracker the stored one does not lead to
                tracker = DialogueStateTracker("u1", [])
            for event in events:
                tracker.update(event)
            await store.save(tracker)
        stored = [json.loads(s.red.get(s.key_prefix + "u1")) for s in (ours, theirs)]
        same.append(stored[0] == stored[1])
        same.append(len(merges))
        kept = [take_saved(sender, message_id) for sender, message_id in ask]
        saved.append([k and k.latest_message.text for k in kept])
    full = await ours.retrieve_full_tracker("u1")
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    await ours.save(DialogueStateTracker.from_dict("u1", [], []))
    print(json.dumps({"same": same, "saved": saved, "texts": texts,
                      "after_wipe": take_saved("u1", "m3")}))
    for store in (ours, theirs):
        store.red.delete(store.key_prefix + "u1")

from urllib.parse import urlparse
asyncio.run(main(urlparse(sys.argv[1]), sys.argv[2]))
"""


def test_the_redis_store_saves_what_rasas_own_saves_and_keeps_the_turn() -> None:
    """Without reading the stored conversation back on every turn, the store writes what
    Rasa's would (the older session merged back too), and hands the REST channel the
    tracker of the turn it saved, once, for that sender and message only."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    out = in_rasa(SAME_AS_RASA, url, "savetest" + secrets.token_hex(4))
    # The same value as Rasa's after every turn; Rasa's merge made only at the last.
    assert out["same"] == [True, 0, True, 0, True, 0, True, 0, True, 1]
    assert out["saved"] == [["hello 0"], [None], [None], ["and again", None], []]
    assert out["texts"] == ["hello 0", "hello 1", "again", "and again", "elsewhere"]
    assert out["after_wipe"] is None


EVENT_TYPES = """
import json
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.utils.common import all_subclasses
from nlu.tracker_store import WipingInMemoryTrackerStore

rasas = Event.resolve_by_type
names = sorted({c.type_name for c in all_subclasses(Event)})
expected = {n: rasas(n).__name__ for n in names}
WipingInMemoryTrackerStore(Domain.empty())  # installs the table
out = {"swapped": Event.resolve_by_type is not rasas,
       "same": [{n: Event.resolve_by_type(n).__name__ for n in names} == expected
                for _ in range(2)],
       "default": Event.resolve_by_type("no_such_event", UserUttered).__name__,
       "topic": Event.resolve_by_type("topic")}
try:
    Event.resolve_by_type("no_such_event")
except ValueError:
    out["unknown"] = "ValueError"
print(json.dumps(out))
"""


def test_events_are_read_back_as_the_same_classes_with_the_table() -> None:
    """The tracker stores' table of event classes answers as Rasa's own lookup does,
    for every event type, an unknown one and the old `topic` alike."""
    assert in_rasa(EVENT_TYPES) == {
        "swapped": True,
        "same": [True, True],
        "default": "UserUttered",
        "topic": None,
        "unknown": "ValueError",
    }
