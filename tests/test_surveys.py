"""Satisfaction surveys, the domain (mps/surveys.py): scheduled once, after a report's
"closed" update (with consent) or the day after a visit, never after a sensitive
report, a call-back or a hand-off; leased to one replica and asked once; ended
without a trace of her; comments purged with the retention period; and the figures,
none under five answers. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.admin import main as admin_main
from mps.bookings import book
from mps.checkin import CheckIn, check_in
from mps.clock import Clock
from mps.database import Database, open_database
from mps.handoff import close as close_handoff
from mps.handoff import open_handoff
from mps.models import Booking, OutboxMessage, Survey
from mps.outbox import mark_sent
from mps.reports import Draft, change_status, link_chat
from mps.retention import Retention, purge
from mps.routing import StationIndex
from mps.surveys import (
    ANSWER_DAYS,
    LEASE,
    TRACES,
    WAIT,
    ask_later,
    claim_surveys,
    expire,
    forget_chat,
    mark_asked,
    satisfaction,
)
from tests.conftest import DEMO_REGISTRY, clock_at
from tests.staffing import callback_draft, enrol, file
from tests.test_bookings import SATURDAY, new_event
from tests.test_claims import _twin
from tests.test_reports import NOW

CHAT = 7001
STAFF, STAFF_GROUP, UNIT_OFFICER = 101, -100, 102
BIKE = Draft(
    category="theft",
    description="my blue bike was taken from the gate",
    place="Karrada",
    contact_consent=True,
)
LATER = Clock(NOW.now + dt.timedelta(minutes=5), NOW.zone)


def _at(clock: Clock, **delta: float) -> Clock:
    return Clock(clock.now + dt.timedelta(**delta), clock.zone)


async def _surveys(database: Database) -> list[Survey]:
    async with database.sessions() as session:
        return list((await session.scalars(select(Survey).order_by(Survey.id))).all())


async def _close(
    database: Database, index: StationIndex, draft: Draft = BIKE, chat: int = CHAT
) -> str:
    """File `draft` as "p1", link her chat (with consent), close it as staff; the
    reference."""
    report = await file(database, index, draft)
    reference = report.reference or ""
    async with database.sessions.begin() as session:
        await link_chat(session, reference, "p1", chat)
    async with database.sessions.begin() as session:
        await change_status(session, reference, _officer(report.sensitive), "closed", LATER)
    return reference


def _officer(sensitive: bool) -> int:
    return UNIT_OFFICER if sensitive else STAFF


async def _staffed(database: Database) -> None:
    await enrol(database, "BGD-KRD", STAFF, STAFF_GROUP)
    await enrol(database, "BGD-KRD", UNIT_OFFICER, UNIT_OFFICER, "fcpu")


async def _send_updates(database: Database, clock: Clock) -> None:
    """The outbox delivered every citizen update."""
    async with database.sessions.begin() as session:
        rows = await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.kind == "citizen_update")
        )
        for row in rows.all():
            await mark_sent(session, row, clock)


async def _claim(database: Database, clock: Clock, replica: str = "replica-a") -> list[int]:
    async with database.sessions.begin() as session:
        return [s.id for s in await claim_surveys(session, clock, replica)]


async def test_a_closed_report_is_surveyed_once_and_only_after_its_update(
    stocked: Database, index: StationIndex
) -> None:
    await _staffed(stocked)
    await _close(stocked, index)
    [survey] = await _surveys(stocked)
    assert (survey.kind, survey.station_code, survey.chat_id) == ("report", "BGD-KRD", CHAT)
    assert survey.status == "waiting" and survey.after_outbox_id is not None
    assert await _claim(stocked, _at(LATER, hours=1)) == []  # her update is not out yet
    await _send_updates(stocked, _at(LATER, seconds=2))
    assert await _claim(stocked, _at(LATER, seconds=3)) == [survey.id]
    assert await _claim(stocked, _at(LATER, seconds=4), "replica-b") == []  # leased to A
    async with stocked.sessions.begin() as session:
        token = await mark_asked(session, survey.id, _at(LATER, seconds=4), "replica-a")
    assert token
    # Asked: never claimed again, whoever asks, however late.
    assert await _claim(stocked, _at(LATER, hours=1), "replica-b") == []
    [asked] = await _surveys(stocked)
    assert (asked.status, asked.token, asked.asked_on) == ("asked", token, LATER.today)


async def test_no_survey_without_consent_after_a_sensitive_report_or_a_callback(
    stocked: Database, index: StationIndex
) -> None:
    await _staffed(stocked)
    await _close(stocked, index, Draft(**{**BIKE.__dict__, "contact_consent": False}))
    husband = Draft(
        category="other",
        description="my husband locks me in the house",
        place="Karrada",
        contact_consent=True,
    )
    await _close(stocked, index, husband)  # sensitive: for the FCPU unit, no contact kept
    callback = await file(stocked, index, callback_draft())
    async with stocked.sessions.begin() as session:
        await change_status(session, callback.reference or "", UNIT_OFFICER, "closed", LATER)
    # Status changes other than closing schedule nothing either.
    acknowledged = await file(stocked, index, BIKE)
    async with stocked.sessions.begin() as session:
        await link_chat(session, acknowledged.reference or "", "p1", CHAT)
        await change_status(session, acknowledged.reference or "", STAFF, "acknowledged", LATER)
    await _send_updates(stocked, LATER)
    assert await _surveys(stocked) == []


async def test_a_handoff_never_brings_a_survey_and_one_due_waits_until_it_ends(
    stocked: Database, index: StationIndex
) -> None:
    async with stocked.sessions.begin() as session:
        handoff, _ = await open_handoff(session, CHAT, "BGD-KRD", "en", NOW)
    async with stocked.sessions.begin() as session:
        await close_handoff(session, handoff.id, "citizen", LATER)
    assert await _surveys(stocked) == []
    # A report closed while she is writing to staff: its survey waits for the end.
    await _staffed(stocked)
    async with stocked.sessions.begin() as session:
        again, _ = await open_handoff(session, CHAT, "BGD-KRD", "en", LATER)
    await _close(stocked, index)
    await _send_updates(stocked, LATER)
    assert await _claim(stocked, _at(LATER, minutes=1)) == []
    async with stocked.sessions.begin() as session:
        await close_handoff(session, again.id, "citizen", _at(LATER, minutes=2))
    assert len(await _claim(stocked, _at(LATER, minutes=3))) == 1


async def _checked_in(database: Database, chat: int | None = CHAT) -> Booking:
    event_id = await new_event(database, day=SATURDAY)
    async with database.sessions.begin() as session:
        booking = await book(session, event_id, "p1", 2, "ar", NOW)
        booking.chat_id = chat
    on_the_day = clock_at("2026-11-28 09:30")
    async with database.sessions.begin() as session:
        result, checked = await check_in(session, "BGD-KRD", booking.code, on_the_day)
    assert result is CheckIn.OK and checked is not None
    return checked


async def test_a_visit_is_surveyed_the_next_day_in_her_language(stocked: Database) -> None:
    await _checked_in(stocked)
    [survey] = await _surveys(stocked)
    assert (survey.kind, survey.language, survey.chat_id) == ("visit", "ar", CHAT)
    assert await _claim(stocked, clock_at("2026-11-29 09:59")) == []
    assert await _claim(stocked, clock_at("2026-11-29 10:00")) == [survey.id]


async def test_a_visit_without_a_known_chat_is_not_surveyed(stocked: Database) -> None:
    await _checked_in(stocked, chat=None)
    assert await _surveys(stocked) == []


async def _due_visits(database: Database, count: int) -> None:
    async with database.sessions.begin() as session:
        session.add_all(
            Survey(
                kind="visit",
                station_code="BGD-KRD",
                language="en",
                status="waiting",
                chat_id=9000 + n,
                due_at=NOW.now,
            )
            for n in range(count)
        )


async def test_two_replicas_asking_at_once_ask_each_survey_exactly_once(
    stocked: Database,
) -> None:
    await _due_visits(stocked, 120)
    other = _twin(stocked)

    async def replica(database: Database, name: str) -> list[int]:
        asked: list[int] = []
        while True:
            async with database.sessions.begin() as session:
                claimed = [s.id for s in await claim_surveys(session, NOW, name, limit=7)]
            if not claimed:
                return asked
            for survey_id in claimed:
                await asyncio.sleep(0)  # the other replica runs meanwhile
                async with database.sessions.begin() as session:
                    if await mark_asked(session, survey_id, NOW, name):
                        asked.append(survey_id)

    try:
        shares = await asyncio.gather(
            *[
                replica(db, f"replica-{n}-{i}")
                for n in range(2)
                for i, db in enumerate((stocked, other))
            ]
        )
    finally:
        await other.close()
    asked = [s for share in shares for s in share]
    assert len(asked) == len(set(asked)) == 120
    assert sum(1 for share in shares if share) >= 2  # the work was shared
    assert {s.status for s in await _surveys(stocked)} == {"asked"}


async def test_a_replica_whose_lease_ran_out_cannot_ask(stocked: Database) -> None:
    await _due_visits(stocked, 1)
    [survey_id] = await _claim(stocked, NOW, "replica-a")
    stalled = _at(NOW, seconds=LEASE.total_seconds() + 1)
    async with stocked.sessions.begin() as session:
        assert await mark_asked(session, survey_id, stalled, "replica-a") is None
    assert await _claim(stocked, stalled, "replica-b") == [survey_id]
    async with stocked.sessions.begin() as session:
        assert await mark_asked(session, survey_id, stalled, "replica-b")
        await ask_later(session, survey_id, stalled, 30)  # Telegram refused it: not asked
    assert await _claim(stocked, _at(stalled, seconds=29), "replica-b") == []
    assert await _claim(stocked, _at(stalled, seconds=31), "replica-b") == [survey_id]


async def test_surveys_end_in_time_keeping_nothing_that_leads_to_her(
    stocked: Database,
) -> None:
    await _due_visits(stocked, 4)
    [never, unrated, rated, commenting] = await _claim(stocked, NOW)
    async with stocked.sessions.begin() as session:
        for survey_id in (unrated, rated, commenting):
            assert await mark_asked(session, survey_id, NOW, "replica-a")
        await session.execute(update(Survey).where(Survey.id == rated).values(rating=4))
        await session.execute(
            update(Survey)
            .where(Survey.id == commenting)
            .values(
                status="comment",
                rating=2,
                respected=False,
                comment_until=_at(NOW, minutes=30).now,
            )
        )
    async with stocked.sessions.begin() as session:
        assert await expire(session, _at(NOW, minutes=31)) == 1  # the comment did not come
        assert await expire(session, _at(NOW, days=ANSWER_DAYS)) == 3
    ended = {s.id: s for s in await _surveys(stocked)}
    assert ended[never].status == "expired" and ended[unrated].status == "expired"
    assert ended[rated].status == "answered" and ended[rated].rating == 4
    assert (ended[commenting].rating, ended[commenting].respected) == (2, False)
    for survey in ended.values():
        assert all(getattr(survey, column) is None for column in TRACES)
    assert WAIT <= dt.timedelta(days=ANSWER_DAYS)


async def test_exit_ends_her_surveys_and_keeps_none_of_her_answers(stocked: Database) -> None:
    await _due_visits(stocked, 1)
    async with stocked.sessions.begin() as session:
        await session.execute(update(Survey).values(status="asked", rating=5, token="t"))
    async with stocked.sessions.begin() as session:
        assert await forget_chat(session, 9000) == 1
    [survey] = await _surveys(stocked)
    assert (survey.status, survey.rating, survey.chat_id, survey.token) == (
        "expired",
        None,
        None,
        None,
    )


def _answer(
    asked: dt.date, rating: int | None, respected: bool | None = None, station: str = "BGD-KRD"
) -> Survey:
    return Survey(
        kind="report",
        station_code=station,
        language="en",
        status="answered" if rating else "expired",
        asked_on=asked,
        rating=rating,
        respected=respected,
        answered_on=asked if rating else None,
    )


WEEK = (
    dt.datetime(2026, 11, 22, tzinfo=NOW.zone),
    dt.datetime(2026, 11, 29, tzinfo=NOW.zone),
)


async def test_figures_need_five_answers(stocked: Database) -> None:
    day = dt.date(2026, 11, 24)
    async with stocked.sessions.begin() as session:
        session.add_all([_answer(day, 5, True), _answer(day, 3, False), _answer(day, None)])
        session.add_all([_answer(day, 4, True), _answer(day, 2)])  # one did not say
        session.add(_answer(day - dt.timedelta(days=7), 1, False))  # the week before
    async with stocked.sessions() as session:
        four = await satisfaction(session, {"BGD-KRD"}, *WEEK)
    assert (four.sent, four.answered) == (5, 4)
    assert four.response_rate is four.mean_rating is four.respected_share is None
    async with stocked.sessions.begin() as session:
        session.add(_answer(day, 4, True))
        session.add(_answer(day, 1, False, station="BGD-MNS"))
    async with stocked.sessions() as session:
        krd = await satisfaction(session, {"BGD-KRD"}, *WEEK)
        both = await satisfaction(session, None, *WEEK)
        nobody = await satisfaction(session, set(), *WEEK)
    assert (krd.sent, krd.answered) == (6, 5)
    assert krd.response_rate == pytest.approx(5 / 6)
    assert krd.mean_rating == pytest.approx((5 + 3 + 4 + 2 + 4) / 5)
    assert krd.respected_share is None  # four answers to "treated with respect?"
    assert (both.sent, both.answered) == (7, 6)
    assert both.mean_rating == pytest.approx((5 + 3 + 4 + 2 + 4 + 1) / 6)
    assert both.respected_share == pytest.approx(3 / 5)
    assert (nobody.sent, nobody.answered, nobody.mean_rating) == (0, 0, None)


async def test_old_comments_are_purged_and_the_ratings_stay(stocked: Database) -> None:
    async with stocked.sessions.begin() as session:
        old, recent = _answer(dt.date(2026, 8, 1), 2), _answer(dt.date(2026, 11, 1), 5)
        old.comment, recent.comment = "the desk was rude", "very kind officer"
        session.add_all([old, recent])
    async with stocked.sessions.begin() as session:
        purged = await purge(session, NOW, Retention(report_days=90))
    assert purged.comments == 1
    by_rating = {s.rating: s for s in await _surveys(stocked)}
    assert by_rating[2].comment is None and by_rating[5].comment == "very kind officer"
    async with stocked.sessions.begin() as session:
        assert (await purge(session, NOW, Retention(report_days=90))).comments == 0


def test_operators_purge_comments_from_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/admin.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RETENTION_REPORT_DAYS", "0")
    assert admin_main(["stations", "import", str(DEMO_REGISTRY)]) == 0

    async def commented(add: bool) -> list[str | None]:
        database = open_database(url)
        try:
            async with database.sessions.begin() as session:
                if add:
                    yesterday = dt.date.today() - dt.timedelta(days=2)
                    answer = _answer(yesterday, 3)
                    answer.comment = "waited a long time"
                    session.add(answer)
            return [s.comment for s in await _surveys(database)]
        finally:
            await database.close()

    assert asyncio.run(commented(add=True)) == ["waited a long time"]
    capsys.readouterr()
    assert admin_main(["purge"]) == 0
    assert "1 survey comments" in capsys.readouterr().out
    assert asyncio.run(commented(add=False)) == [None]
