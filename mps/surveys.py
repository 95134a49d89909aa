"""Satisfaction surveys: when one is due, leasing it to one replica to ask, ending it
without a trace of her, and the figures the scorecards show.

A survey is scheduled in the transaction that makes it due, so it is scheduled once:
closing a report (mps.reports.change_status, only with her consent, never for a
sensitive report, so never for a call-back) or checking a visitor in
(mps.checkin.check_in). A hand-off or discreet help never schedules one. A report's
survey waits for the outbox row that tells her the report is closed: it is due once
that row was sent, never before. A visit's is due the next day at SURVEY_HOUR.

Asking: a bot replica leases due surveys (mps.claims), then marks each asked in a
guarded UPDATE before it sends it (`mark_asked`); a survey is asked at most once,
whatever the replicas and restarts. A send that surely did not go out puts it back
(`ask_later`); a replica killed between the mark and the send loses that one survey
rather than ever asking twice.

Answers (mps.survey_answers) are kept on the same row. When she has answered, or
the survey expired (`expire`), `end` empties the chat, the token, the message, the
outbox link and the times: what stays leads to nobody. When her chat is wiped with
/exit (`forget_chat`, from mps.chats) the survey ends with nothing of her answers
kept. Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.claims import REPLICA, claim
from mps.clock import Clock
from mps.database import one_row
from mps.models import Booking, Handoff, OutboxMessage, Report, Survey

# A visit's survey: the day after, at this local time.
SURVEY_HOUR = dt.time(10, 0)
# A survey not asked this long after it was due is dropped (the update never went
# out, or her chat stayed in a hand-off); one asked and not rated, after ANSWER_DAYS.
WAIT = dt.timedelta(days=3)
ANSWER_DAYS = 7
# How long a replica holds the surveys it claimed (a round of 50 takes seconds).
LEASE = dt.timedelta(minutes=2)
# Below this many answers the scorecards show no figure.
MIN_ANSWERS = 5
OPEN = ("waiting", "asked", "comment")


def _waiting(kind: str, station: str, language: str, chat_id: int, due: dt.datetime) -> Survey:
    return Survey(
        kind=kind,
        station_code=station,
        language=language,
        status="waiting",
        chat_id=chat_id,
        due_at=due,
    )


def after_closure(session: AsyncSession, report: Report, update_id: int, clock: Clock) -> bool:
    """Schedule the survey of a report just closed, to follow the outbox row
    `update_id` (her "closed" update); only if she agreed to be contacted, her chat
    is known and the report is not sensitive. Whether one was scheduled."""
    if not report.contact_consent or report.sensitive or report.chat_id is None:
        return False
    if report.category == "callback" or report.station_code is None:
        return False
    survey = _waiting("report", report.station_code, report.language, report.chat_id, clock.now)
    survey.after_outbox_id = update_id
    session.add(survey)
    return True


def after_visit(session: AsyncSession, booking: Booking, clock: Clock) -> bool:
    """Schedule the survey of a visitor just checked in: the next day at SURVEY_HOUR
    (the booking's event and its chat must be known). Whether one was scheduled."""
    if booking.chat_id is None:
        return False
    event = booking.event
    local = dt.datetime.combine(event.day + dt.timedelta(days=1), SURVEY_HOUR, clock.zone)
    due = local.astimezone(dt.UTC)
    session.add(_waiting("visit", event.station_code, booking.language, booking.chat_id, due))
    return True


def _due(clock: Clock) -> list[ColumnElement[bool]]:
    """Waiting surveys whose time has come: after a report, its update was sent; and
    her chat is in no hand-off (asked once she is back with the assistant)."""
    update_sent = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_not(None))
    in_handoff = exists().where(Handoff.chat_id == Survey.chat_id, Handoff.status != "closed")
    return [
        Survey.status == "waiting",
        Survey.chat_id.is_not(None),
        Survey.due_at <= clock.now,
        Survey.due_at > clock.now - WAIT,
        or_(Survey.after_outbox_id.is_(None), Survey.after_outbox_id.in_(update_sent)),
        ~in_handoff,
    ]


async def claim_surveys(
    session: AsyncSession, clock: Clock, replica: str = REPLICA, limit: int = 50
) -> list[Survey]:
    """Lease the due surveys no other replica holds to `replica`; due first."""
    order = [Survey.due_at, Survey.id]
    ids = await claim(session, Survey, _due(clock), order, clock, replica, LEASE, limit)
    if not ids:
        return []
    rows = await session.scalars(select(Survey).where(Survey.id.in_(ids)).order_by(*order))
    return list(rows.all())


