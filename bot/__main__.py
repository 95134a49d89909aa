"""`python -m bot`: run the Telegram bot (polling, or webhook if configured)."""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from bot.settings import Settings

logger = logging.getLogger("bot")

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the Telegram bot is not started.
To get a token: open Telegram, talk to @BotFather, send /newbot, follow the
steps, and put the token it gives you in .env as TELEGRAM_BOT_TOKEN=...
Rasa and the action server keep running without it."""

JOURNAL_HELP = (
    "webhook mode without REDIS_URL: no journal, so updates accepted and not yet "
    "handled are lost if this process is killed; set REDIS_URL in production"
)


def _quiet_libraries() -> None:
    """Library loggers that would print URLs with the token or message text."""
    for name in ("httpx", "httpcore", "telegram", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> int:
    """Load settings, then run until stopped."""
    try:
        settings = Settings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as error:
        print(f"bot: invalid configuration:\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _quiet_libraries()
    if settings.telegram_bot_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 0
    from bot import webhook
    from bot.app import JOURNAL_KEY, build_application
    from bot.update_types import ALLOWED_UPDATES

    application = build_application(settings)
    if settings.webhook_url:
        # Settings refuse webhook mode without a strong secret; the server answers 403
        # to any request without the X-Telegram-Bot-Api-Secret-Token header.
        assert settings.webhook_secret is not None
        journal = application.bot_data[JOURNAL_KEY]
        if journal is None:
            logger.warning(JOURNAL_HELP)
        webhook.run(
            application,
            journal,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url=settings.webhook_url,
            secret=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
