"""The objects every handler needs, built once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import ContextTypes

from bot.buttons import ButtonStore
from bot.callback_watch import CallbackWatch
from bot.chat_state import ChatState
from bot.rasa_client import RasaClient
from bot.users import UserMemory
from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.database import Database
from mps.emergency import EmergencyData, KeywordNet
from mps.limits import Limit, RateLimiter
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
    # Chats waiting to hear that their call-back request reached an officer.
    callbacks: CallbackWatch = field(default_factory=CallbackWatch)
    limiter: RateLimiter = field(
        default_factory=lambda: RateLimiter({"message": Limit(20, 60), "join": Limit(5, 3600)})
    )

    def sender_id(self, user_id: int) -> str:
        """The keyed pseudonym Rasa sees instead of the Telegram id."""
        return pseudonymise(self.pseudonym_secret, user_id)


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
