"""Signing in to the staff console with the bot's one-time link, sessions and logout."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from sqlalchemy import select, update

from mps.console_login import IDLE, LINK_LIFETIME, token_hash
from mps.models import ConsoleLink, ConsoleSession
from mps.staff_admin import remove_member
from tests.console.conftest import (
    KARRADA,
    SETTINGS,
    Console,
    csrf_of,
    enrol,
    link_for,
    login,
    secure_jar,
)
from web.app import PathAccessLogger, create_app


async def test_the_link_signs_in_once(console: Console) -> None:
    await enrol(console.database, 501)
    path = await link_for(console.database, 501)
    page = await console.client.get(path)
    assert "Sign in to the console" in await page.text()
    signed = await console.client.post(path, allow_redirects=False)
    assert signed.status == 303
    cookie = signed.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    queue = await console.client.get("/console")
    assert queue.url.path == "/console/queue"
    assert "Staff #" in await queue.text()
    again = await (await console.browser()).post(path, allow_redirects=False)
    assert again.status == 410
    assert "already been used" in await again.text()


async def test_the_database_keeps_only_hashes(console: Console) -> None:
    await enrol(console.database, 502)
    path = await link_for(console.database, 502)
    token = path.rsplit("/", 1)[1]
    await console.client.post(path)
    async with console.database.sessions() as session:
        links = (await session.scalars(select(ConsoleLink))).all()
        sessions = (await session.scalars(select(ConsoleSession))).all()
    assert [link.token_hash for link in links] == [token_hash(token)]
    cookie = console.client.session.cookie_jar.filter_cookies(console.server.make_url("/console"))
    assert [s.token_hash for s in sessions] == [token_hash(cookie["mps_console"].value)]


async def test_a_link_older_than_ten_minutes_opens_nothing(console: Console) -> None:
    await enrol(console.database, 503)
    path = await link_for(console.database, 503)
    async with console.database.sessions.begin() as session:
        await session.execute(
            update(ConsoleLink).values(
                expires_at=SETTINGS.clock().now - dt.timedelta(seconds=1),
                created_at=SETTINGS.clock().now - LINK_LIFETIME - dt.timedelta(seconds=1),
            )
        )
    assert (await console.client.get(path)).status == 410
    assert (await console.client.post(path, allow_redirects=False)).status == 410
    page = await console.client.get("/console/queue")
    assert page.url.path == "/console/login"


async def test_eight_idle_hours_end_the_session(console: Console) -> None:
    await login(console.client, console.database, 504)
    assert (await console.client.get("/console/queue")).url.path == "/console/queue"
    async with console.database.sessions.begin() as session:
        await session.execute(
            update(ConsoleSession).values(
                last_seen_at=SETTINGS.clock().now - IDLE - dt.timedelta(seconds=1)
            )
        )
    page = await console.client.get("/console/queue")
    assert page.url.path == "/console/login"
    async with console.database.sessions() as session:
        assert (await session.scalars(select(ConsoleSession))).all() == []


async def test_logout_needs_the_csrf_token_and_deletes_the_session(console: Console) -> None:
    await login(console.client, console.database, 505)
    refused = await console.client.post("/console/logout", data={"csrf": "forged"})
    assert refused.status == 403
    assert (await console.client.get("/console/queue")).url.path == "/console/queue"
    token = await csrf_of(console.client)
    out = await console.client.post("/console/logout", data={"csrf": token})
    assert out.url.path == "/console/login"
    async with console.database.sessions() as session:
        assert (await session.scalars(select(ConsoleSession))).all() == []
    assert (await console.client.get("/console/queue")).url.path == "/console/login"


async def test_a_session_survives_a_restart_of_the_web_process(console: Console) -> None:
    await login(console.client, console.database, 506)
    jar = console.client.session.cookie_jar.filter_cookies(console.server.make_url("/console"))
    server = TestServer(create_app(SETTINGS, console.database))
    await server.start_server()
    client = TestClient(server, cookie_jar=secure_jar(server))
    await client.start_server()
    try:
        client.session.cookie_jar.update_cookies(
            {"mps_console": jar["mps_console"].value}, server.make_url("/console")
        )
        page = await client.get("/console/queue")
        assert page.url.path == "/console/queue"
    finally:
        await client.close()


async def test_removed_staff_lose_their_session(console: Console) -> None:
    await login(console.client, console.database, 507)
    async with console.database.sessions.begin() as session:
        await remove_member(session, 507, KARRADA, "admin:test", SETTINGS.clock().now)
    assert (await console.client.get("/console/queue")).url.path == "/console/login"


async def test_arabic_and_sorani_pages_read_right_to_left(console: Console) -> None:
    await login(console.client, console.database, 508, language="ar")
    page = await (await console.client.get("/console/queue")).text()
    assert '<html lang="ar" dir="rtl">' in page
    token = await csrf_of(console.client)
    await console.client.post(
        "/console/language", data={"csrf": token, "lang": "ckb", "next": "/console/queue"}
    )
    page = await (await console.client.get("/console/queue")).text()
    assert '<html lang="ckb" dir="rtl">' in page
    token = await csrf_of(console.client)
    await console.client.post("/console/language", data={"csrf": token, "lang": "en"})
    page = await (await console.client.get("/console/queue")).text()
    assert '<html lang="en" dir="ltr">' in page


async def test_no_link_for_someone_who_is_not_staff(console: Console) -> None:
    from mps.console_login import new_link

    async with console.database.sessions.begin() as session:
        assert await new_link(session, 999, 999, "en", SETTINGS.clock().now) is None


def test_the_access_log_never_holds_a_sign_in_token(caplog: pytest.LogCaptureFixture) -> None:
    request = make_mocked_request("GET", "/console/login/s3cr3t-token-value")
    with caplog.at_level(logging.INFO, logger="web.access"):
        PathAccessLogger(logging.getLogger("web.access"), "").log(request, web.Response(), 0.01)
    assert "s3cr3t" not in caplog.text and "GET /console/login/… 200" in caplog.text


async def test_another_site_cannot_sign_a_browser_in(console: Console) -> None:
    await enrol(console.database, 509)
    path = await link_for(console.database, 509)
    forged = await console.client.post(
        path, headers={"Origin": "https://elsewhere.example"}, allow_redirects=False
    )
    assert forged.status == 403
    opaque = await console.client.post(path, headers={"Origin": "null"}, allow_redirects=False)
    assert opaque.status == 403
    own = str(console.server.make_url("/")).rstrip("/")
    signed = await console.client.post(path, headers={"Origin": own}, allow_redirects=False)
    assert signed.status == 303
