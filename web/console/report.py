"""The report page: the card, the photo, the history and the card's actions.

    GET  /console/reports/{reference}            the page
    POST /console/reports/{reference}/status     acknowledge, or in progress
    POST /console/reports/{reference}/reroute    to another station
    POST /console/reports/{reference}/ask        a question for the citizen
    POST /console/reports/{reference}/close      close with a note

Only a viewer who may work the report sees it or acts on it: the permission of
the Telegram buttons (mps.reports.staff_report), a console being a private view.
Each action is the domain function the buttons call, so the citizen hears of it
through the outbox; a `card_redraw` row then has the bot redraw the Telegram
cards. A form carries the status it was drawn for: if the report moved on
meanwhile (in Telegram or another tab), nothing changes and the page says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.contract import CITIZEN, staff_of
from mps.delivery import card_targets
from mps.formatting import digits
from mps.models import Report, ReportEvent, Station
from mps.report_card import card_text, who_did
from mps.report_errors import ChangedMeanwhile, NotAllowed, ReportError, UnknownReport, refusal
from mps.report_rules import TRANSITIONS
from mps.report_threads import MAX_NOTE, ask_citizen, redraw_cards_later
from mps.reports import change_status, history, last_change, reroute, staff_report
from mps.staff import numbers_of
from mps.stations import all_stations, nearest_first
from mps.text import clean_text
from web.console.auth import Viewer, check_csrf, require_station, viewer
from web.console.pages import message, render
from web.console.photos import photos_served
from web.context import context

Form = Mapping[str, object]
# The statuses the console's buttons set (closing has its own form, with a note).
BUTTON_STATUSES = ("acknowledged", "in_progress")


def routes(app: web.Application) -> None:
    """Add the report page and its actions."""
    app.router.add_get("/console/reports/{reference}", report_page)
    for name, act in ACTIONS.items():
        app.router.add_post(f"/console/reports/{{reference}}/{name}", _action(act))


@dataclass(frozen=True)
class Line:
    """One line of the history: when, who (a staff number, the citizen), what."""

    event: ReportEvent
    who: str


async def _lines(
    session: AsyncSession, report: Report, texts: Catalogue, language: str
) -> list[Line]:
    """The report's history with each author as the card names them ("staff #7")."""
    events = await history(session, report.id)
    users = {u for e in events if (u := staff_of(e.actor)) is not None}
    numbers = await numbers_of(session, users)

    def who(event: ReportEvent) -> str:
        user = staff_of(event.actor)
        if user is not None and user in numbers:
            return texts.get("staff_number", language, number=digits(str(numbers[user]), language))
        key = "console_actor_citizen" if event.actor == CITIZEN else "console_actor_system"
        return texts.get(key, language)

    return [Line(e, who(e)) for e in events]


async def _page(
    request: web.Request, v: Viewer, reference: str, error: str = "", status: int = 200
) -> web.Response:
    """The report page for a viewer who may see it (else 403), with a refusal if any."""
    ctx = context(request)
    async with ctx.store.database.sessions() as session:
        try:
            report = await staff_report(session, reference, v.user_id)
        except ReportError as refused:
            raise web.HTTPForbidden() from refused
        station = await session.get(Station, report.station_code)
        last = await last_change(session, report.id)
        who = await who_did(session, last, ctx.texts, v.language)
        targets = await card_targets(session, report)
        lines = await _lines(session, report, ctx.texts, v.language)
        stations = nearest_first(await all_stations(session), report)
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
    return await render(
        request,
        "report.html",
        status=status,
        report=report,
        card=card,
        lines=lines,
        error=error,
        done=request.query.get("done", ""),
        next_statuses=[s for s in BUTTON_STATUSES if s in TRANSITIONS[report.status]],
        stations=[s for s in stations if s.code != report.station_code],
        photo=bool(report.photo_file_id) and photos_served(request),
        photo_elsewhere=bool(report.photo_file_id) and not photos_served(request),
        max_note=MAX_NOTE,
    )


async def report_page(request: web.Request) -> web.Response:
    """The card, photo, history and actions of a report; 403 for anyone else."""
    v = await viewer(request)
    require_station(v)
    return await _page(request, v, request.match_info["reference"].upper())


# An action: (session, report as read, viewer, form, clock) → what the page then says.
Action = Callable[[AsyncSession, Report, Viewer, Form, Clock], Awaitable[str]]


def _text(form: Form, name: str) -> str:
    """A text field of the form, cleaned as a Telegram reply is (bot/user_text.py)."""
    value = form.get(name, "")
    return clean_text(value)[:MAX_NOTE] if isinstance(value, str) else ""


async def _set_status(
    session: AsyncSession, report: Report, v: Viewer, form: Form, clock: Clock
) -> str:
    """Acknowledge, or in progress (as the card's two buttons)."""
    status = str(form.get("status", ""))
    if status not in BUTTON_STATUSES:
        raise web.HTTPBadRequest()
    await change_status(session, str(report.reference), v.user_id, status, clock)
    return status


async def _reroute(
    session: AsyncSession, report: Report, v: Viewer, form: Form, clock: Clock
) -> str:
    """To the chosen station (a new card goes there)."""
    await reroute(session, str(report.reference), v.user_id, str(form.get("station", "")), clock)
    return "rerouted"


async def _ask(session: AsyncSession, report: Report, v: Viewer, form: Form, clock: Clock) -> str:
    """A question for the citizen, sent by the bot."""
    question = _text(form, "question")
    if not question:
        raise web.HTTPBadRequest()
    await ask_citizen(session, str(report.reference), v.user_id, question, clock)
    return "asked"


async def _close(
    session: AsyncSession, report: Report, v: Viewer, form: Form, clock: Clock
) -> str:
    """Close with the note (the citizen sees it if they agreed to updates)."""
    note = _text(form, "note")
    if not note:
        raise web.HTTPBadRequest()
    await change_status(session, str(report.reference), v.user_id, "closed", clock, note=note)
    return "closed"


ACTIONS: dict[str, Action] = {
    "status": _set_status,
    "reroute": _reroute,
    "ask": _ask,
    "close": _close,
}


def _action(act: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        """Do the action for a viewer who may work the report; say why not otherwise."""
        v = await viewer(request)
        require_station(v)
        form = await request.post()
        await check_csrf(request, form)
        ctx = context(request)
        reference, clock = request.match_info["reference"].upper(), ctx.store.clock()
        try:
            async with ctx.store.database.sessions.begin() as session:
                report = await staff_report(session, reference, v.user_id)
                if str(form.get("seen", "")) != report.status:
                    raise ChangedMeanwhile(reference, report.status)
                done = await act(session, report, v, form, clock)
                redraw_cards_later(session, report, clock)
        except (UnknownReport, NotAllowed) as refused:
            raise web.HTTPForbidden() from refused
        except ReportError as error:
            text = refusal(ctx.texts, error, v.language)
            return await _page(request, v, reference, error=text, status=409)
        if done == "rerouted":  # the report has left this station's queue
            name = ctx.store.stations.get(str(form.get("station")))
            station = name.display_name(v.language) if name is not None else ""
            return await message(request, 200, "route_done", reference=reference, station=station)
        raise web.HTTPSeeOther(f"/console/reports/{reference}?done={done}")

    return handle
