"""The periodic job that asks the satisfaction surveys that are due (mps/surveys.py).

Each round ends the surveys whose time is over, then leases the due ones to this
replica (mps.claims) and asks each: marked asked first, then sent, so a survey is
asked at most once whatever the replicas and restarts (a stop lets the one under
way finish; only a kill between the mark and the send loses that one survey). A
send Telegram surely did not take (a 429, a pause of its budgets, a connection
refused) is asked again later; a chat that blocked the bot or was wiped ends it.
Sent as SURVEY (bot.send_limits): held back, the round ends and the rest wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.errors import retry_seconds
from bot.send_limits import SURVEY, sending_as
from bot.services import Services
from bot.tracking_bot import ChatExited
from mps.claims import REPLICA, holds, release
from mps.contract import RATINGS, SurveyPress
from mps.formatting import digits
from mps.models import Station, Survey
from mps.surveys import ask_later, asked_in, claim_surveys, expire, give_up, mark_asked

logger = logging.getLogger(__name__)
# After a send that surely failed, the survey is asked again this much later.
RETRY_SECONDS = 60.0
QUESTION = {"report": "survey_ask_report", "visit": "survey_ask_visit"}


def rating_keyboard(token: str, language: str) -> InlineKeyboardMarkup:
    """The five rating buttons, in the reader's digits."""
    row = [
        InlineKeyboardButton(
            digits(answer.value, language), callback_data=SurveyPress(token, answer).encode()
        )
        for answer in RATINGS
    ]
    return InlineKeyboardMarkup([row])


async def send_due(
    bot: Bot, svc: Services, replica: str = REPLICA, stopping: asyncio.Event | None = None
) -> int:
    """One round: end what is over, lease what is due, ask it (until `stopping` is
    set); how many were asked."""
    clock = svc.clock()
    async with svc.database.sessions.begin() as session:
        ended = await expire(session, clock)
        due = await claim_surveys(session, clock, replica)
    if ended:
        logger.info("surveys: %d ended (answered or expired)", ended)
    try:
        with sending_as(SURVEY):
            return await _ask_all(bot, svc, due, replica, stopping or asyncio.Event())
    finally:
        async with svc.database.sessions.begin() as session:
            await release(session, Survey, [s.id for s in due], replica)


async def _ask_all(
    bot: Bot, svc: Services, due: list[Survey], replica: str, stopping: asyncio.Event
) -> int:
    """Ask the leased surveys in turn while the lease holds; how many were asked."""
    asked = 0
    for survey in due:
        if stopping.is_set() or not holds(survey, svc.clock(), replica):
            break  # a stop, or the lease ran out (another replica may have these now)
        try:
            asked += await _ask(bot, svc, survey, replica)
        except RetryAfter as error:  # Telegram's 429, or held back by its budgets
            logger.warning("surveys: held back %.1f s; the rest next round", retry_seconds(error))
            break
    return asked


async def _ask(bot: Bot, svc: Services, survey: Survey, replica: str) -> bool:
    """Mark one survey asked, then send it; whether it went out."""
    clock = svc.clock()
    async with svc.database.sessions.begin() as session:
        token = await mark_asked(session, survey.id, clock, replica)
        station = await session.get(Station, survey.station_code)
    if token is None or survey.chat_id is None:
        return False
    language = survey.language
    name = station.display_name(language) if station is not None else survey.station_code
    text = svc.catalogue.get(QUESTION[survey.kind], language, station=name)
    try:
        sent = await bot.send_message(
            survey.chat_id, text, reply_markup=rating_keyboard(token, language)
        )
    except RetryAfter as error:
        await _later(svc, survey, retry_seconds(error))
        raise
    except (Forbidden, ChatExited) as error:  # blocked, or the chat was wiped: never
        await _end(svc, survey, type(error).__name__)
        return False
    except TimedOut:  # it may have gone out: never asked twice
        logger.warning("surveys: survey %s timed out; not asked again", survey.id)
        return False
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            await _end(svc, survey, "chat not found")
        else:
            await _later(svc, survey, RETRY_SECONDS)
        return False
    except TelegramError as error:  # a refused connection, a server error: not sent
        logger.warning("surveys: survey %s not sent (%s)", survey.id, type(error).__name__)
        await _later(svc, survey, RETRY_SECONDS)
        return False
    async with svc.database.sessions.begin() as session:
        await asked_in(session, survey.id, sent.message_id)
    logger.info("surveys: survey %s asked (%s)", survey.id, survey.kind)
    return True


async def _later(svc: Services, survey: Survey, seconds: float) -> None:
    async with svc.database.sessions.begin() as session:
        await ask_later(session, survey.id, svc.clock(), seconds)


async def _end(svc: Services, survey: Survey, why: str) -> None:
    logger.info("surveys: survey %s given up (%s)", survey.id, why)
    async with svc.database.sessions.begin() as session:
        await give_up(session, survey.id)


async def survey_loop(
    bot: Bot, svc: Services, interval: float, stopping: asyncio.Event | None = None
) -> None:
    """Ask due surveys every `interval` seconds until `stopping` is set (then after
    the survey under way) or the task is cancelled."""
    stopping = stopping or asyncio.Event()
    while not stopping.is_set():
        try:
            await send_due(bot, svc, stopping=stopping)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("surveys: round failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)
