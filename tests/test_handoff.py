"""The hand-off's domain (mps/handoff.py): opening in and out of staffed hours, Take
with one winner under a race, who may act, closing and the idle timeout, discreet
hand-offs that leave nothing but a count, and the figures. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select, update

from mps.clock import Clock
from mps.database import Database, open_database
from mps.handoff import (
    BadHandoffStation,
    HandoffGone,
    NotHandoffStaff,
    NotTakenYet,
    TakenByOther,
    check_owner,
    citizen_handoff,
    claim_work,
    close,
    close_by_staff,
    expire_idle,
    forget,
    open_handoff,
    remember,
    reroute,
    take,
    thread,
    work_done,
)
from mps.handoff_figures import handoff_figures
from mps.models import Handoff, HandoffMessage, HandoffTally, Station
from mps.staff import invite, join
from mps.stations import TRIAGE
from tests.conftest import clock_at

# Thursday 26 November 2026, 10:00 in Baghdad: Karrada is staffed (Sun-Thu 08-18).
IN_HOURS = clock_at("2026-11-26 10:00")
# Friday 27 November, 10:00: nobody until Saturday or Sunday.
FRIDAY = clock_at("2026-11-27 10:00")
CITIZEN = 5001
KRD_GROUP = -700
RACERS = 12


async def _enrol(database: Database, station: str, user: int, chat: int, *units: str) -> None:
    async with database.sessions.begin() as session:
        code = (await invite(session, station, IN_HOURS.now, units)).code
        await join(session, code, chat, user, IN_HOURS.now)


async def _open(database: Database, clock: Clock = IN_HOURS, **kwargs: object) -> Handoff:
    values: dict[str, object] = {"station_code": "BGD-KRD", "language": "ar"} | kwargs
    async with database.sessions.begin() as session:
        handoff, new = await open_handoff(
            session,
            int(values.pop("chat_id", CITIZEN)),  # type: ignore[call-overload]
            clock=clock,
            **values,  # type: ignore[arg-type]
        )
    assert new
    return handoff


def _later(clock: Clock, **delta: float) -> Clock:
    return Clock(clock.now + dt.timedelta(**delta), clock.zone)


async def test_open_in_hours_starts_the_idle_clock_now(stocked: Database) -> None:
    handoff = await _open(stocked, question="  Where do I get a clearance certificate?  ")
    assert handoff.station_code == "BGD-KRD" and handoff.status == "waiting"
    assert handoff.last_message_at == IN_HOURS.now
    assert handoff.question == "Where do I get a clearance certificate?"
    assert handoff.cards_due
    async with stocked.sessions.begin() as session:
        again, new = await open_handoff(session, CITIZEN, "BGD-MNS", "ar", IN_HOURS)
        assert not new and again.id == handoff.id  # one open hand-off a chat
        assert (await citizen_handoff(session, CITIZEN)).id == handoff.id  # type: ignore[union-attr]


async def test_open_outside_hours_waits_for_staff_to_come_on_duty(stocked: Database) -> None:
    handoff = await _open(stocked, FRIDAY)
    # Karrada's next staffed time is Sunday 08:00 (Saturday is not in its hours).
    sunday = dt.datetime(2026, 11, 29, 8, 0, tzinfo=IN_HOURS.zone)
    assert handoff.last_message_at == sunday.astimezone(dt.UTC)
    async with stocked.sessions.begin() as session:
        # Not closed for idling before staff could read it...
        assert await expire_idle(session, _later(FRIDAY, hours=40)) == 0
        # ...but half an hour after they came on duty with no word either way, it is.
        assert await expire_idle(session, Clock(sunday + dt.timedelta(minutes=31), FRIDAY.zone))


async def test_an_unknown_station_or_a_discreet_one_without_the_unit_goes_to_triage(
    stocked: Database,
) -> None:
    assert (await _open(stocked, station_code="NOPE")).station_code == TRIAGE
    # Adhamiya has no Family and Child Protection unit in the demo registry.
    async with stocked.sessions() as session:
        adhamiya = await session.get(Station, "BGD-ADH")
        assert adhamiya is not None and "fcpu" not in adhamiya.units
    handoff = await _open(
        stocked, chat_id=CITIZEN + 1, station_code="BGD-ADH", discreet=True, question="x"
    )
    assert handoff.station_code == TRIAGE and handoff.unit == "fcpu" and handoff.sensitive
    assert handoff.question is None  # a discreet one never carries a question


async def _take_race(database: Database, handoff_id: int) -> list[object]:
    """RACERS members of Karrada press Take at once, each through its own connection
    pool (a replica each); what each press returned or raised."""
    start = asyncio.Event()

    async def press(user: int) -> object:
        pool = open_database(database.engine.url.render_as_string(hide_password=False))
        try:
            await start.wait()
            async with pool.sessions.begin() as session:
                return await take(session, handoff_id, user, KRD_GROUP, IN_HOURS, in_group=True)
        except (TakenByOther, HandoffGone) as error:
            return error
        finally:
            await pool.close()

    tasks = [asyncio.create_task(press(7000 + i)) for i in range(RACERS)]
    await asyncio.sleep(0.05)  # every press is waiting at the start line
    start.set()
    return list(await asyncio.gather(*tasks))


async def test_staff_pressing_take_at_once_make_one_owner(stocked: Database) -> None:
    for i in range(RACERS):
        await _enrol(stocked, "BGD-KRD", 7000 + i, KRD_GROUP)
    handoff = await _open(stocked)
    results = await _take_race(stocked, handoff.id)
    winners = [r for r in results if isinstance(r, Handoff)]
    losers = [r for r in results if isinstance(r, TakenByOther)]
    assert len(winners) == 1 and len(losers) == RACERS - 1
    owner = winners[0].owner_user
    assert all(loser.owner == owner for loser in losers)  # each is told who has it
    async with stocked.sessions() as session:
        row = await session.get(Handoff, handoff.id)
        assert row is not None and row.status == "taken" and row.owner_user == owner
        assert row.owner_chat == KRD_GROUP and row.taken_at == IN_HOURS.now


async def test_only_the_station_s_staff_act_and_only_the_owner_once_taken(
    stocked: Database,
) -> None:
    await _enrol(stocked, "BGD-KRD", 7001, KRD_GROUP)
    await _enrol(stocked, "BGD-KRD", 7002, KRD_GROUP)
    await _enrol(stocked, "BGD-MNS", 7003, -701)
    handoff = await _open(stocked)
    async with stocked.sessions.begin() as session:
        with pytest.raises(NotHandoffStaff):
            await take(session, handoff.id, 7003, -701, IN_HOURS, in_group=True)
        with pytest.raises(NotTakenYet):
            check_owner(handoff, 7001)  # a reply before anyone took it
        await take(session, handoff.id, 7001, KRD_GROUP, IN_HOURS, in_group=True)
    async with stocked.sessions.begin() as session:
        with pytest.raises(TakenByOther):
            await close_by_staff(session, handoff.id, 7002, IN_HOURS, in_group=True)
        with pytest.raises(TakenByOther):
            await reroute(session, handoff.id, 7002, "BGD-MNS", IN_HOURS, in_group=True)
        with pytest.raises(BadHandoffStation):
            await reroute(session, handoff.id, 7001, TRIAGE, IN_HOURS, in_group=True)
        moved = await reroute(session, handoff.id, 7001, "BGD-MNS", IN_HOURS, in_group=True)
    # Passed on: it waits at Mansour, for Mansour's staff, and its cards go out again.
    assert moved.station_code == "BGD-MNS" and moved.status == "waiting"
    assert moved.owner_user is None and moved.cards_due and moved.redraw_due
    async with stocked.sessions.begin() as session:
        with pytest.raises(NotHandoffStaff):
            await take(session, handoff.id, 7001, KRD_GROUP, IN_HOURS, in_group=True)
        await take(session, handoff.id, 7003, -701, IN_HOURS, in_group=True)
        closed = await close_by_staff(session, handoff.id, 7003, IN_HOURS, in_group=True)
    assert closed.closed_by == "staff" and closed.chat_id is None
    async with stocked.sessions.begin() as session:
        with pytest.raises(HandoffGone):
            await take(session, handoff.id, 7003, -701, IN_HOURS)


async def test_a_discreet_one_is_for_unit_staff_in_private_chats_only(stocked: Database) -> None:
    await _enrol(stocked, "BGD-KRD", 7001, KRD_GROUP)  # Karrada's group member
    await _enrol(stocked, "BGD-KRD", 7010, 7010, "fcpu")  # an FCPU officer, privately
    handoff = await _open(stocked, discreet=True)
    async with stocked.sessions.begin() as session:
        with pytest.raises(NotHandoffStaff):
            await take(session, handoff.id, 7001, KRD_GROUP, IN_HOURS, in_group=True)
        with pytest.raises(NotHandoffStaff):  # the officer, but in a group
            await take(session, handoff.id, 7010, KRD_GROUP, IN_HOURS, in_group=True)
        await take(session, handoff.id, 7010, 7010, IN_HOURS)


async def test_closing_lets_the_chat_go_and_a_timeout_keeps_it_for_the_goodbye(
    stocked: Database,
) -> None:
    handoff = await _open(stocked, question="a question")
    async with stocked.sessions.begin() as session:
        closed = await close(session, handoff.id, "citizen", IN_HOURS)
        assert closed is not None and closed.chat_id is None and closed.question is None
        assert await close(session, handoff.id, "citizen", IN_HOURS) is None  # once
    other = await _open(stocked, chat_id=CITIZEN + 2)
    async with stocked.sessions.begin() as session:
        assert await expire_idle(session, _later(IN_HOURS, minutes=29)) == 0
        assert await expire_idle(session, _later(IN_HOURS, minutes=31)) == 1
        row = await session.get(Handoff, other.id)
        assert row is not None and row.closed_by == "timeout"
        assert row.chat_id == CITIZEN + 2 and row.farewell_due
        # Asking for a person again while the goodbye is pending: a new one opens.
        again, new = await open_handoff(session, CITIZEN + 2, "BGD-KRD", "ar", IN_HOURS)
        assert new and again.id != other.id


async def test_a_discreet_one_leaves_only_an_unlinked_count(stocked: Database) -> None:
    await _enrol(stocked, "BGD-KRD", 7010, 7010, "fcpu")
    handoff = await _open(stocked, discreet=True)
    async with stocked.sessions.begin() as session:
        await take(session, handoff.id, 7010, 7010, _later(IN_HOURS, minutes=2))
        await remember(session, 7010, 55, handoff.id, "card")
        await remember(session, 7010, 56, handoff.id, "relay")
        assert len(await thread(session, handoff.id)) == 2
        await close(session, handoff.id, "exit", _later(IN_HOURS, minutes=10))
        # The bot's clean-up is due: claimed like any other work.
        assert await claim_work(session, IN_HOURS, "replica-a") == [handoff.id]
        await forget(session, handoff.id)
    async with stocked.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Handoff)) == 0
        assert await session.scalar(select(func.count()).select_from(HandoffMessage)) == 0
        [tally] = (await session.scalars(select(HandoffTally))).all()
    assert (tally.station_code, tally.month) == ("BGD-KRD", "2026-11")
    assert (tally.opened, tally.taken, tally.ended) == (1, 1, 1)
    assert (tally.take_seconds, tally.end_seconds) == (120.0, 600.0)


async def test_figures_give_counts_and_times_per_station(stocked: Database) -> None:
    await _enrol(stocked, "BGD-KRD", 7001, KRD_GROUP)
    for minutes, chat in ((4, 1), (8, 2)):
        handoff = await _open(stocked, chat_id=CITIZEN + 10 + chat)
        async with stocked.sessions.begin() as session:
            await take(session, handoff.id, 7001, KRD_GROUP, _later(IN_HOURS, minutes=minutes))
            await close(session, handoff.id, "citizen", _later(IN_HOURS, minutes=2 * minutes))
    await _open(stocked, chat_id=CITIZEN + 20)  # still waiting
    await _open(stocked, chat_id=CITIZEN + 21, discreet=True)
    async with stocked.sessions() as session:
        figures = await handoff_figures(session, IN_HOURS.now - dt.timedelta(days=1), "BGD-KRD")
        elsewhere = await handoff_figures(session, IN_HOURS.now, "BGD-MNS")
    assert (figures.opened, figures.taken, figures.closed) == (3, 2, 2)
    assert figures.median_take_seconds == 360.0 and figures.median_close_seconds == 720.0
    assert figures.discreet_opened == 1 and figures.discreet_taken == 0
    assert elsewhere.opened == 0 and elsewhere.median_take_seconds is None


async def test_work_is_leased_to_one_replica(stocked: Database) -> None:
    handoff = await _open(stocked)
    async with stocked.sessions.begin() as session:
        assert await claim_work(session, IN_HOURS, "replica-a") == [handoff.id]
    async with stocked.sessions.begin() as session:
        assert await claim_work(session, IN_HOURS, "replica-b") == []
        await session.execute(update(Handoff).values(claimed_until=None))
        assert await claim_work(session, IN_HOURS, "replica-b") == [handoff.id]


async def test_work_done_on_a_state_that_changed_meanwhile_stays_due(stocked: Database) -> None:
    await _enrol(stocked, "BGD-KRD", 7001, KRD_GROUP)
    handoff = await _open(stocked)  # read while waiting: its cards are due
    async with stocked.sessions.begin() as session:
        await take(session, handoff.id, 7001, KRD_GROUP, IN_HOURS, in_group=True)
        await work_done(session, handoff, cards_due=False, redraw_due=False)
        row = await session.get(Handoff, handoff.id, populate_existing=True)
        assert row is not None and row.redraw_due  # the take is still to be drawn
        await work_done(session, row, redraw_due=False)
        await session.refresh(row)
        assert not row.redraw_due
