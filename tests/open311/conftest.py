"""An Open311 client on the web application, over a stocked database (SQLite and
PostgreSQL), with two partners and their keys."""

from __future__ import annotations

import datetime as dt
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from mps.clock import Clock
from mps.database import Database
from mps.models import OutboxMessage, Report
from mps.partners import add_partner
from mps.settings import StoreSettings
from mps.staff import invite, join
from web.app import PathAccessLogger, create_app

SETTINGS = StoreSettings(
    database_url="sqlite+aiosqlite:///unused.db",
    reference_secret="open311-test-reference-secret-0123",  # type: ignore[arg-type]
    timezone="Asia/Baghdad",
)
V2 = "/open311/v2"
KARRADA = {"lat": "33.302", "long": "44.428"}  # inside Karrada's jurisdiction
NOISE = "A generator runs all night next to the market, every night this week."


@dataclass
class Api:
    """The test client, the database under it and the partners' keys."""

    client: TestClient[Any, Any]
    database: Database
    keys: dict[str, str]

    async def post(
        self, fmt: str = "json", partner: str = "city", **fields: str
    ) -> ClientResponse:
        """POST requests.{fmt} with the partner's key and `fields`."""
        data = {"api_key": self.keys[partner], **fields} if partner else fields
        return await self.client.post(f"{V2}/requests.{fmt}", data=data)

    async def get(self, path: str, partner: str | None = None, **params: str) -> ClientResponse:
        """GET {V2}/{path} (with the partner's key when named)."""
        if partner is not None:
            params["api_key"] = self.keys[partner]
        return await self.client.get(f"{V2}/{path}", params=params)

    async def file(self, partner: str = "city", **fields: str) -> str:
        """A request filed for the partner (a noise report in Karrada by default)."""
        response = await self.post(
            "json", partner, **({"service_code": "noise", "description": NOISE} | KARRADA | fields)
        )
        assert response.status == 200, await response.text()
        reference: str = (await response.json())[0]["service_request_id"]
        return reference

    async def report(self, reference: str) -> Report:
        """The report behind a service_request_id."""
        async with self.database.sessions() as session:
            report = await session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        return report

    async def counts(self) -> tuple[int, int]:
        """Reports and outbox rows in the database."""
        async with self.database.sessions() as session:
            reports = await session.scalar(select(func.count()).select_from(Report))
            outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(reports or 0), int(outbox or 0)


async def xml_of(response: ClientResponse) -> ET.Element:
    """The response's XML document, checked for the spec's content type and declaration."""
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    body = await response.read()
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


async def json_of(response: ClientResponse) -> Any:
    """The response's JSON document, checked for the spec's content type."""
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return await response.json()


@pytest.fixture
async def api(stocked: Database) -> AsyncIterator[Api]:
    """The web application on the demo stations, with partners "city" and "callcentre"."""
    keys = {}
    async with stocked.sessions.begin() as session:
        for name in ("city", "callcentre"):
            keys[name] = (await add_partner(session, name, "admin:test", dt.datetime.now(dt.UTC)))[
                1
            ]
    server = TestServer(create_app(SETTINGS, stocked))
    await server.start_server(  # with the access log of `python -m web`
        access_log_class=PathAccessLogger, access_log=logging.getLogger("web.access")
    )
    async with TestClient(server) as client:
        yield Api(client, stocked, keys)


# -- reading documents the same way in both formats ---------------------------------

FORMATS = ["xml", "json"]
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00")  # the stations' offset
Row = dict[str, Any]


def flat(value: object) -> str | None:
    """A JSON value as the XML document writes it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def rows_of(response: ClientResponse, fmt: str, item: str) -> list[Row]:
    """The members of a list document as {field: text}, the same for both formats."""
    if fmt == "json":
        return [{k: flat(v) for k, v in row.items()} for row in await json_of(response)]
    root = await xml_of(response)
    assert all(member.tag == item for member in root)
    return [{field.tag: field.text for field in member} for member in root]


async def error_of(response: ClientResponse, fmt: str) -> tuple[int, str]:
    """The one error of an errors document: its code and description."""
    [error] = await rows_of(response, fmt, "error")
    assert error["code"] == str(response.status)
    return response.status, str(error["description"])


async def one(api: Api, fmt: str, reference: str, partner: str = "city") -> Row:
    """GET requests/{reference} for the partner."""
    response = await api.get(f"requests/{reference}.{fmt}", partner)
    assert response.status == 200, await response.text()
    [row] = await rows_of(response, fmt, "request")
    return row


async def listed(api: Api, fmt: str, partner: str = "city", **params: str) -> list[str]:
    """The service_request_ids GET requests returns to the partner."""
    response = await api.get(f"requests.{fmt}", partner, **params)
    assert response.status == 200, await response.text()
    return [str(r["service_request_id"]) for r in await rows_of(response, fmt, "request")]


def later(minutes: int) -> Clock:
    """The stations' clock some minutes from now."""
    clock = SETTINGS.clock()
    return Clock(clock.now + dt.timedelta(minutes=minutes), clock.zone)


async def enrol(api: Api, station: str, user: int, chat: int) -> None:
    """A staff member of `station` whose chat is bound there."""
    async with api.database.sessions.begin() as session:
        code = (await invite(session, station, SETTINGS.clock().now)).code
        await join(session, code, chat, user, SETTINGS.clock().now)
