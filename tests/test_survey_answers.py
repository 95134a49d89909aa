"""Her answers, the domain (mps/survey_answers.py): one step at a time, once each,
from her chat only; the comment only outside a hand-off and for a while; what stays
leads to nobody. The survey buttons' callback data (mps/contract/surveys.py). On
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from mps.clock import Clock
from mps.contract import CALLBACK_DATA_LIMIT, SurveyAnswer, SurveyPress
from mps.database import Database
from mps.handoff import open_handoff
from mps.models import Survey
from mps.survey_answers import (
    COMMENT_WINDOW,
    Step,
    answer,
    awaiting_comment,
    drop_comment,
    take_comment,
)
from mps.surveys import TRACES, claim_surveys, mark_asked
from tests.test_claims import _twin
from tests.test_reports import NOW
from tests.test_surveys import due_visit

CHAT, STRANGER = 7001, 7002


async def asked_survey(
    database: Database, chat: int = CHAT, language: str = "en", clock: Clock = NOW
) -> tuple[int, str]:
    """A visit survey asked in `chat`: its id and token."""
    async with database.sessions.begin() as session:
        session.add(due_visit(chat, language, clock))
    async with database.sessions.begin() as session:
        [claimed] = await claim_surveys(session, clock, "replica-a")
        token = await mark_asked(session, claimed.id, clock, "replica-a")
    assert token is not None
    return claimed.id, token


async def _press(
    database: Database, token: str, choice: SurveyAnswer, chat: int = CHAT, clock: Clock = NOW
) -> Step:
    async with database.sessions.begin() as session:
        return (await answer(session, SurveyPress(token, choice), chat, clock)).step


async def _row(database: Database, survey_id: int) -> Survey:
    async with database.sessions() as session:
        survey = await session.get(Survey, survey_id)
        assert survey is not None
        return survey


async def test_answered_step_by_step_once_each_and_nothing_of_her_kept(
    stocked: Database,
) -> None:
    survey_id, token = await asked_survey(stocked, language="ckb")
    assert await _press(stocked, token, SurveyAnswer.RATE_4) is Step.RESPECT
    assert await _press(stocked, token, SurveyAnswer.RATE_1) is Step.ALREADY
    assert await _press(stocked, token, SurveyAnswer.RESPECTED) is Step.COMMENT
    assert await _press(stocked, token, SurveyAnswer.NOT_RESPECTED) is Step.ALREADY
    async with stocked.sessions() as session:
        waiting = await awaiting_comment(session, CHAT, NOW)
        assert waiting is not None and waiting.id == survey_id
        assert await awaiting_comment(session, STRANGER, NOW) is None
    async with stocked.sessions.begin() as session:
        assert await take_comment(session, waiting, CHAT, "The officer was kind.", NOW)
    done = await _row(stocked, survey_id)
    assert (done.status, done.rating, done.respected, done.comment) == (
        "answered",
        4,
        True,
        "The officer was kind.",
    )
    assert (done.language, done.answered_on, done.asked_on) == ("ckb", NOW.today, NOW.today)
    assert all(getattr(done, column) is None for column in TRACES)
    # The buttons lead nowhere now: a second press adds nothing.
    assert await _press(stocked, token, SurveyAnswer.RATE_5) is Step.CLOSED
    assert await _press(stocked, token, SurveyAnswer.SKIP) is Step.CLOSED
    assert (await _row(stocked, survey_id)).rating == 4


async def test_a_press_from_another_chat_or_out_of_turn_records_nothing(
    stocked: Database,
) -> None:
    survey_id, token = await asked_survey(stocked)
    assert await _press(stocked, token, SurveyAnswer.RATE_1, chat=STRANGER) is Step.NOT_YOURS
    assert await _press(stocked, token, SurveyAnswer.RATE_1, chat=0) is Step.NOT_YOURS
    assert await _press(stocked, token, SurveyAnswer.RESPECTED) is Step.ALREADY  # no rating
    assert await _press(stocked, token, SurveyAnswer.SKIP) is Step.ALREADY  # no comment asked
    assert await _press(stocked, "A" * 12, SurveyAnswer.RATE_5) is Step.CLOSED  # forged
    untouched = await _row(stocked, survey_id)
    assert (untouched.status, untouched.rating, untouched.respected) == ("asked", None, None)


async def test_two_presses_at_once_record_one_rating(stocked: Database) -> None:
    survey_id, token = await asked_survey(stocked)
    other = _twin(stocked)

    async def press(database: Database, choice: SurveyAnswer) -> Step:
        async with database.sessions.begin() as session:
            return (await answer(session, SurveyPress(token, choice), CHAT, NOW)).step

    try:
        steps = await asyncio.gather(
            press(stocked, SurveyAnswer.RATE_2), press(other, SurveyAnswer.RATE_5)
        )
    finally:
        await other.close()
    assert sorted(s.value for s in steps) == ["already", "respect"]
    assert (await _row(stocked, survey_id)).rating in (2, 5)


async def test_skip_ends_without_a_comment(stocked: Database) -> None:
    survey_id, token = await asked_survey(stocked)
    await _press(stocked, token, SurveyAnswer.RATE_3)
    await _press(stocked, token, SurveyAnswer.NOT_RESPECTED)
    assert await _press(stocked, token, SurveyAnswer.SKIP) is Step.DONE
    done = await _row(stocked, survey_id)
    assert (done.status, done.rating, done.respected, done.comment) == (
        "answered",
        3,
        False,
        None,
    )
    async with stocked.sessions() as session:
        assert await awaiting_comment(session, CHAT, NOW) is None


async def test_in_a_handoff_no_comment_is_asked(stocked: Database) -> None:
    survey_id, token = await asked_survey(stocked)
    async with stocked.sessions.begin() as session:
        await open_handoff(session, CHAT, "BGD-KRD", "en", NOW)
    await _press(stocked, token, SurveyAnswer.RATE_5)
    assert await _press(stocked, token, SurveyAnswer.RESPECTED) is Step.DONE
    async with stocked.sessions() as session:
        assert await awaiting_comment(session, CHAT, NOW) is None  # her messages: the staff's
    assert (await _row(stocked, survey_id)).status == "answered"


async def test_the_comment_is_awaited_for_a_while_only(stocked: Database) -> None:
    _, token = await asked_survey(stocked)
    await _press(stocked, token, SurveyAnswer.RATE_2)
    await _press(stocked, token, SurveyAnswer.NOT_RESPECTED)
    late = Clock(NOW.now + COMMENT_WINDOW + dt.timedelta(seconds=1), NOW.zone)
    async with stocked.sessions() as session:
        assert await awaiting_comment(session, CHAT, NOW) is not None
        assert await awaiting_comment(session, CHAT, late) is None
    async with stocked.sessions.begin() as session:
        assert await drop_comment(session, CHAT, NOW) == 1  # she turned to something else
        assert await drop_comment(session, CHAT, NOW) == 0


def test_survey_buttons_round_trip_within_64_bytes() -> None:
    for choice in SurveyAnswer:
        press = SurveyPress("Ab3_-xyZ0129", choice)
        data = press.encode()
        assert SurveyPress.decode(data) == press
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT


@pytest.mark.parametrize(
    "data",
    [
        "sv:",
        "sv:Ab3_-xyZ0129",
        "sv:Ab3_-xyZ0129:6",
        "sv:Ab3_-xyZ0129:y:extra",
        "sv:short:1",
        "sv:Ab3_-xyZ01٢9:1",
        "sv:Ab3_-xyZ0129 :1",
        "r:ack:MPS-7K3F-Q9",
        "b:Ab3_-xyZ0129:1",
    ],
)
def test_forged_survey_data_is_refused(data: str) -> None:
    assert SurveyPress.decode(data) is None
    with pytest.raises(ValueError):
        SurveyPress("not a token", SurveyAnswer.RATE_1).encode()
