"""The two ChatState stores: Redis (keys expire by themselves) and the database
(rows carry their time; `purge` drops the old ones)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.chat_state import (
    DELETE_WINDOW_SECONDS,
    EXIT_SECONDS,
    PER_CHAT,
    UPDATE_MEMORY_SECONDS,
    ChatState,
    Exited,
    chat_key,
)
from mps.database import Database
from mps.models import ChatTrailEntry, ExitedChat, SeenUpdate

PREFIX = "mps:bot:"


def _exited(value: Any) -> Exited | None:
    """Parse the Redis value "<update id>:<0|1>"."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else str(value)
    update_id, _, reopened = text.partition(":")
    return Exited(int(update_id), reopened == "1")


class RedisChatState:
    """Trail as a sorted set per chat (score: time), exits and update ids as plain keys."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        prefix: str = PREFIX,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._secret = secret
        self._prefix = prefix
        self._clock = clock

    def _trail(self, chat_id: int) -> str:
        return f"{self._prefix}trail:{chat_key(self._secret, chat_id)}"

    def _exit(self, chat_id: int) -> str:
        return f"{self._prefix}exit:{chat_key(self._secret, chat_id)}"

    async def note(self, chat_id: int, message_id: int) -> Exited | None:
        key, now = self._trail(chat_id), self._clock()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {str(message_id): now})
            pipe.zremrangebyscore(key, "-inf", now - DELETE_WINDOW_SECONDS)
            pipe.zremrangebyrank(key, 0, -PER_CHAT - 1)
            pipe.expire(key, DELETE_WINDOW_SECONDS)
            pipe.get(self._exit(chat_id))
            results = await pipe.execute()
        return _exited(results[-1])

    async def take(self, chat_id: int) -> list[int]:
        key = self._trail(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrangebyscore(key, self._clock() - DELETE_WINDOW_SECONDS, "+inf")
            pipe.delete(key)
            ids, _ = await pipe.execute()
        return sorted(int(i) for i in ids)

    async def close(self, chat_id: int, update_id: int) -> None:
        await self._redis.set(self._exit(chat_id), f"{update_id}:0", ex=EXIT_SECONDS)

    async def exited(self, chat_id: int) -> Exited | None:
        return _exited(await self._redis.get(self._exit(chat_id)))

    async def reopen(self, chat_id: int, update_id: int) -> None:
        exited = await self.exited(chat_id)
        if exited is not None and not exited.reopened and exited.update_id < update_id:
            value = f"{exited.update_id}:1"
            await self._redis.set(self._exit(chat_id), value, xx=True, keepttl=True)

    async def first_time(self, update_id: int) -> bool:
        key = f"{self._prefix}update:{update_id}"
        return bool(await self._redis.set(key, b"1", nx=True, ex=UPDATE_MEMORY_SECONDS))

    async def purge(self) -> None:
        return None

    async def aclose(self) -> None:
        await self._redis.aclose()


class DatabaseChatState:
    """The same in three tables: chat_trail, exited_chats, seen_updates."""

    def __init__(
        self, database: Database, secret: bytes, clock: Callable[[], float] = time.time
    ) -> None:
        self._database = database
        self._secret = secret
        self._clock = clock
        postgres = database.engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if postgres else sqlite.insert

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def note(self, chat_id: int, message_id: int) -> Exited | None:
        key, now = chat_key(self._secret, chat_id), self._now()
        async with self._database.sessions.begin() as session:
            await session.execute(
                self._insert(ChatTrailEntry)
                .values(chat_key=key, message_id=message_id, sent_at=now)
                .on_conflict_do_nothing()
            )
            row = await session.get(ExitedChat, key)
        return Exited(row.update_id, row.reopened) if row and row.until > now else None

    async def take(self, chat_id: int) -> list[int]:
        key = chat_key(self._secret, chat_id)
        cutoff = self._now() - dt.timedelta(seconds=DELETE_WINDOW_SECONDS)
        async with self._database.sessions.begin() as session:
            rows = await session.execute(
                delete(ChatTrailEntry)
                .where(ChatTrailEntry.chat_key == key)
                .returning(ChatTrailEntry.message_id, ChatTrailEntry.sent_at)
            )
            return sorted(message_id for message_id, at in rows if at > cutoff)

    async def close(self, chat_id: int, update_id: int) -> None:
        until = self._now() + dt.timedelta(seconds=EXIT_SECONDS)
        key = chat_key(self._secret, chat_id)
        async with self._database.sessions.begin() as session:
            await session.merge(
                ExitedChat(chat_key=key, update_id=update_id, reopened=False, until=until)
            )

    async def exited(self, chat_id: int) -> Exited | None:
        async with self._database.sessions() as session:
            row = await session.get(ExitedChat, chat_key(self._secret, chat_id))
        if row is None or row.until <= self._now():
            return None
        return Exited(row.update_id, row.reopened)

    async def reopen(self, chat_id: int, update_id: int) -> None:
        async with self._database.sessions.begin() as session:
            await session.execute(
                update(ExitedChat)
                .where(
                    ExitedChat.chat_key == chat_key(self._secret, chat_id),
                    ExitedChat.update_id < update_id,
                )
                .values(reopened=True)
            )

    async def first_time(self, update_id: int) -> bool:
        async with self._database.sessions.begin() as session:
            result = await session.execute(
                self._insert(SeenUpdate)
                .values(update_id=update_id, seen_at=self._now())
                .on_conflict_do_nothing()
            )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def purge(self) -> None:
        now = self._now()
        async with self._database.sessions.begin() as session:
            trail = now - dt.timedelta(seconds=DELETE_WINDOW_SECONDS)
            updates = now - dt.timedelta(seconds=UPDATE_MEMORY_SECONDS)
            await session.execute(delete(ChatTrailEntry).where(ChatTrailEntry.sent_at <= trail))
            await session.execute(delete(SeenUpdate).where(SeenUpdate.seen_at <= updates))
            await session.execute(delete(ExitedChat).where(ExitedChat.until <= now))

    async def aclose(self) -> None:
        return None  # the database is closed by its owner


def open_chat_state(redis_url: str | None, database: Database, secret: bytes) -> ChatState:
    """Redis when a URL is given, else the database."""
    if redis_url:
        return RedisChatState(redis_url, secret)
    return DatabaseChatState(database, secret)
