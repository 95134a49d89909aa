"""Open311 service requests: reading a partner's POST and GET parameters, filing a
request as a report, and finding a partner's own requests.

Filing goes through mps.reports.file_report, as a Telegram report does: the same
routing (polygon, nearest close enough, else triage), the same unit rules, the
report, its first event and its staff card in the outbox in one transaction.
What a partner may send about the person (email, phone, names, device and account
ids) is not read: no consent to keep it was given here, and nothing is sent back
to them but through the partner. `media_url` is not read either.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.models import Partner, Report, ReportEvent, Station
from mps.open311 import LANGUAGE, Open311Error, RequestView, check_service, parse_day, parse_w3c
from mps.partners import owner_of
from mps.report_access import owner_may_see
from mps.report_rules import DESCRIPTION_MAX, DESCRIPTION_MIN, UnitRules
from mps.reports import Draft, file_report
from mps.routing import StationIndex
from mps.stations import TRIAGE
from mps.text import clean_text

ADDRESS_MAX = 200  # Report.place
WINDOW = dt.timedelta(days=90)  # the spec's longest date range and its default
LIMIT = 1000  # the spec's default query limit
STATUSES = ("open", "closed")


@dataclass(frozen=True)
class NewRequest:
    """A checked POST requests: what becomes the report."""

    service_code: str
    description: str
    point: tuple[float, float] | None  # lon, lat
    address: str
    occurred_on: dt.date | None


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def _point(form: Mapping[str, str]) -> tuple[float, float] | None:
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    if not lat and not lon:
        return None
    if not (lat and lon):
        raise Open311Error(400, "lat and long must be sent together")
    try:
        point = float(lon), float(lat)
    except ValueError:
        point = (math.nan, math.nan)
    if not (-90 <= point[1] <= 90 and -180 <= point[0] <= 180):  # NaN fails too
        raise Open311Error(400, "lat and long must be WGS84 degrees (lat -90..90, long -180..180)")
    return point


def read_new_request(form: Mapping[str, str], rules: UnitRules, clock: Clock) -> NewRequest:
    """The request a partner POSTed, checked; Open311Error says what is wrong."""
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    check_service(code, rules)
    point = _point(form)
    address = _one_line(form.get("address_string", ""))
    if point is None and not address:
        if form.get("address_id", "").strip():
            raise Open311Error(
                400, "address_id is not supported: send lat and long, or address_string"
            )
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    if len(address) > ADDRESS_MAX:
        raise Open311Error(400, f"address_string is longer than {ADDRESS_MAX} characters")
    description = clean_text(form.get("description", ""))
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise Open311Error(
            400,
            f"description is required: what happened, {DESCRIPTION_MIN} to {DESCRIPTION_MAX} "
            f"characters (got {len(description)})",
        )
    when = form.get("attribute[occurred_on]", "").strip()
    occurred_on = parse_day(when, "attribute[occurred_on]", clock.zone) if when else None
    if occurred_on is not None and occurred_on > clock.today:
        raise Open311Error(400, "attribute[occurred_on] is in the future")
    return NewRequest(code, description, point, address, occurred_on)


async def file_request(
    session: AsyncSession,
    partner: Partner,
    new: NewRequest,
    key: bytes,
    clock: Clock,
    rules: UnitRules,
    index: StationIndex,
) -> Report:
    """File the request as a report owned by the partner, with its staff card in the
    outbox; the caller commits."""
    draft = Draft(
        category=new.service_code,
        description=new.description,
        place=new.address,
        point=new.point,
        occurred_on=new.occurred_on,
        language=LANGUAGE,
    )
    return await file_report(session, draft, owner_of(partner), key, clock, rules, index)


@dataclass(frozen=True)
class RequestQuery:
    """GET requests' filters: references (which override the rest), or service codes,
    statuses and a range of filing times."""

    references: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def _listed(params: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in params.get(name, "").split(",") if v.strip())


def read_query(params: Mapping[str, str], now: dt.datetime) -> RequestQuery:
    """GET requests' parameters, checked; the range defaults to the last 90 days and
    may not span more."""
    references = tuple(r.upper() for r in _listed(params, "service_request_id"))
    if references:
        return RequestQuery(references=references)
    statuses = _listed(params, "status")
    if any(s not in STATUSES for s in statuses):
        raise Open311Error(400, "status may only be open, closed, or both (comma separated)")
    start_text, end_text = params.get("start_date", ""), params.get("end_date", "")
    start = parse_w3c(start_text, "start_date") if start_text.strip() else None
    end = parse_w3c(end_text, "end_date") if end_text.strip() else None
    if start is None:
        end = end or now
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return RequestQuery(
        codes=_listed(params, "service_code"), statuses=statuses, start=start, end=end
    )


async def find_requests(
    session: AsyncSession, partner: Partner, query: RequestQuery, limit: int = LIMIT
) -> list[Report]:
    """The partner's own requests that match, newest first; never a sensitive one."""
    select_ = select(Report).where(Report.owner == owner_of(partner))
    if query.references:
        select_ = select_.where(Report.reference.in_(query.references))
    else:
        assert query.start is not None and query.end is not None
        select_ = select_.where(Report.created_at >= query.start, Report.created_at <= query.end)
        if query.codes:
            select_ = select_.where(Report.category.in_(query.codes))
        if set(query.statuses) == {"closed"}:
            select_ = select_.where(Report.status == "closed")
        elif set(query.statuses) == {"open"}:
            select_ = select_.where(Report.status != "closed")
    rows = await session.scalars(
        select_.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)
    )
    owner = owner_of(partner)
    return [r for r in rows.all() if owner_may_see(r, owner)]


async def views_of(
    session: AsyncSession, reports: list[Report], texts: Catalogue
) -> list[RequestView]:
    """Each report with its station's name and the note of its last change of status."""
    codes = {r.station_code for r in reports if r.station_code}
    names = {
        s.code: s.display_name(LANGUAGE)
        for s in await session.scalars(select(Station).where(Station.code.in_(codes)))
    }
    names[TRIAGE] = texts.get("open311_agency_triage", LANGUAGE)
    last: dict[int, ReportEvent] = {}
    events = await session.scalars(
        select(ReportEvent)
        .where(ReportEvent.report_id.in_([r.id for r in reports]), ReportEvent.kind == "status")
        .order_by(ReportEvent.id)
    )
    for event in events:
        last[event.report_id] = event
    return [
        RequestView(
            r,
            names.get(r.station_code or TRIAGE, names[TRIAGE]),
            last[r.id].note if r.id in last else None,
        )
        for r in reports
    ]
