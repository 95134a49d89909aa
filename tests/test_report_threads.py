"""Where reports go and who may work them: triage, units, threads, citizen chats."""

from __future__ import annotations

import pytest

from mps.database import Database
from mps.report_threads import (
    answer_staff,
    ask_citizen,
    card_chats,
    message_report,
    open_queue,
    remember,
)
from mps.reports import Draft, NotAllowed, link_chat, staff_report
from mps.routing import StationIndex
from mps.stations import TRIAGE, all_stations
from tests.staffing import callback_draft, enrol, file
from tests.test_reports import NOW


async def test_unplaceable_reports_go_to_the_triage_queue(
    stocked: Database, index: StationIndex
) -> None:
    nowhere = Draft(category="noise", description="loud music", place="somewhere nobody knows")
    report = await file(stocked, index, nowhere)
    assert report.station_code == TRIAGE
    async with stocked.sessions() as session:
        assert TRIAGE not in [s.code for s in await all_stations(session)]  # never listed
        assert await card_chats(session, report) == []  # no staff chat yet: the outbox waits
    await enrol(stocked, TRIAGE, 301, -300)
    await enrol(stocked, "BGD-MNS", 201, -200)
    async with stocked.sessions() as session:
        assert await card_chats(session, report) == [-300]
        noise = Draft(category="noise", description="generator noise", place="Mansour")
        mansour = await file(stocked, index, noise)
        assert await card_chats(session, mansour) == [-200]
        karrada = await file(stocked, index, Draft(**{**noise.__dict__, "place": "Karrada"}))
        assert await card_chats(session, karrada) == [-300]  # no Karrada chat: triage sees it


async def test_sensitive_reports_only_for_unit_staff(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)  # the station's group member
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")  # an FCPU officer, in her private chat
    callback = await file(
        stocked,
        index,
        callback_draft(),
    )
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

    await enrol(stocked, "BGD-KRD", 101, -100)
    theft = Draft(category="theft", description="my bike was stolen", place="Karrada")
    quiet = await file(stocked, index, theft)
    agreed = await file(stocked, index, Draft(**{**theft.__dict__, "contact_consent": True}), "p2")
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


async def test_family_children_and_blackmail_reports_are_sensitive_and_unlinked(
    stocked: Database, index: StationIndex
) -> None:
    from mps.reports import report_of, reports_of

    await enrol(stocked, "BGD-KRD", 101, -100)  # the station's group
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")  # Family and Child Protection officer
    await enrol(stocked, "BGD-KRD", 103, 103, "juvenile")  # juvenile officer
    blackmail = await file(
        stocked,
        index,
        Draft(
            category="online_harassment",
            description="someone threatens to post my photos",
            place="Karrada",
            contact_consent=True,
        ),
    )
    children = await file(
        stocked,
        index,
        Draft(
            category="theft",
            description="older boys took the children's bicycles",
            place="Karrada",
            contact_consent=True,
        ),
    )
    husband = await file(
        stocked,
        index,
        Draft(
            category="other",
            description="my husband locks me in the house",
            place="Karrada",
        ),
    )
    noise = await file(
        stocked,
        index,
        Draft(
            category="noise",
            description="generator noise all night",
            place="Karrada",
        ),
    )
    assert [(r.sensitive, r.unit) for r in (blackmail, children, husband, noise)] == [
        (True, "fcpu"),
        (True, "juvenile"),
        (True, "fcpu"),
        (False, "community_policing"),
    ]
    for report in (blackmail, children, husband):
        assert report.owner != "p1" and not report.contact_consent  # linked to nobody
    async with stocked.sessions.begin() as session:
        assert await card_chats(session, blackmail) == [102]  # never the group
        assert await card_chats(session, husband) == [102]
        assert await card_chats(session, children) == [103]
        assert await card_chats(session, noise) == [-100, 102, 103]
        for user in (101, 103):
            with pytest.raises(NotAllowed):
                await staff_report(session, blackmail.reference or "", user)
        assert (await staff_report(session, blackmail.reference or "", 102)).id == blackmail.id
        assert [r.id for r in await open_queue(session, "BGD-KRD", 101)] == [noise.id]
        assert not await link_chat(session, blackmail.reference or "", "p1", 555)
        assert await report_of(session, blackmail.reference or "", "p1") is None
        assert [r.id for r in await reports_of(session, "p1")] == [noise.id]


