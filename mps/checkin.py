"""At the door: the station's next event with its visitors, and checking a visitor in
(which schedules her survey for the next day, mps.surveys)."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.bookings import ends_at, find_booking
from mps.catalogue import Catalogue
from mps.clock import Clock
from mps.database import one_row
from mps.events import visitors
from mps.formatting import day_text, digits
from mps.models import Booking, Event
from mps.surveys import after_visit


class CheckIn(Enum):
    """What `/checkin CODE` (or the console's check-in) found."""

    OK = "ok"
    NOT_FOUND = "not_found"
    OTHER_STATION = "other_station"
    CANCELLED = "cancelled"
    ALREADY = "already"
    WRONG_DAY = "wrong_day"


# What staff are told of each outcome.
CHECKIN_KEYS = {
    CheckIn.OK: "checkin_ok",
    CheckIn.NOT_FOUND: "checkin_not_found",
    CheckIn.OTHER_STATION: "checkin_other_station",
    CheckIn.CANCELLED: "checkin_cancelled",
    CheckIn.ALREADY: "checkin_already",
    CheckIn.WRONG_DAY: "checkin_wrong_day",
}


async def attendees(
    session: AsyncSession, station_code: str, clock: Clock
) -> tuple[Event | None, list[Booking]]:
    """The station's next (or current) event and its active bookings."""
    events = (
        await session.scalars(
            select(Event)
            .where(Event.station_code == station_code, Event.day >= clock.today)
            .order_by(Event.day, Event.start)
        )
    ).all()
    event = next((e for e in events if ends_at(e, clock.zone) > clock.now), None)
    if event is None:
        return None, []
    return event, await visitors(session, event.id)


async def check_in(
    session: AsyncSession, station_code: str, code: str, clock: Clock
) -> tuple[CheckIn, Booking | None]:
    """Check a visitor in at the door; only once, only on the day, only here."""
    booking = await find_booking(session, code)
    if booking is None:
        return CheckIn.NOT_FOUND, None
    if booking.event.station_code != station_code:
        return CheckIn.OTHER_STATION, None
    if booking.status != "active":
        return CheckIn.CANCELLED, booking
    if booking.event.day != clock.today:
        return CheckIn.WRONG_DAY, booking
    done = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.checked_in_at.is_(None))
        .values(checked_in_at=clock.now)
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        return CheckIn.ALREADY, booking
    booking.checked_in_at = clock.now
    after_visit(session, booking, clock)  # her survey, the next day
    return CheckIn.OK, booking


def check_in_text(
    texts: Catalogue, result: CheckIn, code: str, booking: Booking | None, language: str
) -> str:
    """What staff are told of a check-in, in the bot and in the console alike."""
    values = {"code": code, "party": "", "date": ""}
    if booking is not None:
        values["party"] = digits(str(booking.party_size), language)
        values["date"] = day_text(booking.event.day, language)
    return texts.get(CHECKIN_KEYS[result], language, **values)
