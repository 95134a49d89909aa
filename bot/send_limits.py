"""Telegram's limits on what the bot sends, kept across replicas, and the one place
that waits out Telegram's 429s.

`SendLimiter` is python-telegram-bot's rate limiter (`BaseRateLimiter`) shaped
like its own `AIORateLimiter`: a call to a chat takes a slot in the chat's budget,
then one in the bot's overall budget; a 429 (`RetryAfter`) holds every call for
`retry_after` (+0.1 s) and the call is tried again. What differs:

- The budgets and the pause live in Redis when `REDIS_URL` is set
  (`bot.send_budgets`), so all replicas together keep to ~30 messages a second,
  ~20 a minute per group, and ~1 a second per private chat (short bursts pass),
  and a 429 seen by one replica holds the sends of every replica: Telegram's
  flood limit is per bot, not per process.
- How long a call may wait, for its slot and for 429s to pass, depends on who
  sends (`Sender`, set for a whole job with `sending_as`, or for one call with
  `rate_limit_args=<seconds>`). A reply to a citizen waits up to five minutes:
  the webhook has long been answered, so a reply given up is lost. The outbox
  and the reminders wait at most a second: a slot or a pause further away than
  that raises `HeldBack` at once (Telegram is not asked), and a 429 from Telegram
  is raised as it is; they keep the row and try it again in a later round.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.errors import retry_seconds
from bot.metrics import TELEGRAM_429
from bot.send_budgets import Budget, Budgets, MemoryBudgets, RedisBudgets

logger = logging.getLogger(__name__)
JSONDict = dict[str, Any]

RETRY_MARGIN = 0.1  # seconds added to Telegram's retry_after, as PTB's AIORateLimiter does
CHAT_WINDOW = 5.0  # seconds over which a private chat's ~1 message a second is counted
# Telegram's limits, as its FAQ gives them.
TELEGRAM_OVERALL = Budget(30, 1.0)
TELEGRAM_GROUP = Budget(20, 60.0)
TELEGRAM_PRIVATE = Budget(5, CHAT_WINDOW)


@dataclass(frozen=True)
class Sender:
    """Who sends (the label of the 429 metric), and how many seconds one call of
    theirs may wait for its slot and for 429s to pass before it gives up."""

    name: str
    patience: float


# Anything answering an update: the update was answered already, so a reply given up is lost.
REPLY = Sender("reply", 300.0)
# Jobs that keep their own queue in the database and come back in a later round.
OUTBOX = Sender("outbox", 1.0)
REMINDER = Sender("reminder", 1.0)
SURVEY = Sender("survey", 1.0)
# "typing…" is worth sending only at once: it never takes a slot a reply waits for.
TYPING = Sender("typing", 0.0)
SENDER: ContextVar[Sender] = ContextVar("telegram_sender", default=REPLY)


@contextlib.contextmanager
def sending_as(sender: Sender) -> Iterator[None]:
    """Send as `sender` inside the block (this task and the tasks it starts)."""
    token = SENDER.set(sender)
    try:
        yield
    finally:
        SENDER.reset(token)


class HeldBack(RetryAfter):
    """Not sent, and Telegram not asked: the next slot, or the end of a 429 pause, is
    further away than the sender waits (`retry_after` says how far)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(dt.timedelta(seconds=seconds))


def _posts_message(endpoint: str) -> bool:
    """A call that puts a message in a chat (what the per-chat limit counts)."""
    name = endpoint.lower()
    return (name.startswith("send") and name != "sendchataction") or name.startswith(
        ("copymessage", "forwardmessage")
    )


class SendLimiter(BaseRateLimiter[float]):
    """Budgets per chat and overall, and 429 pauses, over a store of budgets."""

    def __init__(
        self,
        budgets: Budgets,
        overall: Budget | None = TELEGRAM_OVERALL,
        group: Budget | None = TELEGRAM_GROUP,
        private: Budget | None = TELEGRAM_PRIVATE,
    ) -> None:
        self._budgets = budgets
        self._overall, self._group, self._private = overall, group, private

    async def initialize(self) -> None:
        """Nothing to open: the store connects on first use."""

    async def shutdown(self) -> None:
        """Close the store."""
        await self._budgets.aclose()

    def budgets_for(self, endpoint: str, data: dict[str, Any]) -> list[tuple[str, Budget]]:
        """The budgets a call takes a slot in, in order: its chat's, then the overall
        one (as AIORateLimiter: only calls with a `chat_id` are limited at all)."""
        chat_id = data.get("chat_id")
        if chat_id is None:
            return []
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        # "@name" and negative ids are groups or channels (they cannot be told apart).
        group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        chat = self._group if group else self._private if _posts_message(endpoint) else None
        found = [(f"chat:{chat_id}", chat)] if chat is not None else []
        if self._overall is not None:
            found.append(("all", self._overall))
        return found

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: float | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for the call's slots, make it; on a 429, hold every replica's calls
        for as long as Telegram says and try again, while the sender's patience lasts.

        `rate_limit_args`: seconds this one call may wait (else the sender's patience).
        """
        sender = SENDER.get()
        patience = sender.patience if rate_limit_args is None else rate_limit_args
        deadline = time.monotonic() + patience
        budgets = self.budgets_for(endpoint, data)
        while True:
            await self._wait_turn(budgets, deadline)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                TELEGRAM_429.labels(sender.name).inc()
                wait = retry_seconds(error) + RETRY_MARGIN
                await self._budgets.pause(wait)
                if time.monotonic() + wait > deadline:
                    raise
                logger.info("%s: Telegram asks to wait %.1f s; waiting", endpoint, wait)

    async def _wait_turn(self, budgets: Sequence[tuple[str, Budget]], deadline: float) -> None:
        """Take a slot in each budget in turn, sleeping until each is due; HeldBack if
        one (or the end of a pause) is due after `deadline`."""
        pending = list(budgets)
        while True:
            taken = await self._budgets.take(pending, max(0.0, deadline - time.monotonic()))
            if taken.refused:
                raise HeldBack(taken.wait)
            pending = pending[taken.count :]
            if taken.wait > 0:
                await asyncio.sleep(taken.wait)
            if not pending:
                return


def budget(count: float, seconds: float) -> Budget | None:
    """A budget of `count` sends (whole; at least one) per `seconds`; 0: no budget."""
    return Budget(max(1, int(count)), seconds) if count > 0 else None


def send_limiter(
    redis_url: str | None,
    secret: bytes,
    overall_per_second: float,
    group_per_minute: float,
    private_per_second: float,
) -> SendLimiter:
    """The bot's limiter: shared through Redis when a URL is given, else this process's."""
    budgets: Budgets = RedisBudgets.from_url(redis_url, secret) if redis_url else MemoryBudgets()
    return SendLimiter(
        budgets,
        overall=budget(overall_per_second, 1.0),
        group=budget(group_per_minute, 60.0),
        private=budget(private_per_second * CHAT_WINDOW, CHAT_WINDOW),
    )
