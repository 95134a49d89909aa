"""What a visitor takes to the door: an .ics calendar entry and a QR code of the booking code."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import qrcode
from icalendar import Alarm, Calendar
from icalendar import Event as IcsEvent
from qrcode.image.pure import PyPNGImage

from mps.bookings import ends_at, starts_at
from mps.models import Booking, in_language

PRODUCT_ID = "-//MPS Assistant//Open House Day//EN"


def ics_bytes(booking: Booking, zone: ZoneInfo, summary: str, description: str) -> bytes:
    """A one-event calendar (RFC 5545) for the booking, with a reminder the day before."""
    event = booking.event
    station = event.station
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    entry = IcsEvent()
    entry.add("uid", f"{booking.code}@mps-assistant")
    entry.add("dtstamp", booking.created_at.astimezone(dt.UTC))
    entry.add("dtstart", starts_at(event, zone))
    entry.add("dtend", ends_at(event, zone))
    entry.add("summary", summary)
    entry.add("description", description)
    entry.add("location", in_language(station.address, booking.language))
    entry.add("geo", (station.latitude, station.longitude))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", dt.timedelta(hours=-24))
    entry.add_component(alarm)
    calendar.add_component(entry)
    return calendar.to_ical()


def qr_png(code: str) -> bytes:
    """A PNG QR code that encodes just the booking code."""
    image = qrcode.make(code, image_factory=PyPNGImage, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
