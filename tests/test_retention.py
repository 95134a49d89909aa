"""Personal data has a lifetime: the purge keeps the statistics and drops the rest,
on SQLite and on PostgreSQL; a call-back's number goes when the call is closed."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.admin import main as admin_main
from bot.retention import purge_loop
from mps.clock import Clock
from mps.database import Database, open_database
from mps.models import Booking, Event, OutboxMessage, Report, ReportEvent
from mps.outbox import mark_sent
from mps.reports import Draft, change_status, file_report
from mps.retention import Retention, purge
from mps.routing import StationIndex
from tests.conftest import DEMO_REGISTRY, clock_at
from tests.staffing import PHONE, callback_draft, enrol
from tests.test_reports import KEY, RULES

NOW = clock_at("2026-11-25 10:00")
RETENTION = Retention(report_days=90, booking_days=30)


def _days(clock: Clock, days: int) -> Clock:
    return Clock(clock.now + dt.timedelta(days=days), clock.zone)


async def _file(
    database: Database, index: StationIndex, draft: Draft, staff: int, close_at: Clock | None
) -> int:
    """File `draft`, ask the citizen a question and (at `close_at`) close it; its id."""
    async with database.sessions.begin() as session:
        report = await file_report(session, draft, "owner-1", KEY, NOW, RULES, index)
        report.chat_id = 5551
        session.add(
            ReportEvent(
                report_id=report.id,
                at=NOW.now,
                actor=f"staff:{staff}",
                kind="question",
                note="which street exactly?",
            )
        )
        ref = report.reference
        assert ref is not None
        if close_at is not None:
            await change_status(session, ref, staff, "closed", close_at, note="found the owner")
        return report.id


async def test_the_purge_keeps_statistics_and_drops_personal_data(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 42, 42, "fcpu")
    details = Draft(
        "theft",
        "my red bike was taken from the gate",
        point=(44.42, 33.30),
        photo_file_id="AgACphoto",
        contact_consent=True,
        station="BGD-KRD",
    )
    old = await _file(stocked, index, details, 42, close_at=NOW)
    recent = await _file(stocked, index, details, 42, close_at=_days(NOW, 80))
    still_open = await _file(stocked, index, details, 42, close_at=None)
    callback = callback_draft(window="morning")
    open_callback = await _file(stocked, index, callback, 42, close_at=None)
    async with stocked.sessions.begin() as session:
        past = Event(
            station_code="BGD-KRD",
            day=dt.date(2026, 9, 1),
            start=dt.time(9),
            end=dt.time(12),
            capacity=10,
            seats_taken=2,
        )
        soon = Event(
            station_code="BGD-KRD",
            day=dt.date(2027, 2, 1),
            start=dt.time(9),
            end=dt.time(12),
            capacity=10,
            seats_taken=1,
        )
        session.add_all([past, soon])
        await session.flush()
        for n, event in enumerate((past, soon)):
            session.add(
                Booking(
                    code=f"BK{n}",
                    event_id=event.id,
                    owner="owner-1",
                    party_size=2,
                    created_at=NOW.now,
                    chat_id=5551,
                    remind_at=NOW.now,
                )
            )
    later = _days(NOW, 95)
    async with stocked.sessions.begin() as session:
        purged = await purge(session, later, RETENTION)
    assert purged.reports == 1 and purged.bookings == 1
    async with stocked.sessions() as session:
        reports = {r.id: r for r in await session.scalars(select(Report))}
        gone = reports[old]
        assert (gone.description, gone.place, gone.latitude, gone.longitude) == (
            "",
            "",
            None,
            None,
        )
        assert gone.photo_file_id is None and gone.chat_id is None
        # The statistics stay.
        assert (gone.category, gone.unit, gone.station_code, gone.status) == (
            "theft",
            reports[recent].unit,
            "BGD-KRD",
            "closed",
        )
        assert gone.created_at == NOW.now and gone.reference is not None
        for kept in (recent, still_open):
            assert reports[kept].description == details.description
            assert reports[kept].latitude is not None and reports[kept].chat_id == 5551
        assert reports[open_callback].contact_phone == PHONE  # the call is not done yet
        events = list(await session.scalars(select(ReportEvent).order_by(ReportEvent.id)))
        assert [e.note for e in events if e.report_id == old] == [None] * 3
        assert "which street exactly?" in [e.note for e in events if e.report_id == recent]
        assert [e.to_value for e in events if e.report_id == old and e.kind == "status"] == [
            "new",
            "closed",
        ]
        outbox = list(await session.scalars(select(OutboxMessage)))
        assert all(m.payload == {} for m in outbox if m.report_id == old)
        assert any(m.payload for m in outbox if m.report_id == recent)
        bookings = list(await session.scalars(select(Booking)))
        assert [b.code for b in bookings] == ["BK1"]
        assert (await session.get(Event, past.id)) is not None  # the event's figures stay
    async with stocked.sessions.begin() as session:
        again = await purge(session, later, RETENTION)
    assert (again.reports, again.notes, again.outbox, again.bookings) == (0, 0, 0, 0)


async def test_a_callback_number_goes_when_the_call_is_closed(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 42, 42, "fcpu")
    callback = callback_draft(window="morning")
    report_id = await _file(stocked, index, callback, 42, close_at=_days(NOW, 1))
    async with stocked.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None and report.status == "closed"
        assert (report.contact_phone, report.contact_window) == (None, None)
        assert report.category == "callback" and report.station_code == "BGD-KRD"


async def test_a_sent_message_keeps_no_text(stocked: Database, index: StationIndex) -> None:
    details = Draft("noise", "music every night", station="BGD-KRD", contact_consent=True)
    report_id = await _file(stocked, index, details, 42, close_at=None)
    async with stocked.sessions.begin() as session:
        [card] = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.report_id == report_id)
        )
        card.payload = {"done": ["card:-100"]}
    async with stocked.sessions.begin() as session:
        assert await mark_sent(session, card.id, NOW)
    async with stocked.sessions() as session:
        sent = await session.get(OutboxMessage, card.id)
        assert sent is not None and sent.payload == {}


async def _closed_report(database: Database, closed_at: dt.datetime) -> int:
    async with database.sessions.begin() as session:
        report = Report(
            owner="owner-9",
            category="noise",
            unit="community_policing",
            station_code="BGD-KRD",
            description="party next door every night",
            status="closed",
            created_at=closed_at,
            updated_at=closed_at,
        )
        session.add(report)
        await session.flush()
        return report.id


async def _description(database: Database, report_id: int) -> str:
    async with database.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        return report.description


async def test_the_bot_purges_on_its_own(stocked: Database) -> None:
    report_id = await _closed_report(stocked, NOW.now - dt.timedelta(days=91))
    job = asyncio.create_task(
        purge_loop(stocked, lambda: NOW, RETENTION, interval=3600, first_delay=0)
    )
    try:
        for _ in range(200):
            if not await _description(stocked, report_id):
                break
            await asyncio.sleep(0.05)
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
    assert await _description(stocked, report_id) == ""


def test_operators_can_purge_from_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/admin.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RETENTION_REPORT_DAYS", "0")
    assert admin_main(["stations", "import", str(DEMO_REGISTRY)]) == 0

    async def setup() -> int:
        database = open_database(url)
        try:
            return await _closed_report(database, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        finally:
            await database.close()

    async def description(report_id: int) -> str:
        database = open_database(url)
        try:
            return await _description(database, report_id)
        finally:
            await database.close()

    report_id = asyncio.run(setup())
    capsys.readouterr()
    assert admin_main(["purge"]) == 0
    assert "1 reports' details" in capsys.readouterr().out
    assert asyncio.run(description(report_id)) == ""
