"""The staff console on a stocked database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), with browsers that sign in the real way.

    async def test_x(console: Console) -> None:
        await login(console.client, console.database, 501, station="BGD-KRD")
        page = await console.client.get("/console/queue")

`login` enrols the user (a station's staff member, or an hq analyst), asks for a
one-time link with the function the bot's /console uses, and follows it, so the
client holds the session cookie. `console.browser()` is a second browser (its own
cookies) for a second viewer.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from mps.clock import Clock
from mps.console_login import new_link
from mps.database import Database
from mps.models import Report
from mps.report_rules import UnitRules
from mps.reports import Draft, file_report
from mps.routing import StationIndex
from mps.settings import StoreSettings
from mps.staff import JoinResult, invite, invite_hq, join
from mps.stations import load_index
from web.app import create_app

SETTINGS = StoreSettings(
    database_url="sqlite+aiosqlite:///unused.db",
    reference_secret="console-test-reference-secret-0123",  # type: ignore[arg-type]
    timezone="Asia/Baghdad",
)
KARRADA, MANSOUR = "BGD-KRD", "BGD-MNS"
KARRADA_POINT = (44.428, 33.302)  # lon, lat inside Karrada's jurisdiction
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
Client = TestClient[Any, Any]


@dataclass
class Console:
    """The console's server, a first browser on it and the database under it."""

    server: TestServer
    client: Client
    database: Database
    others: list[Client] = field(default_factory=list)

    async def browser(self) -> Client:
        """Another browser on the same server, with cookies of its own."""
        client = TestClient(self.server, cookie_jar=secure_jar(self.server))
        await client.start_server()
        self.others.append(client)
        return client

    def clock(self) -> Clock:
        """The clock the console reads (the real time, in the stations' zone)."""
        return SETTINGS.clock()

    async def file(self, **fields: Any) -> Report:
        """A citizen's report, filed as the action server files one (a noise report in
        Karrada, with updates agreed, by default)."""
        defaults: dict[str, Any] = {
            "category": "noise",
            "description": "A generator runs all night next to the market.",
            "point": KARRADA_POINT,
            "contact_consent": True,
            "language": "en",
        }
        draft = Draft(**(defaults | fields))
        async with self.database.sessions.begin() as session:
            index: StationIndex = await load_index(session)
            return await file_report(
                session,
                draft,
                "p-citizen",
                SETTINGS.reference_key(),
                self.clock(),
                UnitRules.load(),
                index,
            )


def secure_jar(server: TestServer) -> CookieJar:
    """A browser's cookie jar that, like Chromium on loopback, keeps Secure cookies."""
    return CookieJar(unsafe=True, treat_as_secure_origin=[str(server.make_url("/"))])


@pytest.fixture
async def console(stocked: Database) -> AsyncIterator[Console]:
    """The web application on the demo stations, and a browser."""
    server = TestServer(create_app(SETTINGS, stocked))
    await server.start_server()
    client = TestClient(server, cookie_jar=secure_jar(server))
    await client.start_server()
    found = Console(server, client, stocked)
    try:
        yield found
    finally:
        for other in found.others:
            await other.close()
        await client.close()


async def enrol(
    database: Database,
    user_id: int,
    station: str | None = KARRADA,
    units: tuple[str, ...] = (),
    role: str = "station",
) -> None:
    """The user joins a station's staff (or, with role "hq", headquarters) with a code
    sent from their private chat, as `/join CODE` does."""
    now = SETTINGS.clock().now
    async with database.sessions.begin() as session:
        if role == "hq":
            code = (await invite_hq(session, now)).code
        else:
            assert station is not None
            code = (await invite(session, station, now, units)).code
        result, _ = await join(session, code, user_id, user_id, now)
    assert result in (JoinResult.JOINED, JoinResult.JOINED_HQ)


async def link_for(database: Database, user_id: int, language: str = "en") -> str:
    """The path of a one-time link, made as the bot's /console makes it."""
    async with database.sessions.begin() as session:
        token = await new_link(session, user_id, user_id, language, SETTINGS.clock().now)
    assert token is not None, "not staff"
    return f"/console/login/{token}"


async def login(
    client: Client,
    database: Database,
    user_id: int,
    station: str | None = KARRADA,
    units: tuple[str, ...] = (),
    role: str = "station",
    language: str = "en",
) -> None:
    """Enrol the user, get a link the real way, open it and press its button: the
    client then holds the session cookie."""
    await enrol(database, user_id, None if role == "hq" else station, units, role)
    path = await link_for(database, user_id, language)
    page = await client.get(path)
    assert page.status == 200, await page.text()
    signed = await client.post(path, allow_redirects=False)
    assert signed.status == 303, await signed.text()


async def csrf_of(client: Client, path: str = "/console/queue") -> str:
    """The CSRF token in the forms of a page."""
    page = await client.get(path)
    found = CSRF.search(await page.text())
    assert found is not None, "no form with a CSRF token"
    return found[1]