async def test_a_callback_with_no_unit_officer_goes_to_triage_unit_staff_at_once(
    stocked: Database, index: StationIndex
) -> None:
    from mps.reports import reroute
    from tests.test_reports import NOW

    await enrol(stocked, "BGD-KRD", 101, -100)  # no FCPU officer at Karrada
    await enrol(stocked, "TRIAGE", 301, -300)  # triage group
    await enrol(stocked, "TRIAGE", 302, 302, "fcpu")  # triage FCPU officer
    callback = await file(
        stocked,
        index,
        callback_draft(),
    )
    async with stocked.sessions.begin() as session:
        assert await card_chats(session, callback) == [302]
        for user in (101, 301):
            with pytest.raises(NotAllowed):
                await staff_report(session, callback.reference or "", user)
        assert [r.id for r in await open_queue(session, TRIAGE, 302)] == [callback.id]
        with pytest.raises(LookupError):  # a forged r:to:REF:TRIAGE
            await reroute(session, callback.reference or "", 302, TRIAGE, NOW)
        moved = await reroute(session, callback.reference or "", 302, "BGD-MNS", NOW)
        assert moved.station_code == "BGD-MNS"
        assert await card_chats(session, moved) == [302]  # Mansour has no FCPU officer either
    lonely = await file(
        stocked,
        index,
        callback_draft("BSR-ASH"),
    )
    await _remove_triage_fcpu(stocked)
    async with stocked.sessions() as session:
        assert await card_chats(session, lonely) == []  # nobody anywhere: a dead letter


async def _remove_triage_fcpu(database: Database) -> None:
    from mps.staff_admin import remove_member
    from tests.test_reports import NOW

    async with database.sessions.begin() as session:
        await remove_member(session, 302, TRIAGE, "admin:test", NOW.now)


async def test_a_chat_lost_for_good_is_skipped_until_someone_is_back(
    stocked: Database, index: StationIndex
) -> None:
    from mps.delivery import clear_failure, note_failure
    from tests.test_reports import NOW

    await enrol(stocked, "BGD-KRD", 101, -100)
    await enrol(stocked, "BGD-KRD", 102, -101)
    await enrol(stocked, "TRIAGE", 301, -300)
    noise = await file(
        stocked,
        index,
        Draft(
            category="noise",
            description="generator noise all night",
            place="Karrada",
        ),
    )
    async with stocked.sessions.begin() as session:
        await note_failure(session, -100, "Forbidden", NOW.now)
        assert await card_chats(session, noise) == [-101]
        with pytest.raises(NotAllowed):  # the station still has a chat: not triage's
            await staff_report(session, noise.reference or "", 301)
        await note_failure(session, -101, "Forbidden", NOW.now)
        assert await card_chats(session, noise) == [-300]
        assert (await staff_report(session, noise.reference or "", 301)).id == noise.id
        assert [r.id for r in await open_queue(session, TRIAGE, 301)] == [noise.id]
        await clear_failure(session, -100)
        assert await card_chats(session, noise) == [-100]


async def test_outbox_rows_become_dead_letters_after_bounded_retries(
    stocked: Database, index: StationIndex
) -> None:
    from mps.models import OutboxMessage
    from mps.outbox import MAX_ATTEMPTS, dead_letters, due_outbox, mark_failed, retry_dead
    from tests.test_reports import NOW

    noise = await file(
        stocked,
        index,
        Draft(
            category="noise",
            description="generator noise all night",
            place="Karrada",
        ),
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        async with stocked.sessions.begin() as session:
            row = await session.get(OutboxMessage, 1)
            assert row is not None
            assert await mark_failed(session, row, NOW, "NetworkError") is (
                attempt == MAX_ATTEMPTS
            )
    async with stocked.sessions() as session:
        far = type(NOW)(NOW.now.replace(year=NOW.now.year + 1), NOW.zone)
        assert await due_outbox(session, far) == []  # never retried by itself
        for station in ("BGD-KRD", TRIAGE):
            [(row, report)] = await dead_letters(session, station)
            assert report.id == noise.id and row.attempts == MAX_ATTEMPTS
        assert await dead_letters(session, "BGD-MNS") == []
    async with stocked.sessions.begin() as session:
        assert await retry_dead(session, 1, NOW)
        assert not await retry_dead(session, 1, NOW)
    async with stocked.sessions() as session:
        [row] = await due_outbox(session, NOW)
        assert row.attempts == 0 and row.dead_at is None
