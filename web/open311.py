"""Open311 GeoReport v2 over HTTP, under /open311/v2/ (the domain: mps/open311.py).

    GET  services.{xml,json}            the services (no key)
    GET  services/{code}.{xml,json}     a service's attributes (no key)
    POST requests.{xml,json}            hand a report in (api_key)
    GET  requests.{xml,json}            the partner's own requests (api_key)
    GET  requests/{id}.{xml,json}       one of them (api_key)

The spec lets anyone read requests without a key; here every request is a
citizen's report, so a partner reads only its own and needs its key for that.
Errors are the spec's `errors` document with 400, 403 or 404 (a failure of ours,
too, is 400, as the spec asks), in the format the path asked for, else XML.
Descriptions are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from mps.models import Partner, Station
from mps.open311 import (
    LANGUAGE,
    Open311Error,
    created_document,
    errors_document,
    requests_document,
    service_definition,
    service_list,
)
from mps.open311_requests import (
    RequestQuery,
    file_request,
    find_requests,
    read_new_request,
    read_query,
    views_of,
)
from mps.partners import partner_for_key
from web.context import Context, context
from web.documents import FORMATS, render

logger = logging.getLogger(__name__)
PREFIX = "/open311/v2"
GENERAL_ERROR = "General service error: the reports could not be read or saved; try again later"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup(app: web.Application) -> None:
    """Add the routes and the middleware that writes their errors."""
    app.middlewares.append(errors)
    app.router.add_get(PREFIX + "/services.{fmt}", services)
    app.router.add_get(PREFIX + "/services/{code}.{fmt}", service)
    app.router.add_post(PREFIX + "/requests.{fmt}", post_request)
    app.router.add_get(PREFIX + "/requests.{fmt}", get_requests)
    app.router.add_get(PREFIX + "/requests/{id}.{fmt}", get_request)


def _format(request: web.Request) -> str:
    """The format the path ends with ("xml" when it names none we serve)."""
    fmt = request.match_info.get("fmt") or request.path.rpartition(".")[2]
    return fmt if fmt in FORMATS else "xml"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Open311's paths answer every error with the spec's document."""
    if not request.path.startswith("/open311/"):
        return await handler(request)
    try:
        if request.match_info.get("fmt", FORMATS[0]) not in FORMATS:
            raise Open311Error(404, "no such format: use .xml or .json")
        return await handler(request)
    except Open311Error as refused:
        error = refused
    except web.HTTPNotFound:
        error = Open311Error(404, f"no such resource; the endpoint is {PREFIX}/")
    except SQLAlchemyError as failure:
        logger.error("open311 %s %s: %s", request.method, request.path, type(failure).__name__)
        error = Open311Error(400, GENERAL_ERROR)
    return render(errors_document(error), "errors", _format(request), error.status)


async def _partner(ctx: Context, key: str) -> Partner:
    """The partner holding `key`; 403 without a key or with one that does not work."""
    if not key.strip():
        raise Open311Error(403, "api_key is required: ask the ministry for a partner key")
    async with ctx.store.database.sessions() as session:
        partner = await partner_for_key(session, key.strip())
    if partner is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with the request")
    return partner


async def services(request: web.Request) -> web.Response:
    """GET services."""
    ctx = context(request)
    return render(service_list(ctx.rules, ctx.texts), "services", _format(request))


async def service(request: web.Request) -> web.Response:
    """GET services/{code}."""
    ctx = context(request)
    document = service_definition(request.match_info["code"], ctx.rules, ctx.texts)
    return render(document, "service_definition", _format(request))


async def _form(request: web.Request) -> dict[str, str]:
    """A POST's form fields (the first of each name), as the spec sends them."""
    fields: dict[str, str] = {}
    for name, value in (await request.post()).items():
        if not isinstance(value, str):
            raise Open311Error(400, "send the form as application/x-www-form-urlencoded")
        fields.setdefault(name, value)
    return fields


async def post_request(request: web.Request) -> web.Response:
    """POST requests: file a report for the partner, routed like a Telegram one."""
    ctx = context(request)
    form = await _form(request)
    partner = await _partner(ctx, form.get("api_key") or request.query.get("api_key", ""))
    clock = ctx.store.clock()
    new = read_new_request(form, ctx.rules, clock)
    await ctx.store.refresh()
    async with ctx.store.database.sessions.begin() as session:
        report = await file_request(
            session, partner, new, ctx.reference_key, clock, ctx.rules, ctx.store.index
        )
        station = await session.get(Station, report.station_code)
    logger.info("open311: partner %s filed a report for %s", partner.id, report.station_code)
    name = station.display_name(LANGUAGE) if station is not None else ""
    document = created_document(report, name, ctx.texts)
    return render(document, "service_requests", _format(request))


async def get_requests(request: web.Request) -> web.Response:
    """GET requests: the partner's own, filtered as the spec says."""
    ctx = context(request)
    partner = await _partner(ctx, request.query.get("api_key", ""))
    clock = ctx.store.clock()
    query = read_query(request.query, clock.now)
    async with ctx.store.database.sessions() as session:
        views = await views_of(session, await find_requests(session, partner, query), ctx.texts)
    document = requests_document(views, ctx.texts, clock.zone)
    return render(document, "service_requests", _format(request))


async def get_request(request: web.Request) -> web.Response:
    """GET requests/{id}: one of the partner's own; 404 for any other."""
    ctx = context(request)
    partner = await _partner(ctx, request.query.get("api_key", ""))
    reference = request.match_info["id"].strip().upper()
    async with ctx.store.database.sessions() as session:
        found = await find_requests(session, partner, RequestQuery(references=(reference,)))
        views = await views_of(session, found, ctx.texts)
    if not views:
        raise Open311Error(404, f"service_request_id {reference[:40]!r} not found")
    document = requests_document(views, ctx.texts, ctx.store.clock().zone)
    return render(document, "service_requests", _format(request))
