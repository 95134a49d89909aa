"""The objects every handler needs, built once at start-up."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from telegram import Update
from telegram.ext import ContextTypes

from bot.buttons import ButtonStore
from bot.callback_watch import CallbackWatch
from bot.chat_state import ChatState
from bot.rasa_client import RasaClient
from bot.shared_state import KEY_PREFIX, RedisButtons, RedisCounters, RedisUsers, open_redis
from bot.users import UserMemory
from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.database import Database
from mps.emergency import EmergencyData, KeywordNet
from mps.limits import Counters, Limit, MemoryCounters, RateLimiter
from mps.pseudonym import pseudonymise

SERVICES_KEY = "services"


@dataclass
class Services:
    """Shared state of the bot process (no message text in here)."""

    rasa: RasaClient
    buttons: ButtonStore
    users: UserMemory
    catalogue: Catalogue
    emergency: EmergencyData
    keywords: KeywordNet
    pseudonym_secret: bytes
    database: Database
    chats: ChatState
    clock: Callable[[], Clock]
    staff_language: str = "ar"
    # The staff console's address (CONSOLE_URL): the base of /console's links.
    console_url: str = "http://127.0.0.1:8080"
    # Chats waiting to hear that their call-back request reached an officer.
    callbacks: CallbackWatch = field(default_factory=CallbackWatch)
    limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter({"message": Limit(20, 60), "join": Limit(5, 3600)})
    )
    # The client behind buttons, users and limiter when they are shared (closed at shutdown).
    redis: aioredis.Redis | None = None
    # Updates handed over by the journal from a replica that died (bot/journal.py).
    replays: Container[int] = frozenset()

    def sender_id(self, user_id: int) -> str:
        """The keyed pseudonym Rasa sees instead of the Telegram id."""
        return pseudonymise(self.pseudonym_secret, user_id)


@dataclass(frozen=True)
class SharedState:
    """Button tokens, languages and rate-limit counters: per process, or in Redis."""

    buttons: ButtonStore
    users: UserMemory
    counters: Counters
    redis: aioredis.Redis | None = None


def open_shared_state(redis_url: str | None, secret: bytes) -> SharedState:
    """In Redis when a URL is given (any replica serves any update), else in memory."""
    if not redis_url:
        counters = MemoryCounters()
        return SharedState(ButtonStore(), UserMemory(counters=counters), counters)
    redis = open_redis(redis_url)
    return SharedState(
        RedisButtons(redis, secret),
        RedisUsers(redis, secret),
        RedisCounters(redis, secret, KEY_PREFIX),
        redis,
    )


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The Services of the running application."""
    found = context.application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


def user_language(svc: Services, update: Update) -> str:
    """The language the sender reads: chosen, detected, or from Telegram; English at worst."""
    user = update.effective_user
    if user is None:
        return "en"
    return svc.users.language(user.id, user.language_code)
