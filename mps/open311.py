"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): services and service
requests as documents, without any web framework (web/open311.py serves them).

Services are the report categories of data/report_routing.yml that are never
sensitive: family, children and online blackmail are not offered, and a report
of theirs is never shown (mps.report_access). Documents are plain values in the
spec's field order: a list of mappings (services, service requests, errors) or
one mapping (a service definition); None is a field without a value.

GeoReport v2 has no language parameter, so names and texts are in English
(`LANGUAGE`); texts/ holds them in all three languages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from mps.catalogue import Catalogue
from mps.models import Report
from mps.report_rules import UnitRules
from mps.stations import TRIAGE

LANGUAGE = "en"
Document = list[dict[str, object]] | dict[str, object]
# The spec's date rule: ISO 8601 as in the W3C note, with "Z" or an ±HH:MM offset.
W3C_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)")
W3C_DATE = re.compile(r"\d{4}-\d\d-\d\d")


class Open311Error(Exception):
    """A request the interface refuses: the HTTP status (400, 403 or 404, as the spec
    says) and a description for the partner's developers."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def errors_document(error: Open311Error) -> Document:
    """The spec's `errors` list; the code in the body is the HTTP status."""
    return [{"code": error.status, "description": error.description}]


def w3c(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A datetime in the spec's format, with the stations' offset (2026-11-28T13:05:00+03:00)."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def parse_w3c(text: str, name: str) -> dt.datetime:
    """A date and time with its offset, as the spec requires; 400 otherwise."""
    text = text.strip()
    if W3C_DATETIME.fullmatch(text):
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    raise Open311Error(
        400, f"{name} must be a date and time with its offset, e.g. 2026-11-28T09:00:00+03:00"
    )


def parse_day(text: str, name: str, zone: ZoneInfo) -> dt.date:
    """A date (2026-11-27) or a date and time with offset, as a day in the stations' zone."""
    text = text.strip()
    try:
        if W3C_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
        return parse_w3c(text, name).astimezone(zone).date()
    except ValueError as error:  # 2026-02-30 matches the pattern
        raise Open311Error(400, f"{name} is not a real date") from error


@dataclass(frozen=True)
class Attribute:
    """One attribute of every service: what the report form asks besides the
    category, the description and the place."""

    code: str
    datatype: str
    required: bool
    order: int
    description_key: str
    datatype_description_key: str


ATTRIBUTES = (
    Attribute(
        "occurred_on",
        "datetime",
        False,
        1,
        "open311_attribute_occurred_on",
        "open311_attribute_occurred_on_format",
    ),
)


def service_list(rules: UnitRules, texts: Catalogue) -> Document:
    """GET services: every category that is never sensitive, as a service."""
    return [
        {
            "service_code": category,
            "service_name": texts.choice("category", category, LANGUAGE),
            "description": texts.choice("service_description", category, LANGUAGE),
            "metadata": bool(ATTRIBUTES),
            "type": "realtime",
            "keywords": ", ".join(rules.words_for(category)),
            "group": texts.choice("unit", rules.unit_for(category), LANGUAGE),
        }
        for category in rules.public_categories()
    ]


def service_definition(code: str, rules: UnitRules, texts: Catalogue) -> Document:
    """GET services/{code}: its attributes; 404 for a code that is not offered."""
    check_service(code, rules)
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": texts.get(a.datatype_description_key, LANGUAGE),
                "order": a.order,
                "description": texts.get(a.description_key, LANGUAGE),
                "values": [],
            }
            for a in ATTRIBUTES
        ],
    }


def check_service(code: str, rules: UnitRules) -> None:
    """404 unless `code` is an offered service; a sensitive category says why."""
    if code in rules.public_categories():
        return
    shown = code[:40]
    if code in rules.categories:
        raise Open311Error(
            404,
            f"service_code {shown!r} not found: family, children and online blackmail "
            "matters are not taken through Open311; the person should contact the "
            "station's Family and Child Protection Unit",
        )
    raise Open311Error(404, f"service_code {shown!r} not found (see services.xml)")


def created_document(report: Report, station_name: str, texts: Catalogue) -> Document:
    """POST requests: the reference as service_request_id, and where the report went."""
    if report.sensitive:
        notice = texts.get("open311_notice_sensitive", LANGUAGE)
    elif report.station_code == TRIAGE:
        notice = texts.get("open311_notice_triage", LANGUAGE)
    else:
        notice = texts.get("open311_notice_station", LANGUAGE, station=station_name)
    return [{"service_request_id": report.reference, "service_notice": notice, "account_id": None}]


@dataclass(frozen=True)
class RequestView:
    """A report as a partner sees it: the report, its agency's name and the note of
    its last change of status."""

    report: Report
    agency: str
    status_notes: str | None


def requests_document(views: list[RequestView], texts: Catalogue, zone: ZoneInfo) -> Document:
    """GET requests and requests/{id}: the spec's fields, in its order."""
    return [
        {
            "service_request_id": v.report.reference,
            "status": "closed" if v.report.status == "closed" else "open",
            "status_notes": v.status_notes,
            "service_name": texts.choice("category", v.report.category, LANGUAGE),
            "service_code": v.report.category,
            "description": v.report.description or None,  # gone after retention
            "agency_responsible": v.agency,
            "service_notice": None,
            "requested_datetime": w3c(v.report.created_at, zone),
            "updated_datetime": w3c(v.report.updated_at, zone),
            "expected_datetime": None,
            "address": v.report.place or None,
            "address_id": None,
            "zipcode": None,
            "lat": v.report.latitude,
            "long": v.report.longitude,
            "media_url": None,
        }
        for v in views
    ]
