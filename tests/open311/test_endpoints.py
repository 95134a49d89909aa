"""Open311 GeoReport v2 in XML and JSON, as a partner's system uses it: services
without the sensitive categories, requests routed like Telegram reports
(polygon, nearest, triage), keys, codes, hostile text, and logs without a word of
it. Reading requests back: test_requests.py."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from mps.models import OutboxMessage
from mps.partners import revoke_partner
from mps.stations import TRIAGE
from tests.open311.conftest import (
    FORMATS,
    KARRADA,
    NOISE,
    SETTINGS,
    Api,
    error_of,
    flat,
    json_of,
    listed,
    one,
    rows_of,
    xml_of,
)

PUBLIC = ["noise", "theft", "vandalism", "lost_found", "traffic", "suspicious", "other"]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_services_are_the_categories_that_are_never_sensitive(api: Api, fmt: str) -> None:
    response = await api.get(f"services.{fmt}")
    assert response.status == 200
    services = await rows_of(response, fmt, "service")
    assert [s["service_code"] for s in services] == PUBLIC
    assert services[0] | {"keywords": None} == {
        "service_code": "noise",
        "service_name": "Noise",
        "description": services[0]["description"],
        "metadata": "true",
        "type": "realtime",
        "keywords": None,
        "group": "Community policing",
    }
    assert "generator" in str(services[0]["keywords"])
    body = await response.text()
    for word in ("online_harassment", "callback", "blackmail", "Family and Child"):
        assert word not in body


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_service_definition_gives_its_attribute(api: Api, fmt: str) -> None:
    response = await api.get(f"services/theft.{fmt}")
    assert response.status == 200
    if fmt == "json":
        definition = await json_of(response)
        [attribute] = definition["attributes"]
        values = attribute.pop("values")
        attribute = {k: flat(v) for k, v in attribute.items()}
    else:
        root = await xml_of(response)
        assert root.tag == "service_definition"
        definition = {"service_code": root.findtext("service_code")}
        [element] = root.findall("attributes/attribute")
        values = list(element.find("values") or [])
        attribute = {f.tag: f.text for f in element if f.tag != "values"}
    assert definition["service_code"] == "theft" and values == []
    assert {k: attribute[k] for k in ("variable", "code", "datatype", "required", "order")} == {
        "variable": "true",
        "code": "occurred_on",
        "datatype": "datetime",
        "required": "false",
        "order": "1",
    }
    assert "When did it happen?" in str(attribute["description"])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("potholes", "not found"),
        ("online_harassment", "Family and Child Protection Unit"),
        ("callback", "Family and Child Protection Unit"),
    ],
)
async def test_an_unknown_or_sensitive_service_is_not_found(
    api: Api, fmt: str, code: str, why: str
) -> None:
    response = await api.get(f"services/{code}.{fmt}")
    status, description = await error_of(response, fmt)
    assert status == 404 and why in description


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_request_is_filed_in_the_queue_of_the_station_that_covers_it(
    api: Api, fmt: str
) -> None:
    response = await api.post(fmt, service_code="noise", description=NOISE, **KARRADA)
    assert response.status == 200, await response.text()
    [row] = await rows_of(response, fmt, "request")
    assert set(row) == {"service_request_id", "service_notice", "account_id"}
    assert "Karrada Police Station" in str(row["service_notice"]) and row["account_id"] is None
    report = await api.report(str(row["service_request_id"]))
    assert (report.station_code, report.category, report.unit) == (
        "BGD-KRD",
        "noise",
        "community_policing",
    )
    assert report.description == NOISE and report.owner.startswith("open311:")
    assert not report.contact_consent and report.chat_id is None
    async with api.database.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert [(r.report_id, r.kind, r.sent_at) for r in rows] == [(report.id, "staff_card", None)]


@pytest.mark.parametrize(
    ("where", "station"),
    [
        (KARRADA, "BGD-KRD"),  # inside a jurisdiction
        ({"lat": "33.29", "long": "44.10"}, "BGD-MNS"),  # Abu Ghraib: the nearest, 24 km
        ({"lat": "31.9", "long": "46.0"}, TRIAGE),  # the desert, over 100 km from any
        ({"lat": "48.8566", "long": "2.3522"}, TRIAGE),  # Paris
        ({"address_string": "Zayouna, near the park"}, "BGD-NBG"),
        ({"address_string": "Erbil"}, TRIAGE),  # two stations: which one?
        ({"address_string": "Rue de Rivoli, Paris"}, TRIAGE),
    ],
)
async def test_a_request_is_routed_like_a_telegram_report(
    api: Api, where: dict[str, str], station: str
) -> None:
    fields = {"lat": "", "long": ""} | where
    report = await api.report(await api.file(service_code="vandalism", **fields))
    assert report.station_code == station


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_location_outside_every_station_goes_to_triage(api: Api, fmt: str) -> None:
    paris = {"lat": "48.8566", "long": "2.3522"}
    response = await api.post(fmt, service_code="vandalism", description=NOISE, **paris)
    [row] = await rows_of(response, fmt, "request")
    assert "central triage team" in str(row["service_notice"])
    reference = str(row["service_request_id"])
    assert (await api.report(reference)).station_code == TRIAGE
    shown = await one(api, fmt, reference)
    assert shown["agency_responsible"] == "Central triage team"
    assert (shown["lat"], shown["long"]) == ("48.8566", "2.3522")
    assert (await api.counts()) == (1, 1)  # and its card, for the triage staff


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_missing_wrong_or_revoked_key_is_refused_with_403(api: Api, fmt: str) -> None:
    reference = await api.file("callcentre")
    async with api.database.sessions.begin() as session:
        await revoke_partner(session, "callcentre", "admin:test", SETTINGS.clock().now)
    revoked = api.keys["callcentre"]
    for key in ("", "wrong", "mps311_" + "x" * 43, revoked):
        fields = {"service_code": "noise", "description": NOISE, **KARRADA}
        posted = await api.client.post(
            f"/open311/v2/requests.{fmt}", data={"api_key": key, **fields}
        )
        for response in (
            posted,
            await api.client.get(f"/open311/v2/requests.{fmt}", params={"api_key": key}),
            await api.client.get(f"/open311/v2/requests/{reference}.{fmt}?api_key={key}"),
        ):
            status, description = await error_of(response, fmt)
            assert status == 403 and "api_key" in description
    assert await api.counts() == (1, 1)  # nothing filed


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["online_harassment", "callback"])
async def test_a_sensitive_category_is_refused_and_nothing_is_filed(
    api: Api, fmt: str, code: str
) -> None:
    response = await api.post(
        fmt, service_code=code, description="Someone blackmails me with my photos", **KARRADA
    )
    status, description = await error_of(response, fmt)
    assert status == 404 and "Family and Child Protection Unit" in description
    assert await api.counts() == (0, 0)


async def test_a_request_that_reads_as_a_family_matter_goes_to_the_unit_unseen(
    api: Api,
) -> None:
    text = "My husband locks me in the house and threatens me every evening."
    response = await api.post("json", service_code="other", description=text, **KARRADA)
    [row] = await json_of(response)
    reference = row["service_request_id"]
    assert "specialised unit" in row["service_notice"]
    report = await api.report(reference)
    assert report.sensitive and report.unit == "fcpu" and report.station_code == "BGD-KRD"
    assert report.owner.startswith("sealed:")  # linked to nobody, the partner neither
    assert await listed(api, "json") == []
    assert await listed(api, "json", service_request_id=reference) == []
    response = await api.get(f"requests/{reference}.json", "city")
    assert (await error_of(response, "json"))[0] == 404
    assert await api.counts() == (1, 1)  # the unit's card is queued


BAD: list[tuple[dict[str, str], int, str]] = [
    ({"service_code": ""}, 400, "service_code was not provided"),
    ({"service_code": "potholes"}, 404, "not found"),
    ({"lat": "", "long": ""}, 400, "a location is required"),
    ({"lat": "", "long": "", "address_id": "545483"}, 400, "address_id is not supported"),
    ({"long": ""}, 400, "lat and long must be sent together"),
    ({"lat": "133.3"}, 400, "WGS84"),
    ({"lat": "north"}, 400, "WGS84"),
    ({"lat": "nan"}, 400, "WGS84"),
    ({"description": "short"}, 400, "description is required"),
    ({"description": "\u200b\u202e\x00 \n"}, 400, "description is required"),
    ({"description": "x" * 2001}, 400, "description is required"),
    ({"lat": "", "long": "", "address_string": "x" * 201}, 400, "longer than 200"),
    ({"attribute[occurred_on]": "yesterday"}, 400, "offset"),
    ({"attribute[occurred_on]": "2026-11-27T21:30:00"}, 400, "offset"),
    ({"attribute[occurred_on]": "2026-02-30"}, 400, "not a real date"),
    ({"attribute[occurred_on]": "2999-01-01"}, 400, "in the future"),
]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_bad_request_says_what_is_wrong_and_files_nothing(api: Api, fmt: str) -> None:
    for fields, status, why in BAD:
        sent = {"service_code": "noise", "description": NOISE, **KARRADA} | fields
        response = await api.post(fmt, **sent)
        code, description = await error_of(response, fmt)
        assert code == status and why in description, (fields, description)
    assert await api.counts() == (0, 0)


async def test_the_day_it_happened_is_read_in_the_stations_zone(api: Api) -> None:
    today = SETTINGS.clock().today
    yesterday = today - dt.timedelta(days=1)
    late = f"{yesterday.isoformat()}T23:30:00Z"  # 02:30 today in Baghdad
    assert (await api.report(await api.file(**{"attribute[occurred_on]": late}))).occurred_on == (
        today
    )
    plain = yesterday.isoformat()
    assert (await api.report(await api.file(**{"attribute[occurred_on]": plain}))).occurred_on == (
        yesterday
    )
    assert (await api.report(await api.file())).occurred_on is None


async def test_hostile_text_is_cleaned_and_the_xml_stays_well_formed(api: Api) -> None:
    text = (
        "Shop window smashed\x00\x07 by <b>someone</b> & co \u202egnp.exe\u202c at night \uffff."
    )
    reference = await api.file(service_code="vandalism", description=text)
    stored = (await api.report(reference)).description
    assert stored == "Shop window smashed by <b>someone</b> & co gnp.exe at night \uffff."
    row = await one(api, "xml", reference)  # parses: U+FFFF is not XML, and is dropped
    assert row["description"] == stored.replace("\uffff", "")
    assert (await one(api, "json", reference))["description"] == stored


async def test_descriptions_and_keys_stay_out_of_the_logs(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    marker = "marker-words-of-a-citizen-311"
    reference = await api.file(description=f"The {marker} are in this report.")
    await listed(api, "xml")
    await one(api, "json", reference)
    await api.post("xml", service_code="noise", description=f"{marker} again", lat="1")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /open311/v2/requests.xml 200" in logged  # the access log is on
    assert marker not in logged and api.keys["city"] not in logged and "api_key" not in logged
