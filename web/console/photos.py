"""A report's photo in the console (GET /console/reports/{reference}/photo).

The report keeps only Telegram's file_id. The console asks the Bot API for the
file (getFile, then the download URL, both with the bot's token) and passes the
bytes on, only to a viewer who may see the report, and stores nothing. Neither
the token nor the file's URL is ever logged or shown.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from mps.report_errors import ReportError
from mps.reports import staff_report
from web.console.auth import require_station, viewer
from web.context import context

logger = logging.getLogger(__name__)
# Telegram's Bot API serves files up to 20 MB.
MAX_BYTES = 20 * 1024 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=20)


@dataclass(frozen=True)
class TelegramFiles:
    """Where the Bot API is (TELEGRAM_API_URL, TELEGRAM_FILE_URL) and the bot's token."""

    token: str
    api_url: str
    file_url: str


FILES = web.AppKey("console_telegram_files", TelegramFiles)
HTTP = web.AppKey("console_http", aiohttp.ClientSession)


def configure(app: web.Application, files: TelegramFiles | None) -> None:
    """Serve photos through `files` (none without a bot token: the page says so)."""
    if files is not None:
        app[FILES] = files
        app.cleanup_ctx.append(_http)


async def _http(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        app[HTTP] = session
        yield


def photos_served(request: web.Request) -> bool:
    """Whether this console can fetch photos (a bot token is configured)."""
    return FILES in request.app


def routes(app: web.Application) -> None:
    """Add the photo route."""
    app.router.add_get("/console/reports/{reference}/photo", photo)


async def fetch(http: aiohttp.ClientSession, files: TelegramFiles, file_id: str) -> bytes | None:
    """The bytes of a Telegram file, or None when Telegram cannot give them."""
    method = files.api_url + files.token + "/getFile"
    async with http.get(method, params={"file_id": file_id}) as answer:
        body = await answer.json(content_type=None)
    path = body.get("result", {}).get("file_path") if body.get("ok") else None
    if not path:
        return None
    async with http.get(files.file_url + files.token + "/" + str(path)) as download:
        if download.status != 200:
            return None
        data = await download.content.read(MAX_BYTES + 1)
    return data if len(data) <= MAX_BYTES else None


async def photo(request: web.Request) -> web.Response:
    """The photo of a report this viewer may see; 403 for anyone else, 404 without one."""
    v = await viewer(request)
    require_station(v)
    store = context(request).store
    async with store.database.sessions() as session:
        try:
            report = await staff_report(session, request.match_info["reference"], v.user_id)
        except ReportError as refused:
            raise web.HTTPForbidden() from refused
    if not report.photo_file_id or not photos_served(request):
        raise web.HTTPNotFound()
    try:
        data = await fetch(request.app[HTTP], request.app[FILES], report.photo_file_id)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        logger.warning("photo of a report not fetched: %s", type(error).__name__)
        data = None
    if data is None:
        raise web.HTTPBadGateway(text="Telegram did not give the photo; try again later")
    kind = mimetypes.guess_type(f"x.{_suffix(data)}")[0] or "application/octet-stream"
    return web.Response(body=data, content_type=kind)


def _suffix(data: bytes) -> str:
    """The image type of the bytes (Telegram's photos are JPEG)."""
    if data.startswith(b"\x89PNG"):
        return "png"
    if data[8:12] == b"WEBP":
        return "webp"
    return "jpg"
