"""A partner reads its own requests: only its own, with the status, notes, agency
and times staff give them, filtered and limited as the spec says."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from mps.models import Report
from mps.open311_requests import WINDOW
from mps.reports import change_status, reroute
from tests.open311.conftest import (
    FORMATS,
    NOISE,
    SETTINGS,
    W3C,
    Api,
    enrol,
    error_of,
    later,
    listed,
    one,
)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_partner_sees_its_own_requests_and_no_others(api: Api, fmt: str) -> None:
    first = await api.file("city")
    second = await api.file("city", service_code="theft", description="My bicycle was stolen.")
    theirs = await api.file("callcentre")
    assert await listed(api, fmt) == [second, first]  # newest first
    assert await listed(api, fmt, "callcentre") == [theirs]
    assert await listed(api, fmt, service_request_id=f"{theirs},{first.lower()}") == [first]
    for partner, reference in (("city", theirs), ("callcentre", first)):
        response = await api.get(f"requests/{reference}.{fmt}", partner)
        status, description = await error_of(response, fmt)
        assert status == 404 and reference in description


@pytest.mark.parametrize("fmt", FORMATS)
async def test_an_unknown_request_or_resource_is_404(api: Api, fmt: str) -> None:
    response = await api.get(f"requests/MPS-0000-00.{fmt}", "city")
    assert (await error_of(response, fmt))[0] == 404
    response = await api.get(f"tokens/12345.{fmt}")
    assert (await error_of(response, fmt))[0] == 404
    response = await api.get("services.csv")
    assert (await error_of(response, "xml")) == (404, "no such format: use .xml or .json")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_status_notes_agency_and_times_follow_the_staff(api: Api, fmt: str) -> None:
    reference = await api.file()
    row = await one(api, fmt, reference)
    assert {k: row[k] for k in ("status", "status_notes", "service_code", "service_name")} == {
        "status": "open",
        "status_notes": None,
        "service_code": "noise",
        "service_name": "Noise",
    }
    assert row["agency_responsible"] == "Karrada Police Station" and row["description"] == NOISE
    assert (row["lat"], row["long"], row["address"]) == ("33.302", "44.428", None)
    assert W3C.fullmatch(str(row["requested_datetime"]))
    assert row["updated_datetime"] == row["requested_datetime"]
    await enrol(api, "BGD-KRD", 42, -100)
    await enrol(api, "BGD-MNS", 43, -200)
    async with api.database.sessions.begin() as session:
        await change_status(session, reference, 42, "acknowledged", later(5))
        await reroute(session, reference, 42, "BGD-MNS", later(10))
    row = await one(api, fmt, reference)
    assert (row["status"], row["agency_responsible"]) == ("open", "Mansour Police Station")
    note = "The generator was moved away from the houses. Thank you."
    async with api.database.sessions.begin() as session:
        await change_status(session, reference, 43, "closed", later(65), note)
    row = await one(api, fmt, reference)
    assert (row["status"], row["status_notes"]) == ("closed", note)
    requested = dt.datetime.fromisoformat(str(row["requested_datetime"]))
    updated = dt.datetime.fromisoformat(str(row["updated_datetime"]))
    assert W3C.fullmatch(str(row["updated_datetime"]))
    assert dt.timedelta(minutes=64) < updated - requested < dt.timedelta(minutes=66)
    assert await listed(api, fmt, status="closed") == [reference]
    assert await listed(api, fmt, status="open") == []
    assert await listed(api, fmt, status="open,closed") == [reference]
    assert await listed(api, fmt, service_code="theft,vandalism") == []
    assert await listed(api, fmt, service_code="noise") == [reference]


async def test_the_range_is_90_days_at_most_and_defaults_to_the_last_90(api: Api) -> None:
    old, new = await api.file(), await api.file()
    now = SETTINGS.clock().now
    async with api.database.sessions.begin() as session:
        await session.execute(
            update(Report)
            .where(Report.reference == old)
            .values(created_at=now - dt.timedelta(days=100))
        )
    assert await listed(api, "json") == [new]
    window = {
        "start_date": (now - dt.timedelta(days=120)).isoformat(timespec="seconds"),
        "end_date": (now - dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert await listed(api, "json", **window) == [old]
    assert await listed(api, "json", start_date=window["start_date"]) == [old]
    assert await listed(api, "json", service_request_id=old) == [old]  # overrides the range
    wide = {"start_date": window["start_date"], "end_date": now.isoformat(timespec="seconds")}
    for params, why in (
        ({"start_date": "2026-01-01T00:00:00"}, "offset"),
        ({"end_date": "2026-01-01"}, "offset"),
        (wide, f"more than {WINDOW.days} days"),
        ({"start_date": window["end_date"], "end_date": window["start_date"]}, "before"),
        ({"status": "pending"}, "open, closed"),
    ):
        response = await api.get("requests.json", "city", **params)
        status, description = await error_of(response, "json")
        assert status == 400 and why in description, params
