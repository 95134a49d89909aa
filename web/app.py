"""The aiohttp application: `create_app(settings)` builds it, and each part adds
its routes (Open311: web/open311.py; the staff console: web/console/).

Nothing opens at import: the database, the station index, the routing rules and
the texts are read on start-up and released on shutdown (`cleanup_ctx`). A test
hands in its own database, which the application then leaves open.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from mps.catalogue import Catalogue
from mps.database import Database, open_database
from mps.probes import alive, readiness
from mps.report_rules import UnitRules
from mps.settings import StoreSettings
from mps.store import Store
from web import console, open311
from web.console.photos import TelegramFiles, configure
from web.context import CONTEXT, Context, context
from web.settings import WebSettings

# A console sign-in path ends in its one-time token: logged without it.
LOGIN_PATH = "/console/login/"


class PathAccessLogger(AbstractAccessLogger):
    """One line a request: method, path, status, seconds. Never the query string (a
    GET's api_key is there), a body (a citizen's words) or a sign-in link's token."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Log one request."""
        path = request.path
        if path.startswith(LOGIN_PATH):
            path = LOGIN_PATH + "…"
        self.logger.info("%s %s %s %.3fs", request.method, path, response.status, time)


async def healthz(request: web.Request) -> web.Response:
    """Liveness, as every process of the topology answers it: the loop answers."""
    _ok, body = alive([])
    return web.json_response(body)


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers (every page and request needs it); else 503
    naming the failure (an error type, never a message)."""
    ok, body = await readiness({"database": context(request).store.database.ping})
    return web.json_response(body, status=200 if ok else 503)


def create_app(settings: StoreSettings, database: Database | None = None) -> web.Application:
    """The application on `settings` (DATABASE_URL…), or on `database` when given."""
    app = web.Application()
    app.cleanup_ctx.append(_context(settings, database))
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    open311.setup(app)
    console.setup(app)
    configure(app, telegram_files(settings))
    return app


def telegram_files(settings: StoreSettings) -> TelegramFiles | None:
    """Where the console fetches report photos: the bot's Bot API and token, if set."""
    if not isinstance(settings, WebSettings) or settings.telegram_bot_token is None:
        return None
    return TelegramFiles(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_url,
        settings.telegram_file_url,
    )


def _context(
    settings: StoreSettings, database: Database | None
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        own = database is None
        opened = open_database(settings.database_url) if database is None else database
        store = Store.empty(opened, settings)
        try:
            await store.refresh()
            app[CONTEXT] = Context(
                store, UnitRules.load(), Catalogue.load_dir(), settings.reference_key()
            )
            logging.getLogger(__name__).info("web ready")
            yield
        finally:
            if own:
                await opened.close()

    return context
