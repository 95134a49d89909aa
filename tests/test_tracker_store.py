"""Rasa's tracker stores (in the Rasa env): the wipe /exit asks for removes every
word, in memory and in Redis, as loaded from the endpoints files `make run` uses."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest
import redis
import yaml

from scripts.stack import ROOT, endpoints_file

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
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
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa env (.venv-rasa) is not installed")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, str(endpoints), MARKER],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
            "ACTION_SERVER_TOKEN": "unused-in-this-test",
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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
