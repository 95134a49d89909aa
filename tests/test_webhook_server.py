"""The webhook server: nothing without the secret, the update journaled before it is
queued (so before the 200), a copy some replica holds not queued, a Redis outage not
a lost update; and the journal entry deleted once the update is handled, not when its
handling was cut short."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from telegram import Update

from bot.journal import Journal
from bot.webhook import PATH, SECRET_HEADER, FinishingProcessor, webhook_app

SECRET = "webhook-test-secret-" + "x" * 20
HEADERS = {SECRET_HEADER: SECRET}


def update(update_id: int) -> dict[str, Any]:
    chat = {"id": 42, "type": "private"}
    sender = {"id": 42, "is_bot": False, "first_name": "A"}
    message = {"message_id": 7, "date": 0, "chat": chat, "from": sender, "text": "hello"}
    return {"update_id": update_id, "message": message}


class Queue(asyncio.Queue[Any]):
    """The Application's queue, noting whether the journal had the entry at each put."""

    def __init__(self, redis: aioredis.Redis | None = None, prefix: str = "") -> None:
        super().__init__()
        self.redis, self.prefix = redis, prefix
        self.journaled: list[bool] = []

    async def put(self, item: Any) -> None:
        if self.redis is not None:
            key = f"{self.prefix}entry:{item.update_id}"
            self.journaled.append(bool(await self.redis.exists(key)))
        await super().put(item)


async def client_for(queue: Queue, journal: Journal | None) -> TestClient[Any, Any]:
    application = SimpleNamespace(bot=None, update_queue=queue)
    client = TestClient(TestServer(webhook_app(application, SECRET, journal)))  # type: ignore[arg-type]
    await client.start_server()
    return client


async def test_without_the_secret_nothing_is_read_or_queued() -> None:
    queue = Queue()
    client = await client_for(queue, None)
    try:
        for headers in ({}, {SECRET_HEADER: "wrong-" + SECRET}):
            response = await client.post(PATH, json=update(1), headers=headers)
            assert response.status == 403
        assert (await client.post(PATH, data=b"not json", headers=HEADERS)).status == 400
        assert (await client.post(PATH, json=[1, 2], headers=HEADERS)).status == 400
        assert queue.empty()
        assert (await client.post(PATH, json=update(2), headers=HEADERS)).status == 200
        assert queue.get_nowait().update_id == 2
    finally:
        await client.close()


async def test_an_update_is_journaled_before_it_is_queued(redis, prefix) -> None:
    queue = Queue(redis, prefix)
    a = Journal(redis, replica="a", prefix=prefix)
    client = await client_for(queue, a)
    try:
        assert (await client.post(PATH, json=update(11), headers=HEADERS)).status == 200
        assert queue.journaled == [True]
        stored = await redis.get(f"{prefix}entry:11")
        assert json.loads(stored) == update(11)  # the update as Telegram sent it
    finally:
        await client.close()


async def test_a_copy_held_by_another_replica_is_answered_and_not_queued(redis, prefix) -> None:
    await Journal(redis, replica="a", prefix=prefix).accept(21, json.dumps(update(21)).encode())
    queue = Queue(redis, prefix)
    client = await client_for(queue, Journal(redis, replica="b", prefix=prefix))
    try:
        assert (await client.post(PATH, json=update(21), headers=HEADERS)).status == 200
        assert queue.empty()
    finally:
        await client.close()


async def test_with_redis_away_the_update_is_still_handled() -> None:
    dead = aioredis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    queue = Queue()
    client = await client_for(queue, Journal(dead, replica="a"))
    try:
        assert (await client.post(PATH, json=update(31), headers=HEADERS)).status == 200
        assert queue.get_nowait().update_id == 31
    finally:
        await client.close()
        await dead.aclose()


async def test_a_handled_update_is_struck_from_the_journal(redis, prefix) -> None:
    a = Journal(redis, replica="a", prefix=prefix)
    processor = FinishingProcessor(4, a)
    await a.accept(41, json.dumps(update(41)).encode())

    async def handlers() -> None:
        return None

    await processor.do_process_update(Update.de_json(update(41), None), handlers())
    assert not await redis.exists(f"{prefix}entry:41")


async def test_an_update_cut_short_stays_in_the_journal(redis, prefix) -> None:
    a = Journal(redis, replica="a", prefix=prefix)
    processor = FinishingProcessor(4, a)
    await a.accept(51, json.dumps(update(51)).encode())
    started = asyncio.Event()

    async def handlers() -> None:
        started.set()
        await asyncio.Event().wait()  # Rasa never answers

    task = asyncio.create_task(
        processor.do_process_update(Update.de_json(update(51), None), handlers())
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await redis.exists(f"{prefix}entry:51")  # for another replica to take over
