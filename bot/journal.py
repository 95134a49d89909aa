"""The journal of accepted updates: an update the webhook answered 200 is handled even
if the replica that took it is killed (Telegram never sends it again once it got 200).

In Redis (REDIS_URL); one replica's life in four steps:

* **Accept.** Before the webhook answers, the raw update is stored under its
  `update_id` (`entry:<id>`, only if no entry has that id: a second delivery of an
  update some replica already holds is not handled twice) and noted as held by this
  replica (`held:<replica>`).
* **Live.** While it runs, the replica renews `alive:<replica>` every LEASE/3
  seconds; the key expires LEASE seconds after its last renewal.
* **Finish.** Once every handler of the update has run, its entry is deleted (only
  by the replica that holds it). A finished update is never handed over again.
* **Hand over.** Every replica, at start and every LEASE/3 seconds, takes the held
  sets of replicas whose `alive` key has expired, atomically (one takes each set),
  and feeds their entries to its own Application. The dedup gate lets these
  replays through though their id was seen (`Journal.replaying`): the replica that
  saw it died before finishing it.

Privacy: an entry holds the update (the message text, the sender) from the moment
it is accepted to the moment it is handled, normally under a second; ENTRY_SECONDS
is a backstop for entries nobody ever finishes (every replica down). Nothing here
logs an entry's content. Keys are named by update id and replica name only.

Limits (README, "The journal"): a replica killed after its handlers ran and before
the entry was deleted (one Redis call) has the update handled again; so does one
whose event loop stalls longer than LEASE (its updates are handed over while it
still works on them). One Redis, not a cluster (the scripts touch keys of two
replicas). If Redis cannot be written, the update is handled without an entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from bot.metrics import JOURNAL_REPLAYED
from mps.claims import REPLICA

logger = logging.getLogger(__name__)
PREFIX = "mps:bot:journal:"
# A backstop only: a handled entry is deleted at once. An hour outlives any restart
# (the lease hands a dead replica's entries over within seconds) and keeps a text no
# longer than that when every replica is down.
ENTRY_SECONDS = 3600
LEASE_SECONDS = 15.0

# KEYS: entry, held, replicas, alive; ARGV: body, update id, replica, entry ttl, lease ms
_ACCEPT = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[4]) then return 0 end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[5])
return 1
"""
# KEYS: held, entry; ARGV: update id. Only the holder deletes the entry.
_FINISH = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then redis.call('DEL', KEYS[2]) return 1 end
return 0
"""
# KEYS: dead's alive, dead's held, own held, replicas; ARGV: dead replica, entry ttl.
# The dead replica's held ids, moved to this replica (none if it is alive after all).
_TAKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {} end
local ids = redis.call('SMEMBERS', KEYS[2])
if #ids > 0 then
  redis.call('SUNIONSTORE', KEYS[3], KEYS[3], KEYS[2])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
return ids
"""


class Journal:
    """This replica's side of the journal."""

    def __init__(
        self,
        redis: aioredis.Redis,
        replica: str = REPLICA,
        lease: float = LEASE_SECONDS,
        prefix: str = PREFIX,
    ) -> None:
        self._redis, self.replica, self.lease, self._prefix = redis, replica, lease, prefix
        self._accept = redis.register_script(_ACCEPT)
        self._finish = redis.register_script(_FINISH)
        self._take = redis.register_script(_TAKE)
        # Ids handed over from a dead replica and not yet finished here.
        self.replaying: set[int] = set()
        # False once this replica stops: it renews its lease but takes nothing more.
        self.taking = True

    def _entry(self, update_id: int | str) -> str:
        return f"{self._prefix}entry:{update_id}"

    def _held(self, replica: str) -> str:
        return f"{self._prefix}held:{replica}"

    def _alive(self, replica: str) -> str:
        return f"{self._prefix}alive:{replica}"

    @property
    def _replicas(self) -> str:
        return f"{self._prefix}replicas"

    async def accept(self, update_id: int, body: bytes) -> bool:
        """Store an update before the webhook answers; False if an entry with its id
        exists (some replica holds it: this copy must not be handled)."""
        keys = [self._entry(update_id), self._held(self.replica), self._replicas]
        keys.append(self._alive(self.replica))
        args: list[bytes | str | int] = [body, update_id, self.replica, ENTRY_SECONDS]
        args.append(int(self.lease * 1000))
        return bool(await self._accept(keys=keys, args=args))

    async def finish(self, update_id: int) -> None:
        """Every handler of the update has run: forget it (if this replica holds it)."""
        self.replaying.discard(update_id)
        await self._finish(
            keys=[self._held(self.replica), self._entry(update_id)], args=[update_id]
        )

    async def beat(self) -> None:
        """This replica lives: renew its lease."""
        await self._redis.set(self._alive(self.replica), b"1", px=int(self.lease * 1000))

    async def take_over(self) -> list[tuple[int, bytes]]:
        """The entries of replicas whose lease ran out, now held here, oldest first."""
        taken: list[int] = []
        for name in await self._redis.smembers(self._replicas):
            dead = name.decode() if isinstance(name, bytes) else str(name)
            if dead == self.replica:
                continue
            keys = [self._alive(dead), self._held(dead), self._held(self.replica)]
            keys.append(self._replicas)
            ids = await self._take(keys=keys, args=[dead, ENTRY_SECONDS])
            taken += (int(i) for i in ids)
        found: list[tuple[int, bytes]] = []
        for update_id in sorted(taken):
            body = await self._redis.get(self._entry(update_id))
            if body is None:  # expired: nothing to hand over
                await self._redis.srem(self._held(self.replica), update_id)
                continue
            self.replaying.add(update_id)
            found.append((update_id, body if isinstance(body, bytes) else body.encode()))
        return found

    async def release(self) -> None:
        """This replica stops (after handling what it had): what it still holds, if
        anything, is handed over at the next look of any replica, not after LEASE."""
        await self._redis.delete(self._alive(self.replica))

    async def aclose(self) -> None:
        """Close the connection."""
        await self._redis.aclose()


Feed = Callable[[dict[str, Any]], Awaitable[None]]


async def keep(journal: Journal, feed: Feed) -> None:
    """Renew the lease and take over dead replicas' entries, every LEASE/3 seconds,
    until cancelled; each taken entry is passed to `feed` as the update's JSON."""
    while True:
        try:
            await journal.beat()
            taken = await journal.take_over() if journal.taking else []
            for update_id, body in taken:
                await _replay(journal, feed, update_id, body)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # Redis away: the next round tries again
            logger.warning("journal round failed: %s", type(error).__name__)
        await asyncio.sleep(journal.lease / 3)


async def _replay(journal: Journal, feed: Feed, update_id: int, body: bytes) -> None:
    """Feed one taken entry; an entry that is not an update is dropped."""
    try:
        data = json.loads(body)
        assert isinstance(data, dict)
    except (ValueError, AssertionError):
        logger.warning("journal entry %s is not an update: dropped", update_id)
        with contextlib.suppress(Exception):
            await journal.finish(update_id)
        return
    JOURNAL_REPLAYED.inc()
    logger.info("update %s handed over from a stopped replica", update_id)
    await feed(data)


def open_journal(redis_url: str | None, lease: float = LEASE_SECONDS) -> Journal | None:
    """The journal in Redis; None without REDIS_URL (see the README: no journal)."""
    if not redis_url:
        return None
    redis = aioredis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    return Journal(redis, lease=lease)
