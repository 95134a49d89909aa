"""Revoking access: removed staff, unbound chats, revoked invites, all audited;
/join refuses shared ids and re-binding a group; staff numbers, never Telegram ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from mps.database import Database
from mps.models import StaffAudit
from mps.report_threads import card_chats, open_queue
from mps.reports import Draft, NotAllowed, file_report, staff_report
from mps.routing import StationIndex
from mps.staff import JoinResult, invite, is_staff, join, numbers_of, station_of_chat
from mps.staff_admin import (
    chats,
    members,
    migrate_chat,
    open_invites,
    remove_member,
    revoke_invite,
    unbind_chat,
)
from tests.staffing import enrol
from tests.test_reports import KEY, NOW, RULES

NOISE = Draft(category="noise", description="generator noise all night", place="Mansour")


async def _audit(database: Database) -> list[tuple[str, str, str, str | None]]:
    async with database.sessions() as session:
        rows = await session.scalars(select(StaffAudit).order_by(StaffAudit.id))
        return [(a.actor, a.action, a.target, a.station_code) for a in rows.all()]


async def test_a_removed_officer_can_do_nothing_and_gets_no_more_cards(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-MNS", 201, -200)  # the station's group
    await enrol(stocked, "BGD-MNS", 202, 202)  # an officer who joined in her private chat
    async with stocked.sessions.begin() as session:
        report = await file_report(session, NOISE, "p1", KEY, NOW, RULES, index)
        assert await card_chats(session, report) == [-200, 202]
        assert (await staff_report(session, report.reference or "", 202)).id == report.id
    async with stocked.sessions.begin() as session:
        removed = await remove_member(session, 202, None, "admin:chief", NOW.now)
    assert removed == ["BGD-MNS"]
    async with stocked.sessions() as session:
        assert not await is_staff(session, 202, "BGD-MNS")
        with pytest.raises(NotAllowed):  # her next press, /report, ask or close
            await staff_report(session, report.reference or "", 202)
        assert await open_queue(session, "BGD-MNS", 202) == []
        assert await card_chats(session, report) == [-200]  # her private chat is unbound
        assert await station_of_chat(session, 202) is None
        assert [m.user_id for m in await members(session, "BGD-MNS")] == [201]
    assert await _audit(stocked) == [
        ("admin:chief", "staff_remove", "user:202", "BGD-MNS"),
        ("admin:chief", "chat_unbind", "chat:202", "BGD-MNS"),
    ]
    async with stocked.sessions.begin() as session:  # nobody left to remove
        assert await remove_member(session, 202, None, "admin:chief", NOW.now) == []


async def test_an_unbound_chat_gets_no_more_cards_and_triage_takes_over(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-MNS", 201, -200)
    await enrol(stocked, "TRIAGE", 301, -300)
    async with stocked.sessions.begin() as session:
        assert await unbind_chat(session, -200, "admin:chief", NOW.now, "phone lost") == "BGD-MNS"
        assert await unbind_chat(session, -200, "admin:chief", NOW.now) is None
        report = await file_report(session, NOISE, "p1", KEY, NOW, RULES, index)
    async with stocked.sessions() as session:
        assert await card_chats(session, report) == [-300]
        # Triage staff may act on what lands with them (M7), at least re-route it.
        assert (await staff_report(session, report.reference or "", 301)).id == report.id
        assert [c.chat_id for c in await chats(session)] == [-300]
    assert await _audit(stocked) == [("admin:chief", "chat_unbind", "chat:-200", "BGD-MNS")]


async def test_a_revoked_invite_no_longer_joins(stocked: Database) -> None:
    async with stocked.sessions.begin() as session:
        code = (await invite(session, "BGD-KRD", NOW.now)).code
        kept = (await invite(session, "BGD-KRD", NOW.now)).code
        assert {i.code for i in await open_invites(session, NOW.now)} == {code, kept}
        assert await revoke_invite(session, code.lower(), "admin:chief", NOW.now) is not None
        assert await revoke_invite(session, code, "admin:chief", NOW.now) is None  # once
    async with stocked.sessions.begin() as session:
        assert (await join(session, code, -100, 101, NOW.now))[0] is JoinResult.UNKNOWN
        assert [i.code for i in await open_invites(session, NOW.now, "BGD-KRD")] == [kept]
        assert not await is_staff(session, 101, "BGD-KRD")
    assert await _audit(stocked) == [("admin:chief", "invite_revoke", f"invite:{code}", "BGD-KRD")]


@pytest.mark.parametrize("fake", [1087968824, 136817688, 777000])
async def test_shared_telegram_ids_never_become_staff(stocked: Database, fake: int) -> None:
    async with stocked.sessions.begin() as session:
        code = (await invite(session, "BGD-KRD", NOW.now)).code
        assert (await join(session, code, -100, fake, NOW.now))[0] is JoinResult.NOT_A_PERSON
        assert (await join(session, code, -100, 101, NOW.now))[0] is JoinResult.JOINED  # unused
        assert not await is_staff(session, fake, "BGD-KRD")


async def test_a_group_is_not_rebound_to_another_station_by_a_code(stocked: Database) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    async with stocked.sessions.begin() as session:
        code = (await invite(session, "BGD-MNS", NOW.now)).code
        result, _ = await join(session, code, -100, 101, NOW.now)
        assert result is JoinResult.BOUND_ELSEWHERE
        assert await station_of_chat(session, -100) == "BGD-KRD"
        assert [i.code for i in await open_invites(session, NOW.now)] == [code]  # not used up


async def test_a_migrated_group_keeps_its_binding(stocked: Database) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    async with stocked.sessions.begin() as session:
        assert await migrate_chat(session, -100, -1001234, NOW.now) == "BGD-KRD"
    async with stocked.sessions() as session:
        assert await station_of_chat(session, -100) is None
        assert await station_of_chat(session, -1001234) == "BGD-KRD"
    assert await _audit(stocked) == [("bot", "chat_migrate", "chat:-100", "BGD-KRD")]


async def test_staff_have_numbers_that_outlive_their_membership(stocked: Database) -> None:
    await enrol(stocked, "BGD-KRD", 555000111, -100)
    await enrol(stocked, "BGD-MNS", 555000222, -200)
    await enrol(stocked, "BGD-MNS", 555000111, -201)  # same person, second station
    async with stocked.sessions.begin() as session:
        assert await numbers_of(session, {555000111, 555000222}) == {555000111: 1, 555000222: 2}
        await remove_member(session, 555000111, None, "admin:chief", NOW.now)
        assert await numbers_of(session, {555000111}) == {555000111: 1}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_migration_unlinks_existing_sensitive_reports_and_numbers_staff(
    backend: str, tmp_path: Path
) -> None:
    import os

    from sqlalchemy import text

    from mps.database import open_database, upgrade

    if backend == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set (`.ci/run` sets it)")
        database = open_database(url)
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    try:
        await upgrade(database, "0003")
        at = NOW.now
        async with database.engine.begin() as connection:
            for user, day in ((900, 2), (800, 1), (900, 3)):
                await connection.execute(
                    text(
                        "INSERT INTO staff_members (user_id, station_code, joined_at, units) "
                        "VALUES (:u, :s, :j, '[]') ON CONFLICT DO NOTHING"
                    ),
                    {"u": user, "s": "TRIAGE", "j": NOW.now.replace(day=day)},
                )
            for n, (unit, category) in enumerate(
                [
                    ("fcpu", "other"),
                    ("community_policing", "online_harassment"),
                    ("community_policing", "noise"),
                ],
                start=1,
            ):
                await connection.execute(
                    text(
                        "INSERT INTO reports (id, owner, language, category, unit, station_code, "
                        "description, place, contact_consent, sensitive, status, chat_id, "
                        "created_at, updated_at) VALUES (:id, 'pseudonym-of-her', 'en', :c, :u, "
                        "'TRIAGE', 'x', '', true, false, 'new', 5550001, :at, :at)"
                    ),
                    {"id": n, "c": category, "u": unit, "at": at},
                )
        await upgrade(database)
        async with database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id, sensitive, owner, chat_id, contact_consent"
                        " FROM reports ORDER BY id"
                    )
                )
            ).all()
            numbers = (
                await connection.execute(
                    text("SELECT user_id, number FROM staff_numbers ORDER BY number")
                )
            ).all()
        assert [(r[0], bool(r[1]), r[2], r[3], bool(r[4])) for r in rows] == [
            (1, True, "sealed:1", None, False),
            (2, True, "sealed:2", None, False),
            (3, False, "pseudonym-of-her", 5550001, True),
        ]
        assert [tuple(n) for n in numbers] == [(800, 1), (900, 2)]
    finally:
        await database.close()
