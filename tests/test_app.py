"""The application keeps to Telegram's limits on what the bot sends."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.app import build_application
from bot.settings import Settings


def test_sends_keep_to_telegrams_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    settings = Settings(
        telegram_bot_token="123456:test-token",  # type: ignore[arg-type]
        pseudonym_secret="test-pseudonym-secret-0123456789",  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/app.db",
    )
    limiter = build_application(settings).bot.rate_limiter
    assert isinstance(limiter, AIORateLimiter)
    assert limiter._base_limiter is not None  # 30 messages a second, all chats together
    assert (limiter._base_limiter.max_rate, limiter._base_limiter.time_period) == (30, 1)
    assert (limiter._group_max_rate, limiter._group_time_period) == (20, 60)  # per group
