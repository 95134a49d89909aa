"""Shared steps of the report tests: enrol an officer, file a report, a call-back draft."""

from __future__ import annotations

from mps.clock import Clock
from mps.database import Database
from mps.models import Report
from mps.reports import Draft, file_report
from mps.routing import StationIndex
from mps.staff import JoinResult, invite, join
from tests.test_reports import KEY, NOW, RULES

PHONE = "+9647701234567"


async def enrol(database: Database, station: str, user: int, chat: int, *units: str) -> None:
    """`user` joins `station`'s staff from `chat` (their private chat when chat == user)."""
    async with database.sessions.begin() as session:
        code = (await invite(session, station, NOW.now, units)).code
        assert (await join(session, code, chat, user, NOW.now))[0] is JoinResult.JOINED


async def file(
    database: Database, index: StationIndex, draft: Draft, owner: str = "p1", clock: Clock = NOW
) -> Report:
    """File `draft` as `owner` at `clock`'s time (NOW), routed by the demo stations."""
    async with database.sessions.begin() as session:
        return await file_report(session, draft, owner, KEY, clock, RULES, index)


def callback_draft(station: str = "BGD-KRD", window: str = "09:00–12:00") -> Draft:
    """A call-back request: sensitive, for the station's FCPU unit, with her number."""
    return Draft(
        category="callback",
        description="",
        sensitive=True,
        station=station,
        contact_phone=PHONE,
        contact_window=window,
    )
