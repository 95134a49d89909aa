"""The queue page (GET /console/queue): the station's open reports, oldest first,
filtered by status, category, unit and age with a plain GET form, each report's
age flagged once it is past the target time to acknowledge (mps/report_queue.py).

What a viewer sees is what /queue shows them in a private chat: the one
permission function (mps.reports.may_see) decides, then the filters narrow.
"""

from __future__ import annotations

from aiohttp import web

from mps.report_queue import AGES, OPEN_STATUSES, OVERDUE, QueueFilter, age_text, overdue
from mps.report_rules import CATEGORIES
from mps.report_threads import open_queue
from web.console.auth import require_station, viewer
from web.console.pages import render
from web.context import context


def routes(app: web.Application) -> None:
    """Add the queue page."""
    app.router.add_get("/console/queue", queue)


async def queue(request: web.Request) -> web.Response:
    """The open reports this viewer may see, filtered as the form asks."""
    v = await viewer(request)
    require_station(v)
    assert v.station_code is not None
    ctx = context(request)
    rules, now = ctx.rules, ctx.store.clock().now
    units = tuple(sorted({rules.default_unit, *rules.categories.values()}))
    chosen = QueueFilter.from_query(request.query, units)
    async with ctx.store.database.sessions() as session:
        reports = await open_queue(session, v.station_code, v.user_id, in_group=False)
    rows = [
        {
            "report": r,
            "age": age_text(ctx.texts, r, now, v.language),
            "overdue": overdue(r, rules, now),
            "target": int(rules.acknowledge_within(r.unit).total_seconds() // 3600),
        }
        for r in reports
        if chosen.keeps(r, rules, now)
    ]
    return await render(
        request,
        "queue.html",
        rows=rows,
        total=len(reports),
        chosen=chosen,
        statuses=OPEN_STATUSES,
        categories=(*CATEGORIES, "callback"),
        units=units,
        ages=(*AGES, OVERDUE),
    )
