"""The report page: the card, history and photo, and the card's actions with the
domain functions of the Telegram buttons (the citizen hears through the outbox, and
a card_redraw row has the bot redraw the Telegram cards)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select, update

from mps.database import Database
from mps.models import OutboxMessage, Report, ReportEvent
from tests import emulator
from tests.console.conftest import (
    MANSOUR,
    SETTINGS,
    Client,
    Console,
    csrf_of,
    login,
    secure_jar,
)
from web.app import create_app
from web.settings import WebSettings


async def _outbox(database: Database, report: Report) -> list[tuple[str, dict[str, object]]]:
    async with database.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.report_id == report.id)
            .order_by(OutboxMessage.id)
        )
        return [(r.kind, r.payload) for r in rows.all()]


async def _status(database: Database, report: Report) -> str:
    async with database.sessions() as session:
        found = await session.get(Report, report.id)
    assert found is not None
    return found.status


async def _post(client: Client, report: Report, action: str, **fields: str) -> str:
    path = f"/console/reports/{report.reference}"
    token = await csrf_of(client, path)
    answer = await client.post(f"{path}/{action}", data={"csrf": token, **fields})
    assert answer.status in (200, 409), await answer.text()
    return await answer.text()


async def test_the_page_shows_the_card_and_its_history(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 701)
    page = await console.client.get(f"/console/reports/{report.reference}")
    html = await page.text()
    assert page.status == 200
    assert f"Report {report.reference} · Noise" in html
    assert "A generator runs all night next to the market." in html
    assert "Updates to the citizen: yes" in html
    assert "the citizen" in html and "received" in html  # the history's first line


async def test_another_stations_staff_get_403(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 702, station=MANSOUR)
    for path in ("", "/photo"):
        page = await console.client.get(f"/console/reports/{report.reference}{path}")
        assert page.status == 403
        html = await page.text()
        assert "generator" not in html and "not open to you" in html
    token = await csrf_of(console.client)
    forged = await console.client.post(
        f"/console/reports/{report.reference}/status",
        data={"csrf": token, "seen": "new", "status": "acknowledged"},
    )
    assert forged.status == 403
    assert await _status(console.database, report) == "new"


async def test_an_unknown_reference_looks_like_a_refusal(console: Console) -> None:
    await login(console.client, console.database, 703)
    page = await console.client.get("/console/reports/MPS-AAAA-AA")
    assert page.status == 403


async def test_acknowledging_tells_the_citizen_and_redraws_the_cards(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 704)
    html = await _post(console.client, report, "status", seen="new", status="acknowledged")
    assert "acknowledged by the station" in html
    assert await _status(console.database, report) == "acknowledged"
    kinds = [kind for kind, _ in await _outbox(console.database, report)]
    assert kinds == ["staff_card", "citizen_update", "card_redraw"]
    async with console.database.sessions() as session:
        last = await session.scalar(select(ReportEvent).order_by(ReportEvent.id.desc()))
    assert last is not None and last.actor == "staff:704" and last.to_value == "acknowledged"


async def test_a_stale_form_changes_nothing_and_says_why(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 705)
    await _post(console.client, report, "status", seen="new", status="in_progress")
    # A second tab still shows "received": its Acknowledge comes too late.
    html = await _post(console.client, report, "status", seen="new", status="acknowledged")
    assert "That change is not possible now" in html and "being worked on" in html
    assert await _status(console.database, report) == "in_progress"


async def test_an_illegal_change_is_refused_politely_in_arabic(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 706, language="ar")
    await _post(console.client, report, "close", seen="new", note="Solved with the neighbours.")
    html = await _post(console.client, report, "status", seen="closed", status="acknowledged")
    assert "هذا التغيير غير ممكن الآن" in html
    assert "الموظف رقم ١" in html  # the history names staff in Arabic-Indic digits
    assert await _status(console.database, report) == "closed"


async def test_closing_takes_a_note_the_citizen_reads(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 707)
    await _post(console.client, report, "close", seen="new", note="The generator was moved.")
    assert await _status(console.database, report) == "closed"
    updates = [
        p for kind, p in await _outbox(console.database, report) if kind == "citizen_update"
    ]
    assert updates == [{"what": "status:new:closed", "note": "The generator was moved."}]
    html = await (await console.client.get(f"/console/reports/{report.reference}")).text()
    assert "The generator was moved." in html
    assert "/close" not in html  # no actions on a closed report


async def test_asking_needs_a_citizen_who_can_be_reached(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 708)
    html = await _post(console.client, report, "ask", seen="new", question="Which street?")
    assert "no question can be sent" in html
    async with console.database.sessions.begin() as session:
        await session.execute(update(Report).where(Report.id == report.id).values(chat_id=4242))
    await _post(console.client, report, "ask", seen="new", question="Which street?")
    questions = [p for kind, p in await _outbox(console.database, report) if kind == "question"]
    assert questions == [{"text": "Which street?"}]


async def test_rerouting_sends_the_report_to_the_other_station(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 709)
    html = await _post(console.client, report, "reroute", seen="new", station=MANSOUR)
    assert "was re-routed to" in html
    async with console.database.sessions() as session:
        moved = await session.get(Report, report.id)
    assert moved is not None and moved.station_code == MANSOUR
    kinds = [kind for kind, _ in await _outbox(console.database, report)]
    assert kinds.count("staff_card") == 2 and "card_redraw" in kinds
    # Karrada's staff no longer see it.
    assert (await console.client.get(f"/console/reports/{report.reference}")).status == 403


async def test_actions_need_the_csrf_token(console: Console) -> None:
    report = await console.file()
    await login(console.client, console.database, 710)
    forged = await console.client.post(
        f"/console/reports/{report.reference}/status",
        data={"csrf": "0" * 64, "seen": "new", "status": "acknowledged"},
    )
    assert forged.status == 403
    assert await _status(console.database, report) == "new"


@pytest.fixture
async def telegram() -> AsyncIterator[TestServer]:
    """The project's Bot API emulator, holding a citizen's photo."""
    server = TestServer(emulator.create_app("123:console"))
    await server.start_server()
    server.app[emulator.EMULATOR].user_files["photo-77"] = emulator.TINY_JPEG
    yield server
    await server.close()


async def test_the_photo_comes_from_telegram_for_viewers_only(
    console: Console, telegram: TestServer
) -> None:
    base = str(telegram.make_url("/")).rstrip("/")
    settings = WebSettings(
        **SETTINGS.model_dump(),
        telegram_bot_token=SecretStr("123:console"),
        telegram_api_url=f"{base}/bot",
        telegram_file_url=f"{base}/file/bot",
    )
    server = TestServer(create_app(settings, console.database))
    await server.start_server()
    client = TestClient(server, cookie_jar=secure_jar(server))
    await client.start_server()
    try:
        report = await console.file(photo_file_id="photo-77")
        await login(client, console.database, 711)
        html = await (await client.get(f"/console/reports/{report.reference}")).text()
        assert f'src="/console/reports/{report.reference}/photo"' in html
        photo = await client.get(f"/console/reports/{report.reference}/photo")
        assert photo.status == 200 and photo.content_type == "image/jpeg"
        assert await photo.read() == emulator.TINY_JPEG
    finally:
        await client.close()
        await server.close()


async def test_without_a_bot_token_the_page_says_where_the_photo_is(console: Console) -> None:
    report = await console.file(photo_file_id="photo-78")
    await login(console.client, console.database, 712)
    html = await (await console.client.get(f"/console/reports/{report.reference}")).text()
    assert "it is shown with the card in Telegram" in html
    assert (await console.client.get(f"/console/reports/{report.reference}/photo")).status == 404
