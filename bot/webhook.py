"""Webhook mode: our own aiohttp server in place of python-telegram-bot's, so that an
update is in the journal (bot/journal.py) before Telegram is told 200.

The request: the secret header is checked first (403 without it, before the body is
read), the body must be an update (400 otherwise), it is journaled, put on the
Application's queue, and answered 200. A copy of an update some replica already
holds is answered 200 and not queued. If Redis cannot be written the update is
handled without an entry: an answer now (perhaps the emergency numbers) matters more
than surviving a second fault. Nothing of the request is logged.

`run` replaces `Application.run_webhook`: start-up and shut-down in the same order
(post_init, then serving; on SIGINT/SIGTERM: stop accepting, handle what was
accepted, post_stop, shut down, post_shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Awaitable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application, SimpleUpdateProcessor

from bot.journal import Journal, keep
from bot.metrics import JOURNAL_UNWRITTEN
from bot.probes import WEBHOOK_SERVING_KEY

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class FinishingProcessor(SimpleUpdateProcessor):
    """Runs updates as SimpleUpdateProcessor does, then tells the journal each one is
    finished; not when it was cancelled (it was not finished: another replica takes it)."""

    def __init__(self, max_concurrent_updates: int, journal: Journal | None) -> None:
        super().__init__(max_concurrent_updates)
        self.journal = journal

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Every handler of the update, then its journal entry deleted."""
        cancelled = False
        try:
            await coroutine
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if self.journal is not None and isinstance(update, Update) and not cancelled:
                try:
                    await self.journal.finish(update.update_id)
                except Exception as error:  # it expires, or is handed over and repeated
                    logger.warning("journal entry not deleted: %s", type(error).__name__)


def webhook_app(
    application: AnyApplication, secret: str, journal: Journal | None
) -> web.Application:
    """The aiohttp application serving POST /telegram."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        body = await request.read()
        try:
            data = json.loads(body)
            assert isinstance(data, dict) and isinstance(data.get("update_id"), int)
            update = Update.de_json(data, application.bot)
            assert update is not None
        except Exception:  # not JSON, not an update: Telegram never sends that
            return web.Response(status=400)
        if journal is not None:
            try:
                if not await journal.accept(update.update_id, body):
                    return web.Response()  # a copy: its holder handles it
            except Exception as error:
                JOURNAL_UNWRITTEN.inc()
                logger.warning(
                    "update %s not journaled: %s", update.update_id, type(error).__name__
                )
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(PATH, receive)
    return app


async def _feed(application: AnyApplication, data: dict[str, Any]) -> None:
    """Queue an update handed over by the journal."""
    update = Update.de_json(data, application.bot)
    if update is not None:
        await application.update_queue.put(update)


async def serve(
    application: AnyApplication,
    journal: Journal | None,
    listen: str,
    port: int,
    url: str,
    secret: str,
    allowed_updates: list[str],
    stop: asyncio.Event,
) -> None:
    """Run the bot in webhook mode until `stop` is set."""
    await application.initialize()
    runner = web.AppRunner(webhook_app(application, secret, journal), access_log=None)
    keeper: asyncio.Task[None] | None = None
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        application.bot_data[WEBHOOK_SERVING_KEY] = True
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=allowed_updates
        )
        if journal is not None:
            keeper = asyncio.create_task(keep(journal, lambda d: _feed(application, d)))
        await stop.wait()
    finally:
        application.bot_data.pop(WEBHOOK_SERVING_KEY, None)
        await runner.cleanup()  # no more accepted; requests under way finish
        if journal is not None:
            journal.taking = False  # the lease is still renewed while the queue drains
        if application.running:
            await application.stop()  # handles every update accepted so far
            if application.post_stop:
                await application.post_stop(application)
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        if journal is not None:
            with contextlib.suppress(Exception):
                await journal.release()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run(application: AnyApplication, journal: Journal | None, **options: Any) -> None:
    """`serve` until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(application, journal, stop=stop, **options)

    asyncio.run(main())
