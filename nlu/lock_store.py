"""Rasa's Redis lock store with its ticket steps made atomic (Rasa env).

Rasa runs each turn under a ticket lock per conversation, so that two turns of one
user never run at once, whichever replica takes them. Rasa 3.6's RedisLockStore
issues and returns tickets by reading the lock, changing it in Python and writing
it back: two replicas taking a turn of one user in the same millisecond both read
"no lock", both write ticket 0, and both run (tests/e2e/test_rasa_replicas.py saw
it in 12 of 40 pairs). Here each such step is one Redis transaction (WATCH, then
MULTI/EXEC, tried again if another replica changed the lock meanwhile), and a
lock is deleted only in the step that returns its last ticket.

A turn that waits for the lock looks again every LOCK_POLL_SECONDS instead of
Rasa's one second, so a user's second message waits for the first turn, not for
the next whole second; each wait is logged with its length (no conversation id),
which `make loadtest` counts.

endpoints.yml names it as `lock_store: type: nlu.lock_store.AtomicRedisLockStore`,
with Rasa's RedisLockStore settings (url, port, db, password, use_ssl, key_prefix).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
LOCK_POLL_SECONDS = 0.05  # a GET and a short transaction a poll: cheap for Redis
T = TypeVar("T")
Lock: TypeAlias = TicketLock | None


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes are Redis transactions."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Rasa builds a lock store named by module path from its endpoint config."""
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Lock, T]]
    ) -> T:
        """Read the lock, let `change` alter it and write back the lock it returns (or
        delete it when no ticket is left), all or nothing; what `change` returned
        beside. `change` may run again if another replica got in between."""
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> T:
            stored = pipe.get(key)
            lock, result = change(TicketLock.from_dict(json.loads(stored)) if stored else None)
            pipe.multi()
            if lock is not None and lock.tickets:
                pipe.set(key, lock.dumps())
            elif lock is not None:
                pipe.delete(key)
            return result

        result: T = self.red.transaction(attempt, key, value_from_callable=True)
        return result

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, after every ticket issued before it by any replica."""

        def issue(lock: Lock) -> tuple[Lock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa's own: the turn fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (of a replica that died holding one)."""

        def expire(lock: Lock) -> tuple[Lock, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Return a ticket; the lock goes with its last ticket."""

        def finish(lock: Lock) -> tuple[Lock, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Return a ticket (Rasa's version then deletes the lock if nobody waits, in a
        second step that could delete a ticket issued in between)."""
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, looking again every LOCK_POLL_SECONDS while it waits."""
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as held:
            yield held

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's wait for the ticket's turn; a turn that had to wait is logged."""
        started = time.monotonic()
        lock = await super()._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        waited = time.monotonic() - started
        if waited >= wait_time_in_seconds:  # it found an earlier turn running
            logger.info("a turn waited %.3f s for an earlier turn of its conversation", waited)
        return lock
