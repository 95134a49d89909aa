"""Settings of the bot, read once from the environment or `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from mps.settings import StoreSettings

_PLACEHOLDERS = {"", "change-me", "changeme", "secret", "xxx", "todo", "replace-me"}


class Settings(StoreSettings):
    """Configuration of the bot process (see the README's table)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = Field(default=8.0, gt=0)
    rasa_token: SecretStr | None = None
    pseudonym_secret: SecretStr
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    # Redis for what every bot process shares (the /exit trail, exited chats, handled
    # updates); the database when unset.
    redis_url: str | None = None
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    reminder_interval_seconds: float = Field(default=60.0, gt=0)
    # How often the outbox (staff cards, citizen updates) is looked at.
    outbox_interval_seconds: float = Field(default=2.0, gt=0)
    # Language of the report cards in staff chats.
    staff_language: Literal["ar", "ckb", "en"] = "ar"

    @field_validator("pseudonym_secret")
    @classmethod
    def _real_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret.lower() in _PLACEHOLDERS or len(secret) < 16:
            raise ValueError(
                "PSEUDONYM_SECRET must be a random value of at least 16 characters "
                "(make setup writes one to .env; e.g. `openssl rand -hex 32`)"
            )
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _real_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().lower() in _PLACEHOLDERS:
            return None
        return value
