"""The .ics file and the QR code a visitor gets."""

from __future__ import annotations

import datetime as dt
import io

import png
from icalendar import Calendar

from mps.models import Booking, Event, Station
from mps.tickets import ics_bytes, qr_png
from tests.conftest import BAGHDAD


def sample_booking() -> Booking:
    station = Station(
        code="BGD-KRD",
        name={"ar": "مركز الكرادة", "ckb": "بنکەی کەڕادە", "en": "Karrada"},
        address={"ar": "شارع", "ckb": "شەقام", "en": "Karrada Street"},
        latitude=33.3,
        longitude=44.43,
    )
    event = Event(
        id=1,
        station_code="BGD-KRD",
        day=dt.date(2026, 11, 28),
        start=dt.time(9),
        end=dt.time(13),
        capacity=10,
        seats_taken=2,
    )
    event.station = station
    booking = Booking(
        code="K7MX3P",
        event_id=1,
        owner="x",
        party_size=2,
        language="ckb",
        created_at=dt.datetime(2026, 11, 25, 7, tzinfo=dt.UTC),
    )
    booking.event = event
    return booking


def test_ics_has_the_visit_in_local_time_with_a_reminder() -> None:
    raw = ics_bytes(sample_booking(), BAGHDAD, "سەردانی ڕۆژی دەرگای کراوە", "کۆد: K7MX3P")
    calendar = Calendar.from_ical(raw)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2026, 11, 28, 9, tzinfo=BAGHDAD)
    assert event.decoded("dtend") == dt.datetime(2026, 11, 28, 13, tzinfo=BAGHDAD)
    assert str(event["uid"]) == "K7MX3P@mps-assistant"
    assert str(event["summary"]) == "سەردانی ڕۆژی دەرگای کراوە"
    assert str(event["location"]) == "شەقام"  # the booking's language
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == dt.timedelta(hours=-24)


def test_qr_is_a_png_image() -> None:
    data = qr_png("K7MX3P")
    width, height, _rows, _info = png.Reader(file=io.BytesIO(data)).read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert width == height and width >= 21 * 8
