"""Settings of the web process, read once from the environment or `.env`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mps.settings import StoreSettings


class WebSettings(StoreSettings):
    """DATABASE_URL and the rest of StoreSettings, and where the web server listens."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Loopback unless a proxy on a private network forwards to it (compose).
    console_listen: str = "127.0.0.1"
    console_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
