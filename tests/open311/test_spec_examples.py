"""Our documents have the shape of the spec's examples (tests/data/open311/, copied
from the GeoReport v2 spec; see SOURCE.md there): the same root and member
elements, the same fields, JSON values of the same kind, and an XML and a JSON
rendering that say the same thing (the spec's Spark convention)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from mps.models import OutboxMessage, Report
from tests.open311.conftest import Api, json_of, xml_of
from web.documents import ITEMS

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "open311"
# Fields whose JSON kind the spec fixes (booleans and numbers); ids may be strings.
KINDS = {"metadata", "variable", "required", "order", "lat", "long"}


def spec_xml(name: str) -> ET.Element:
    """An example document, without the HTTP status line some have."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return ET.fromstring(text[text.index("<?xml") :].encode())


def spec_json(name: str) -> Any:
    """An example JSON document; numbers written with leading zeros are read as strings."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    text = text[min(text.index(c) for c in "[{" if c in text) :]
    return json.loads(re.sub(r'(":\s*)(0\d+)(?=\s*[,}])', r'\1"\2"', text))


def xml_paths(element: ET.Element, prefix: str = "") -> set[str]:
    """Every element's path from the root (members of a list once)."""
    path = f"{prefix}/{element.tag}" if prefix else element.tag
    return {path}.union(*(xml_paths(child, path) for child in element))


def json_paths(value: Any, prefix: str = "") -> dict[str, str]:
    """Every field's path, with the kind of its value (members of a list as `[]`)."""
    if isinstance(value, list):
        found: dict[str, str] = {prefix: "list"}
        for member in value:
            found |= json_paths(member, prefix + "[]")
        return found
    if isinstance(value, dict):
        found = {prefix: "object"}
        for key, field in value.items():
            found |= json_paths(field, f"{prefix}.{key}")
        return found
    kinds = {bool: "bool", int: "number", float: "number", str: "string"}
    return {prefix: "null" if value is None else kinds[type(value)]}


def spark(element: ET.Element) -> Any:
    """An XML document as JSON by the Spark convention: a list element is an array."""
    if element.tag in ITEMS:
        return [spark(member) for member in element]
    if len(element):
        return {child.tag: spark(child) for child in element}
    return element.text


def as_text(value: Any) -> Any:
    """A JSON document with every value written as XML writes it."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def same_shape(ours: dict[str, str], spec: dict[str, str]) -> None:
    """The same fields, and the same kind of value where the spec fixes it."""
    assert set(ours) == set(spec)
    for path, kind in spec.items():
        if path.rpartition(".")[2] in KINDS and "null" not in (kind, ours[path]):
            assert ours[path] == kind, path


async def documents(api: Api, fmt: str) -> dict[str, Any]:
    """One of each of our documents, in `fmt`, from a partner with two requests."""
    first = await api.file()
    await api.file(service_code="theft", description="My bicycle was stolen from the yard.")
    reader = xml_of if fmt == "xml" else json_of
    found = {
        "services": await api.get(f"services.{fmt}"),
        "service_definition": await api.get(f"services/noise.{fmt}"),
        "post_response": await api.post(
            fmt,
            service_code="lost_found",
            description="I found a wallet.",
            address_string="Karrada",
        ),
        "requests": await api.get(f"requests.{fmt}", "city"),
        "request": await api.get(f"requests/{first}.{fmt}", "city"),
        "errors": await api.client.get(f"/open311/v2/requests.{fmt}?api_key=xyz"),
    }
    return {name: await reader(response) for name, response in found.items()}


async def test_our_xml_has_the_elements_of_the_spec_examples(api: Api) -> None:
    ours = await documents(api, "xml")
    for name, document in ours.items():
        spec = spec_xml(f"{name}.xml")
        assert document.tag == spec.tag, name
        expected = xml_paths(spec)
        if name == "service_definition":
            # Our one attribute is a datetime: its `values` (options of a list) are empty.
            expected -= {p for p in expected if "/values/value" in p}
        assert xml_paths(document) == expected, name


async def test_our_json_has_the_fields_and_kinds_of_the_spec_examples(api: Api) -> None:
    for name, document in (await documents(api, "json")).items():
        spec = json_paths(spec_json(f"{name}.json"))
        if name == "service_definition":
            spec = {p: k for p, k in spec.items() if not p.startswith(".attributes[].values[]")}
        same_shape(json_paths(document), spec)


async def test_xml_and_json_say_the_same(api: Api) -> None:
    first = await api.file()
    await api.file(service_code="theft", description="My bicycle was stolen from the yard.")
    for path in ("services", "services/noise", "requests", f"requests/{first}", "requests/X"):
        in_xml = spark(await xml_of(await api.get(f"{path}.xml", "city")))
        assert in_xml == as_text(await json_of(await api.get(f"{path}.json", "city"))), path
    filed = {"service_code": "noise", "description": "Loud music.", "address_string": "Karrada"}
    [in_xml] = spark(await xml_of(await api.post("xml", **filed)))
    [in_json] = as_text(await json_of(await api.post("json", **filed)))
    assert in_xml.pop("service_request_id") != in_json.pop("service_request_id")
    assert in_xml == in_json


@pytest.mark.parametrize("fmt", ["xml", "json"])
async def test_the_spec_example_request_is_filed_and_nothing_of_the_person_is_kept(
    api: Api, fmt: str
) -> None:
    lines = (EXAMPLES / "post_request.txt").read_text(encoding="utf-8").splitlines()
    fields = dict(parse_qsl(lines[-1], keep_blank_values=True))
    assert fields["email"] == "smit333@sfgov.edu" and fields["first_name"] == "john"
    fields |= {"api_key": api.keys["city"], "service_code": "traffic"}
    response = await api.client.post(f"/open311/v2/requests.{fmt}", data=fields)
    assert response.status == 200, await response.text()
    async with api.database.sessions() as session:
        [report] = (await session.scalars(select(Report))).all()
        [card] = (await session.scalars(select(OutboxMessage))).all()
    # San Francisco: no station near it, so the central triage queue.
    assert report.station_code == "TRIAGE" and report.place == "1234 5th street"
    assert report.description == "A large sinkhole is destroying the street"
    kept = repr([getattr(report, c.key) for c in Report.__table__.columns]) + repr(card.payload)
    for value in ("smit333", "tt222111", "john", "smith", "111111111", "flickr"):
        assert value not in kept, value
