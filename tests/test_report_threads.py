"""Where reports go and who may work them: triage, units, threads, citizen chats."""

from __future__ import annotations

import pytest

from mps.database import Database
from mps.models import Report
from mps.report_threads import (
    answer_staff,
    ask_citizen,
    card_chats,
    message_report,
    open_queue,
    remember,
)
from mps.reports import Draft, NotAllowed, file_report, link_chat, staff_report
from mps.routing import StationIndex
from mps.staff import invite, join
from mps.stations import TRIAGE, all_stations
from tests.test_reports import KEY, NOW, RULES


async def _enrol(database: Database, station: str, user: int, chat: int, *units: str) -> None:
    async with database.sessions.begin() as session:
        code = (await invite(session, station, NOW.now, units)).code
        await join(session, code, chat, user, NOW.now)


async def _file(
    database: Database, index: StationIndex, draft: Draft, owner: str = "p1"
) -> Report:
    async with database.sessions.begin() as session:
        return await file_report(session, draft, owner, KEY, NOW, RULES, index)


async def test_unplaceable_reports_go_to_the_triage_queue(
    stocked: Database, index: StationIndex
) -> None:
    nowhere = Draft(category="noise", description="loud music", place="somewhere nobody knows")
    report = await _file(stocked, index, nowhere)
    assert report.station_code == TRIAGE
    async with stocked.sessions() as session:
        assert TRIAGE not in [s.code for s in await all_stations(session)]  # never listed
        assert await card_chats(session, report) == []  # no staff chat yet: the outbox waits
    await _enrol(stocked, TRIAGE, 301, -300)
    await _enrol(stocked, "BGD-MNS", 201, -200)
    async with stocked.sessions() as session:
        assert await card_chats(session, report) == [-300]
        noise = Draft(category="noise", description="generator noise", place="Mansour")
        mansour = await _file(stocked, index, noise)
        assert await card_chats(session, mansour) == [-200]
        karrada = await _file(stocked, index, Draft(**{**noise.__dict__, "place": "Karrada"}))
        assert await card_chats(session, karrada) == [-300]  # no Karrada chat: triage sees it


async def test_sensitive_reports_only_for_unit_staff(
    stocked: Database, index: StationIndex
) -> None:
    await _enrol(stocked, "BGD-KRD", 101, -100)  # the station's group member
    await _enrol(stocked, "BGD-KRD", 102, 102, "fcpu")  # an FCPU officer, in her private chat
    callback = await _file(stocked, index, Draft(
        category="callback", description="", sensitive=True, station="BGD-KRD",
        contact_phone="+9647701234567", contact_window="09:00–12:00",
    ))  # fmt: skip
    assert callback.unit == "fcpu" and callback.station_code == "BGD-KRD"
    async with stocked.sessions() as session:
        assert await card_chats(session, callback) == [102]
        assert (await staff_report(session, callback.reference or "", 102)).id == callback.id
        with pytest.raises(NotAllowed):
            await staff_report(session, callback.reference or "", 101)
        assert [r.id for r in await open_queue(session, "BGD-KRD", 101)] == []
        assert [r.id for r in await open_queue(session, "BGD-KRD", 102)] == [callback.id]


async def test_questions_need_consent_and_answers_follow_the_card(
    stocked: Database, index: StationIndex
) -> None:
    from mps.report_threads import NoContact

    await _enrol(stocked, "BGD-KRD", 101, -100)
    theft = Draft(category="theft", description="my bike was stolen", place="Karrada")
    quiet = await _file(stocked, index, theft)
    agreed = await _file(
        stocked, index, Draft(**{**theft.__dict__, "contact_consent": True}), "p2"
    )
    async with stocked.sessions.begin() as session:
        assert not await link_chat(
            session, quiet.reference or "", "p1", 555
        )  # no consent: no chat
        assert not await link_chat(session, agreed.reference or "", "p1", 555)  # not the owner
        assert await link_chat(session, agreed.reference or "", "p2", 555)
    with pytest.raises(NoContact):
        async with stocked.sessions.begin() as session:
            await ask_citizen(session, quiet.reference or "", 101, "which colour?", NOW)
    async with stocked.sessions.begin() as session:
        await ask_citizen(session, agreed.reference or "", 101, "which colour?", NOW)
        await remember(session, 555, 77, agreed.id, "question")
    async with stocked.sessions.begin() as session:
        found = await message_report(session, 555, 77)
        assert found is not None and found[0].id == agreed.id and found[1] == "question"
        await answer_staff(session, found[0], "red", NOW)
        assert await message_report(session, 555, 78) is None
