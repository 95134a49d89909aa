"""Settings every process shares: where the database is, and the stations' time zone."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mps.clock import Clock
from mps.database import DEFAULT_URL
from mps.retention import Retention

# Values that are not secrets (refused wherever a secret is required).
PLACEHOLDERS = frozenset(
    {"", "change-me", "changeme", "secret", "xxx", "todo", "replace-me", "password"}
)


def require_secret(name: str, secret: str, optional: bool = False) -> None:
    """Refuse a placeholder or a secret shorter than 16 characters, saying how to make one."""
    if secret.lower() in PLACEHOLDERS or len(secret) < 16:
        raise ValueError(
            f"{name} must be a random value of at least 16 characters "
            "(make setup writes one to .env; e.g. `openssl rand -hex 32`)"
            + (", or unset" if optional else "")
        )


def real_token(value: SecretStr | None) -> SecretStr | None:
    """A bot token, or None for a placeholder (the bot then says how to get one)."""
    if value is not None and value.get_secret_value().lower() in PLACEHOLDERS:
        return None
    return value


class StoreSettings(BaseSettings):
    """DATABASE_URL and TIMEZONE, from the environment or `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = DEFAULT_URL
    timezone: str = "Asia/Baghdad"
    # Key of the report references (a keyed permutation of the report number);
    # without it, one is derived from PSEUDONYM_SECRET.
    reference_secret: SecretStr | None = None
    pseudonym_secret: SecretStr | None = None
    # Per user (pseudonym), filed by the action server: reports and call-backs a day.
    rate_reports_per_day: int = Field(default=5, ge=1)
    rate_callbacks_per_day: int = Field(default=3, ge=1)
    # Redis for what every process shares: the bots' /exit trail, exited chats, handled
    # updates, buttons, languages and limits, and the action servers' daily filing
    # counts; unset, the database (the bots' chat state) or each process's memory.
    redis_url: str | None = None
    # Days personal data is kept (mps/retention.py): closed reports' details, and
    # bookings after the day of their event.
    retention_report_days: int = Field(default=90, ge=0)
    retention_booking_days: int = Field(default=30, ge=0)
    # Where staff open the web console: the base of the one-time links the bot's
    # /console sends (behind a proxy, its public https address).
    console_url: str = "http://127.0.0.1:8080"

    @field_validator("reference_secret")
    @classmethod
    def _real_reference_secret(cls, value: SecretStr | None) -> SecretStr | None:
        secret = value.get_secret_value() if value is not None else ""
        if not secret:
            return None  # derived from PSEUDONYM_SECRET
        require_secret("REFERENCE_SECRET", secret, optional=True)
        return value

    @field_validator("console_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError(
                "CONSOLE_URL is the console's http(s) address, e.g. https://mps.example"
            )
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    def reference_key(self) -> bytes:
        """The key of report references; ValueError if no secret is configured."""
        if self.reference_secret is not None and self.reference_secret.get_secret_value():
            return self.reference_secret.get_secret_value().encode()
        if self.pseudonym_secret is None or len(self.pseudonym_secret.get_secret_value()) < 16:
            raise ValueError("set REFERENCE_SECRET (or PSEUDONYM_SECRET) to file reports")
        base = self.pseudonym_secret.get_secret_value().encode()
        return hmac.new(base, b"report references", hashlib.sha256).digest()

    def retention(self) -> Retention:
        """The retention periods."""
        return Retention(self.retention_report_days, self.retention_booking_days)

    def clock(self) -> Clock:
        """The current time in the stations' zone."""
        return Clock(dt.datetime.now(dt.UTC), ZoneInfo(self.timezone))
