"""Settings of the web process, read once from the environment or `.env`."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from mps.settings import StoreSettings, real_token


class WebSettings(StoreSettings):
    """DATABASE_URL and the rest of StoreSettings, where the web server listens, and the
    Bot API the console fetches report photos from (the bot's own settings)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Loopback unless a proxy on a private network forwards to it (compose).
    console_listen: str = "127.0.0.1"
    console_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"

    @field_validator("telegram_bot_token")
    @classmethod
    def _real_token(cls, value: SecretStr | None) -> SecretStr | None:
        return real_token(value)
