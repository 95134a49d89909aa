"""Her answers to a survey, step by step: a rating (1 to 5), "Were you treated with
respect?" (yes or no), then an optional comment (her next text message, or Skip).

Every step is a guarded UPDATE on the survey's token, her chat and the step it is
at, so a press from another chat, a second press, or two presses at once record
one answer. The comment is asked only while her chat is in no hand-off (her
messages there go to the staff); it is awaited for COMMENT_WINDOW, then the survey
ends without one. When the survey ends (mps.surveys.end) nothing that leads to her
is kept. Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.clock import Clock
from mps.contract import SurveyAnswer, SurveyPress
from mps.database import one_row
from mps.handoff import citizen_handoff
from mps.models import Survey
from mps.surveys import end

# How long her next text message is taken as the comment.
COMMENT_WINDOW = dt.timedelta(minutes=30)
# The longest comment kept (the bot takes no message over 2,000 characters anyway).
MAX_COMMENT = 2000


class Step(Enum):
    """What a press led to."""

    RESPECT = "respect"  # the rating is recorded: ask about respect
    COMMENT = "comment"  # respect is recorded: ask for a comment
    DONE = "done"  # the survey is over: thank her
    NOT_YOURS = "not_yours"  # another chat's survey: nothing recorded
    ALREADY = "already"  # this step was answered before: nothing recorded
    CLOSED = "closed"  # no open survey has this token (ended, expired, forged)


@dataclass(frozen=True)
class Pressed:
    """What a press did, and in which language to say so (None when unknown)."""

    step: Step
    language: str | None = None


async def _step(
    session: AsyncSession,
    press: SurveyPress,
    chat_id: int,
    *at: ColumnElement[bool],
    **values: object,
) -> Survey | None:
    """Record `values` on the survey of `press` if it is her chat's and at the step
    `at` says; the survey, or None if the guard did not hold."""
    done = await session.execute(
        update(Survey)
        .where(Survey.token == press.token, Survey.chat_id == chat_id, *at)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        return None
    return await session.scalar(select(Survey).where(Survey.token == press.token))


async def _refused(session: AsyncSession, press: SurveyPress, chat_id: int) -> Pressed:
    """Why a press recorded nothing."""
    survey = await session.scalar(select(Survey).where(Survey.token == press.token))
    if survey is None:
        return Pressed(Step.CLOSED)
    if survey.chat_id != chat_id:
        return Pressed(Step.NOT_YOURS)
    return Pressed(Step.ALREADY, survey.language)


async def answer(session: AsyncSession, press: SurveyPress, chat_id: int, clock: Clock) -> Pressed:
    """Record a button pressed in `chat_id`: a rating, yes or no, or Skip."""
    asked = Survey.status == "asked"
    if (rating := press.answer.rating) is not None:
        survey = await _step(
            session, press, chat_id, asked, Survey.rating.is_(None), rating=rating
        )
        step = Step.RESPECT
    elif press.answer is SurveyAnswer.SKIP:
        survey = await _step(session, press, chat_id, Survey.status == "comment", comment=None)
        step = Step.DONE
    else:
        respected = press.answer is SurveyAnswer.RESPECTED
        survey = await _step(
            session,
            press,
            chat_id,
            asked,
            Survey.rating.is_not(None),
            Survey.respected.is_(None),
            respected=respected,
        )
        step = Step.COMMENT
        if survey is not None and await citizen_handoff(session, chat_id) is None:
            await _await_comment(session, survey.id, clock)
        else:
            step = Step.DONE  # in a hand-off her messages are the staff's
    if survey is None:
        return await _refused(session, press, chat_id)
    if step is Step.DONE:
        await end(session, clock, Survey.id == survey.id)
    return Pressed(step, survey.language)


async def _await_comment(session: AsyncSession, survey_id: int, clock: Clock) -> None:
    await session.execute(
        update(Survey)
        .where(Survey.id == survey_id)
        .values(status="comment", comment_until=clock.now + COMMENT_WINDOW)
        .execution_options(synchronize_session=False)
    )


async def awaiting_comment(session: AsyncSession, chat_id: int, clock: Clock) -> Survey | None:
    """Her chat's survey that takes her next text message as its comment, if any."""
    return await session.scalar(
        select(Survey).where(
            Survey.chat_id == chat_id,
            Survey.status == "comment",
            Survey.comment_until >= clock.now,
        )
    )


async def take_comment(
    session: AsyncSession, survey: Survey, chat_id: int, text: str, clock: Clock
) -> bool:
    """Keep her message as the survey's comment and end the survey; False if it no
    longer waits for one (ended meanwhile, or through another replica)."""
    done = await session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.chat_id == chat_id, Survey.status == "comment")
        .values(comment=text[:MAX_COMMENT])
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        return False
    await end(session, clock, Survey.id == survey.id)
    return True


async def drop_comment(session: AsyncSession, chat_id: int, clock: Clock) -> int:
    """End her chat's survey that waits for a comment, without one (she turned to
    something else: danger, a hand-off). How many."""
    return await end(session, clock, Survey.chat_id == chat_id, Survey.status == "comment")
