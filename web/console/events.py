"""Open House events for a station's staff: the list, a new event, an edit, the
visitors and their check-in.

    GET  /console/events                 the station's events, upcoming first, past after
    POST /console/events                 add one (the rules of `bot.admin events add`)
    GET  /console/events/{id}            its visitors (ticket, party, checked in) and its form
    POST /console/events/{id}            change its date, times or seats
    POST /console/events/{id}/checkin    check a visitor in (mps.checkin.check_in, as /checkin)

Station staff only, their own station's events (403 otherwise, headquarters
included). Every form carries the CSRF token; a refused change is shown with the
form as it was typed, and nothing of it is saved (one transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from mps.bookings import BookingError, add_event, starts_at
from mps.checkin import CheckIn, check_in, check_in_text
from mps.clock import Clock
from mps.codes import clean_code
from mps.events import Schedule, edit_event, station_events, visitors
from mps.models import Event
from mps.text import normalize
from web.console.auth import Viewer, check_csrf, require_station, viewer
from web.console.pages import render
from web.context import context

FIELDS = ("day", "start", "end", "capacity")
# Why a new event or a change is refused (BookingError's reasons: add_event, edit_event
# and parse_schedule), each a text of the group console_events_error.
EVENT_REFUSALS = (
    "bad_date",
    "bad_time",
    "bad_capacity",
    "end_before_start",
    "in_past",
    "duplicate_event",
    "started",
    "below_booked",
    "booked_times",
    "unknown_station",
)
EVENT_SAVED = ("added", "changed")  # ?saved= after a new event or a change
Form = Mapping[str, str]


def routes(app: web.Application) -> None:
    """Add the events pages."""
    app.router.add_get("/console/events", events_page)
    app.router.add_post("/console/events", create)
    app.router.add_get("/console/events/{id:[0-9]+}", event_page)
    app.router.add_post("/console/events/{id:[0-9]+}", edit)
    app.router.add_post("/console/events/{id:[0-9]+}/checkin", checkin)


async def station_viewer(request: web.Request) -> tuple[Viewer, str]:
    """The signed-in station staff member and their station (403 for anyone else)."""
    v = await viewer(request)
    require_station(v)
    assert v.station_code is not None
    return v, v.station_code


def parse_schedule(form: Form) -> Schedule:
    """The form's date, times and seats (any digits); BookingError naming a bad field."""
    values = {name: normalize(form.get(name, "")).strip() for name in FIELDS}
    try:
        day = dt.date.fromisoformat(values["day"])
    except ValueError as error:
        raise BookingError("bad_date") from error
    try:
        start, end = (dt.time.fromisoformat(values[name]) for name in ("start", "end"))
    except ValueError as error:
        raise BookingError("bad_time") from error
    if not values["capacity"].isdigit():
        raise BookingError("bad_capacity")
    return Schedule(day, start.replace(second=0), end.replace(second=0), int(values["capacity"]))


def as_form(event: Event) -> dict[str, str]:
    """An event's schedule as the form's fields."""
    return {
        "day": event.day.isoformat(),
        "start": f"{event.start:%H:%M}",
        "end": f"{event.end:%H:%M}",
        "capacity": str(event.capacity),
    }


async def events_page(request: web.Request, status: int = 200, **values: object) -> web.Response:
    """The station's events, and the form of a new one."""
    _v, station = await station_viewer(request)
    store = context(request).store
    async with store.database.sessions() as session:
        listed = await station_events(session, station, store.clock())
    values.setdefault("form", {"capacity": "20"})
    return await render(request, "events.html", status=status, listed=listed, **values)


async def posted(request: web.Request) -> tuple[Viewer, str, Form]:
    """A form the station's staff posted (403 for anyone else, or without its CSRF
    token); the viewer, their station and what they typed."""
    v, station = await station_viewer(request)
    form = await request.post()
    await check_csrf(request, form)
    return v, station, {name: str(value) for name, value in form.items()}


async def create(request: web.Request) -> web.Response:
    """Add an event to the viewer's station; the list again, with why not if refused."""
    _v, station, form = await posted(request)

    async def add(session: AsyncSession, schedule: Schedule, clock: Clock) -> Event:
        day, start, end, capacity = schedule.day, schedule.start, schedule.end, schedule.capacity
        return await add_event(session, station, day, start, end, capacity, clock)

    return await save(request, form, add, events_page, "added")


async def edit(request: web.Request) -> web.Response:
    """Change the event's schedule; its page again, with why not if refused."""
    _v, station, form = await posted(request)

    async def change(session: AsyncSession, schedule: Schedule, clock: Clock) -> Event:
        event = await own_event(request, station, session)
        return await edit_event(session, event, schedule, clock)

    return await save(request, form, change, event_page, "changed")


async def save(
    request: web.Request,
    form: Form,
    change: Callable[[AsyncSession, Schedule, Clock], Awaitable[Event]],
    page: Callable[..., Awaitable[web.Response]],
    saved: str,
) -> web.Response:
    """Apply `change` with the form's schedule in one transaction; on to the event's
    page, or `page` again with the form as typed and why it was refused (nothing saved)."""
    store = context(request).store
    typed = {name: form.get(name, "")[:20] for name in FIELDS}
    try:
        schedule = parse_schedule(typed)
        async with store.database.sessions.begin() as session:
            event = await change(session, schedule, store.clock())
    except BookingError as refused:
        return await page(request, 400, form=typed, error=refused.reason)
    raise web.HTTPSeeOther(f"/console/events/{event.id}?saved={saved}")


async def own_event(request: web.Request, station: str, session: AsyncSession) -> Event:
    """The event of the URL: 404 if there is none, 403 if another station's."""
    event = await session.get(Event, int(request.match_info["id"]))
    if event is None:
        raise web.HTTPNotFound()
    if event.station_code != station:
        raise web.HTTPForbidden()
    return event


async def event_page(request: web.Request, status: int = 200, **values: object) -> web.Response:
    """An event: its figures, its visitors with their check-in, and its form."""
    _v, station = await station_viewer(request)
    store = context(request).store
    clock = store.clock()
    async with store.database.sessions() as session:
        event = await own_event(request, station, session)
        booked = await visitors(session, event.id)
    values.setdefault("form", as_form(event))
    saved = request.query.get("saved")
    return await render(
        request,
        "event.html",
        status=status,
        event=event,
        visitors=booked,
        people=sum(b.party_size for b in booked),
        arrived=sum(b.party_size for b in booked if b.checked_in_at is not None),
        door_open=event.day == clock.today,
        editable=starts_at(event, clock.zone) > clock.now,
        saved=saved if saved in EVENT_SAVED else None,
        **values,
    )


async def checkin(request: web.Request) -> web.Response:
    """Check a visitor in by their ticket's code, as /checkin does in Telegram."""
    v, station, form = await posted(request)
    store = context(request).store
    code = clean_code(form.get("code", "")[:40])[:16]
    async with store.database.sessions.begin() as session:
        await own_event(request, station, session)
        result, booking = await check_in(session, station, code, store.clock())
    told = check_in_text(context(request).texts, result, code, booking, v.language)
    status = 200 if result is CheckIn.OK else 409
    return await event_page(request, status, checked=told, checked_ok=result is CheckIn.OK)
