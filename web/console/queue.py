"""The queue page: the station's open reports, oldest first (GET /console/queue)."""

from __future__ import annotations

from aiohttp import web

from mps.report_threads import open_queue
from web.console.auth import require_station, viewer
from web.console.pages import render
from web.context import context


def routes(app: web.Application) -> None:
    """Add the queue page."""
    app.router.add_get("/console/queue", queue)


async def queue(request: web.Request) -> web.Response:
    """The open reports this viewer may see, as in /queue (a console is a private view)."""
    v = await viewer(request)
    require_station(v)
    assert v.station_code is not None
    store = context(request).store
    async with store.database.sessions() as session:
        reports = await open_queue(session, v.station_code, v.user_id, in_group=False)
    return await render(request, "queue.html", reports=reports, now=store.clock().now)
