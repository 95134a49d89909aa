"""Settings of the bot, read once from the environment or `.env`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from mps.settings import PLACEHOLDERS, StoreSettings, real_token, require_secret

# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a webhook secret.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")
WEBHOOK_SECRET_HELP = (
    "WEBHOOK_URL is set, so the bot runs in webhook mode; WEBHOOK_SECRET must then be "
    "32 to 256 random characters of A-Z, a-z, 0-9, _ and - (e.g. `openssl rand -hex 32`), "
    "or anyone who reaches the webhook port could send the bot forged updates"
)

DEFAULT_RASA_URL = "http://127.0.0.1:5005"


class Settings(StoreSettings):
    """Configuration of the bot process (see the README's table)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    rasa_url: str = DEFAULT_RASA_URL
    rasa_timeout: float = Field(default=8.0, gt=0)
    rasa_token: SecretStr | None = None
    pseudonym_secret: SecretStr
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # Loopback unless a TLS proxy on a private network forwards to it (compose).
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # Webhook mode: a replica's journal entries are handed over this long after it
    # stopped renewing its lease (bot/journal.py).
    journal_lease_seconds: float = Field(default=15.0, gt=0)
    # /metrics, /healthz and /readyz (bot/probes.py; 0: off); each replica on one host
    # needs its own port.
    metrics_listen: str = "127.0.0.1"
    metrics_port: int = Field(default=9100, ge=0, le=65535)
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    reminder_interval_seconds: float = Field(default=60.0, gt=0)
    # How often the outbox (staff cards, citizen updates) is looked at.
    outbox_interval_seconds: float = Field(default=2.0, gt=0)
    # Per user: messages and button presses a minute, /join attempts an hour.
    rate_messages_per_minute: int = Field(default=20, ge=1)
    rate_joins_per_hour: int = Field(default=5, ge=1)
    # Telegram's limits on the bot's own sends, for all replicas together when
    # REDIS_URL is set: messages a second overall, a minute per group, and a second
    # per private chat (over 5 s, so short bursts pass); 0: no limit.
    telegram_max_rate: float = Field(default=30.0, ge=0)
    telegram_group_max_rate: float = Field(default=20.0, ge=0)
    telegram_chat_max_rate: float = Field(default=1.0, ge=0)
    # Language of the report cards in staff chats.
    staff_language: Literal["ar", "ckb", "en"] = "ar"

    @field_validator("pseudonym_secret")
    @classmethod
    def _real_secret(cls, value: SecretStr) -> SecretStr:
        require_secret("PSEUDONYM_SECRET", value.get_secret_value())
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _real_token(cls, value: SecretStr | None) -> SecretStr | None:
        return real_token(value)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if not self.webhook_url:
            return self
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not _WEBHOOK_SECRET.fullmatch(secret) or secret.lower() in PLACEHOLDERS:
            raise ValueError(WEBHOOK_SECRET_HELP)
        return self
