"""Headquarters analysts: invited with `staff invite --role hq`, made by /join in a
private chat, signed in to the console with statistics only (no report, no queue)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.admin import main
from mps.console_login import console_seat
from mps.database import Database, open_database
from mps.staff import JoinResult, invite_hq, join, station_of_chat
from tests.conftest import DEMO_REGISTRY
from tests.console.conftest import KARRADA, SETTINGS, Console, login

NOW = dt.datetime.now(dt.UTC)


def test_staff_invite_role_hq_prints_a_code_that_makes_an_analyst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/admin.db"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["stations", "import", str(DEMO_REGISTRY)]) == 0
    capsys.readouterr()
    assert main(["staff", "invite", "--role", "hq"]) == 0
    code = capsys.readouterr().out.strip()
    assert main(["staff", "invite", "--role", "hq", "--station", KARRADA]) == 2
    assert main(["staff", "invite"]) == 2  # a station's code still needs its station
    assert main(["staff", "invite", "--station", KARRADA]) == 0  # unchanged

    async def use() -> None:
        database = open_database(url)
        async with database.sessions.begin() as session:
            assert (await join(session, code, -100200, 801, NOW))[0] is JoinResult.PRIVATE_ONLY
            assert (await join(session, code, 801, 801, NOW))[0] is JoinResult.JOINED_HQ
            assert (await join(session, code, 802, 802, NOW))[0] is JoinResult.USED
            assert await console_seat(session, 801, 801) == ("hq", None)
            assert await console_seat(session, 802, 802) is None
        await database.close()

    asyncio.run(use())


async def test_an_hq_code_binds_no_chat(stocked: Database) -> None:
    async with stocked.sessions.begin() as session:
        code = (await invite_hq(session, NOW)).code
        await join(session, code, 803, 803, NOW)
        assert await station_of_chat(session, 803) is None


async def test_headquarters_sees_no_report_and_no_personal_data(console: Console) -> None:
    report = await console.file(photo_file_id="photo-9")
    await login(console.client, console.database, 804, role="hq")
    home = await console.client.get("/console", allow_redirects=False)
    assert home.headers["Location"] == "/console/scorecard"
    for path in (
        "/console/queue",
        f"/console/reports/{report.reference}",
        f"/console/reports/{report.reference}/photo",
    ):
        page = await console.client.get(path)
        assert page.status == 403, path
        html = await page.text()
        assert "generator" not in html and "Noise" not in html and "Karrada" not in html
        assert "Headquarters analyst #" in html
    nav = await (await console.client.get("/console/queue")).text()
    assert 'href="/console/queue"' not in nav and 'href="/console/scorecard"' in nav


async def test_a_member_of_two_stations_signs_in_for_their_private_chats_station(
    console: Console,
) -> None:
    await login(console.client, console.database, 805, station="BGD-MNS")
    await login(console.client, console.database, 805, station=KARRADA)
    async with console.database.sessions() as session:
        assert await console_seat(session, 805, 805) == ("station", KARRADA)
    html = await (await console.client.get("/console/queue")).text()
    assert "Karrada" in html
    assert SETTINGS.console_url == "http://127.0.0.1:8080"
