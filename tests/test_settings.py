"""Settings refuse what would leave the bot open: webhook mode without a strong
secret, placeholder or short secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.__main__ import main
from bot.settings import Settings
from mps.settings import StoreSettings

PSEUDONYM = "test-pseudonym-secret-0123456789"
STRONG = "Ab3_-" + "x7Kq" * 7


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run where no .env file is, with only the variables a test sets."""
    monkeypatch.chdir(tmp_path)
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "TELEGRAM_BOT_TOKEN", "REFERENCE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PSEUDONYM_SECRET", PSEUDONYM)


@pytest.mark.parametrize(
    "secret",
    [None, "", "short", "change-me", "x" * 31, STRONG[:-1] + "!", STRONG + " ", "é" * 40],
)
def test_webhook_mode_refuses_a_missing_or_weak_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str | None
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:test-token")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    if secret is not None:
        monkeypatch.setenv("WEBHOOK_SECRET", secret)
    assert main() == 2  # the bot does not start
    error = capsys.readouterr().err
    assert "WEBHOOK_SECRET" in error and "32" in error


def test_a_strong_secret_is_accepted_and_polling_needs_none() -> None:
    settings = Settings(webhook_url="https://bot.example.org/telegram", webhook_secret=STRONG)  # type: ignore[call-arg,arg-type]
    assert settings.webhook_secret is not None
    assert Settings().webhook_url is None  # type: ignore[call-arg]


def test_the_webhook_listens_on_loopback_unless_told() -> None:
    assert Settings().webhook_listen == "127.0.0.1"  # type: ignore[call-arg]


@pytest.mark.parametrize("secret", ["change-me", "short", "password"])
def test_a_weak_reference_secret_is_refused(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("REFERENCE_SECRET", secret)
    with pytest.raises(ValidationError, match="REFERENCE_SECRET"):
        StoreSettings()


def test_an_unset_reference_secret_is_derived(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERENCE_SECRET", "")
    settings = StoreSettings()
    assert settings.reference_secret is None and len(settings.reference_key()) == 32
    monkeypatch.setenv("REFERENCE_SECRET", "a-real-reference-secret-0123")
    assert StoreSettings().reference_key() == b"a-real-reference-secret-0123"
