"""The application keeps to Telegram's limits on what the bot sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_application
from bot.send_budgets import Budget
from bot.send_limits import SendLimiter
from bot.settings import Settings


def test_sends_keep_to_telegrams_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    settings = Settings(
        telegram_bot_token="123456:test-token",  # type: ignore[arg-type]
        pseudonym_secret="test-pseudonym-secret-0123456789",  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/app.db",
    )
    limiter = build_application(settings).bot.rate_limiter
    assert isinstance(limiter, SendLimiter)
    overall, group, private = Budget(30, 1.0), Budget(20, 60.0), Budget(5, 5.0)
    # 30 messages a second, all chats together; 20 a minute per group; ~1 a second
    # (5 in 5 s) per private chat, for messages only (not "typing…").
    assert limiter.budgets_for("sendMessage", {"chat_id": -100123}) == [
        ("chat:-100123", group),
        ("all", overall),
    ]
    assert limiter.budgets_for("sendPhoto", {"chat_id": "42"}) == [
        ("chat:42", private),
        ("all", overall),
    ]
    assert limiter.budgets_for("sendChatAction", {"chat_id": 42}) == [("all", overall)]
    assert limiter.budgets_for("answerCallbackQuery", {"callback_query_id": "1"}) == []