async def mark_asked(
    session: AsyncSession, survey_id: int, clock: Clock, replica: str = REPLICA
) -> str | None:
    """Mark a survey leased to `replica` as asked, before it is sent; the token of its
    buttons, or None if it is not this replica's to ask (any more)."""
    token = secrets.token_urlsafe(9)
    done = await session.execute(
        update(Survey)
        .where(
            Survey.id == survey_id,
            Survey.status == "waiting",
            Survey.claimed_by == replica,
            Survey.claimed_until >= clock.now,
        )
        .values(status="asked", token=token, asked_on=clock.today, due_at=None)
        .execution_options(synchronize_session=False)
    )
    return token if one_row(done) else None


async def asked_in(session: AsyncSession, survey_id: int, message_id: int) -> None:
    """Remember the message she was asked in (to change it as she answers)."""
    await session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.status.in_(OPEN))
        .values(message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def ask_later(session: AsyncSession, survey_id: int, clock: Clock, seconds: float) -> None:
    """The survey surely did not go out (Telegram refused or held it back): waiting
    again, due in `seconds`."""
    await session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == "asked", Survey.rating.is_(None))
        .values(
            status="waiting",
            token=None,
            asked_on=None,
            due_at=clock.now + dt.timedelta(seconds=seconds),
            claimed_until=None,
            claimed_by=None,
        )
        .execution_options(synchronize_session=False)
    )


# What leads to her: emptied when a survey ends.
TRACES: dict[str, None] = {
    "chat_id": None,
    "token": None,
    "message_id": None,
    "after_outbox_id": None,
    "due_at": None,
    "comment_until": None,
    "claimed_until": None,
    "claimed_by": None,
}


async def end(session: AsyncSession, clock: Clock, *where: ColumnElement[bool]) -> int:
    """End the open surveys `where` says: answered if she gave a rating, else expired;
    her chat, the token, the message, the outbox link and the times go. How many."""
    rated = Survey.rating.is_not(None)
    done = await session.execute(
        update(Survey)
        .where(Survey.status.in_(OPEN), *where)
        .values(
            status=case((rated, "answered"), else_="expired"),
            answered_on=case((rated, clock.today), else_=None),
            **TRACES,
        )
        .execution_options(synchronize_session=False)
    )
    return _changed(done)


def _changed(result: object) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


async def expire(session: AsyncSession, clock: Clock) -> int:
    """End the surveys whose time is over: never asked within WAIT of being due,
    asked ANSWER_DAYS ago, or waiting for a comment that did not come in time."""
    return await end(
        session,
        clock,
        or_(
            and_(Survey.status == "waiting", Survey.due_at <= clock.now - WAIT),
            and_(
                Survey.status == "asked",
                Survey.asked_on <= clock.today - dt.timedelta(days=ANSWER_DAYS),
            ),
            and_(Survey.status == "comment", Survey.comment_until < clock.now),
        ),
    )


async def forget_chat(session: AsyncSession, chat_id: int) -> int:
    """Her chat was wiped (/exit): no survey goes there, and one under way ends with
    nothing kept of what she had answered. How many."""
    done = await session.execute(
        update(Survey)
        .where(Survey.status.in_(OPEN), Survey.chat_id == chat_id)
        .values(status="expired", rating=None, respected=None, comment=None, **TRACES)
        .execution_options(synchronize_session=False)
    )
    return _changed(done)


@dataclass(frozen=True)
class Satisfaction:
    """The surveys asked in a period and their answers.

    `sent`: surveys asked on a day of the period; `answered`: how many of those she
    rated. `response_rate` is answered / sent, `mean_rating` the mean of the ratings
    (1 to 5), `respected_share` the share of "yes" among the answers to "Were you
    treated with respect?". Each figure is None when it would rest on fewer than
    MIN_ANSWERS answers (the rate and the mean: ratings; the share: its own answers).
    """

    sent: int
    answered: int
    response_rate: float | None
    mean_rating: float | None
    respected_share: float | None


def _day(moment: dt.datetime) -> dt.date:
    """The calendar day of a period bound, in its own zone (the stations' for the
    scorecards)."""
    return moment.date()


async def satisfaction(
    session: AsyncSession, station_codes: set[str] | None, start: dt.datetime, end: dt.datetime
) -> Satisfaction:
    """The figures of the surveys asked from `start` (included) to `end` (excluded), by
    the day they were asked, of these stations (None: every station)."""
    yes = case((Survey.respected.is_(True), 1), else_=0)
    query = select(
        func.count(Survey.id),
        func.count(Survey.rating),
        func.avg(Survey.rating),
        func.coalesce(func.sum(yes), 0),
        func.count(Survey.respected),
    ).where(Survey.asked_on >= _day(start), Survey.asked_on < _day(end))
    if station_codes is not None:
        query = query.where(Survey.station_code.in_(sorted(station_codes)))
    sent, rated, mean, respected, told = (await session.execute(query)).one()
    enough = rated >= MIN_ANSWERS
    return Satisfaction(
        sent=int(sent),
        answered=int(rated),
        response_rate=rated / sent if enough else None,
        mean_rating=float(mean) if enough else None,
        respected_share=int(respected) / told if told >= MIN_ANSWERS else None,
    )
