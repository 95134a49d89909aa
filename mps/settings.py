"""Settings every process shares: where the database is, and the stations' time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mps.bookings import Clock
from mps.database import DEFAULT_URL


class StoreSettings(BaseSettings):
    """DATABASE_URL and TIMEZONE, from the environment or `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = DEFAULT_URL
    timezone: str = "Asia/Baghdad"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    def clock(self) -> Clock:
        """The current time in the stations' zone."""
        return Clock(dt.datetime.now(dt.UTC), ZoneInfo(self.timezone))
