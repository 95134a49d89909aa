"""How long personal data is kept, and the purge that enforces it.

Kept for statistics: a report's category, unit, station, status, language,
dates and its history of status changes (who, when, from, to). Purged:

* a call-back's phone number and call window, as soon as the report is closed
  (the call is done), whatever its age;
* from a report closed more than `report_days` ago: the description, the place,
  the coordinates, the photo, the contact details, the chat id and the notes of
  its events (questions, answers, closing notes);
* an outbox message's text once it has been sent (and any left for a report
  purged as above);
* a booking, `booking_days` after the day of its event;
* a satisfaction survey's comment, `report_days` after the day it was answered
  (its rating and yes/no stay, for the scorecards).

`purge` is idempotent; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.clock import Clock
from mps.models import Booking, Event, OutboxMessage, Report, ReportEvent, Survey


@dataclass(frozen=True)
class Retention:
    """Days personal data is kept (see the README's configuration table)."""

    report_days: int = 90
    booking_days: int = 30


@dataclass(frozen=True)
class Purged:
    """How many rows each step changed."""

    callbacks: int
    reports: int
    notes: int
    outbox: int
    bookings: int
    comments: int


def _changed(result: object) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


async def purge(session: AsyncSession, clock: Clock, retention: Retention) -> Purged:
    """Remove what has outlived its purpose (see the module's docstring)."""
    closed_callbacks = await session.execute(
        update(Report)
        .where(
            Report.status == "closed",
            or_(Report.contact_phone.is_not(None), Report.contact_window.is_not(None)),
        )
        .values(contact_phone=None, contact_window=None)
        .execution_options(synchronize_session=False)
    )
    old_closed = select(Report.id).where(
        Report.status == "closed",
        Report.updated_at < clock.now - dt.timedelta(days=retention.report_days),
    )
    reports = await session.execute(
        update(Report)
        .where(
            Report.id.in_(old_closed),
            or_(
                Report.description != "",
                Report.place != "",
                Report.latitude.is_not(None),
                Report.longitude.is_not(None),
                Report.photo_file_id.is_not(None),
                Report.chat_id.is_not(None),
            ),
        )
        .values(
            description="",
            place="",
            latitude=None,
            longitude=None,
            photo_file_id=None,
            chat_id=None,
        )
        .execution_options(synchronize_session=False)
    )
    notes = await session.execute(
        update(ReportEvent)
        .where(ReportEvent.report_id.in_(old_closed), ReportEvent.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    # PostgreSQL's json has no equality: compare its text (stored as written, "{}").
    outbox = await session.execute(
        update(OutboxMessage)
        .where(
            or_(OutboxMessage.sent_at.is_not(None), OutboxMessage.report_id.in_(old_closed)),
            cast(OutboxMessage.payload, String) != "{}",
        )
        .values(payload={})
        .execution_options(synchronize_session=False)
    )
    past_events = select(Event.id).where(
        Event.day < clock.today - dt.timedelta(days=retention.booking_days)
    )
    bookings = await session.execute(
        delete(Booking)
        .where(Booking.event_id.in_(past_events))
        .execution_options(synchronize_session=False)
    )
    comments = await session.execute(
        update(Survey)
        .where(
            Survey.comment.is_not(None),
            Survey.answered_on < clock.today - dt.timedelta(days=retention.report_days),
        )
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    return Purged(
        callbacks=_changed(closed_callbacks),
        reports=_changed(reports),
        notes=_changed(notes),
        outbox=_changed(outbox),
        bookings=_changed(bookings),
        comments=_changed(comments),
    )
