"""The report page: the card and the history (GET /console/reports/{reference}).

Only a viewer who may work the report sees it: `mps.reports.staff_report`, the
permission the Telegram buttons use, with the console as a private view.
"""

from __future__ import annotations

from aiohttp import web

from mps.delivery import card_targets
from mps.models import Station
from mps.report_card import card_text, who_did
from mps.report_errors import ReportError
from mps.reports import history, last_change, staff_report
from web.console.auth import require_station, viewer
from web.console.pages import render
from web.context import context


def routes(app: web.Application) -> None:
    """Add the report page."""
    app.router.add_get("/console/reports/{reference}", report_page)


async def report_page(request: web.Request) -> web.Response:
    """The card and the history of a report; 403 for a viewer who may not see it."""
    v = await viewer(request)
    require_station(v)
    ctx = context(request)
    reference = request.match_info["reference"].upper()
    async with ctx.store.database.sessions() as session:
        try:
            report = await staff_report(session, reference, v.user_id)
        except ReportError as refused:
            raise web.HTTPForbidden() from refused
        station = await session.get(Station, report.station_code)
        last = await last_change(session, report.id)
        who = await who_did(session, last, ctx.texts, v.language)
        targets = await card_targets(session, report)
        changes = await history(session, report.id)
    card = card_text(
        report,
        station,
        ctx.texts,
        v.language,
        ctx.store.clock().zone,
        last,
        who,
        at_triage=targets.at_triage,
    )
    return await render(request, "report.html", report=report, card=card, changes=changes)
