"""Helpers that put station, event and booking details into the reader's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa_sdk import Tracker

from mps.catalogue import Catalogue
from mps.contract import intent_payload
from mps.formatting import day_text, digits, time_text
from mps.language import LANGUAGES
from mps.models import Booking, Event, Station

LABELS = Catalogue.merged(
    Path(__file__).with_name("labels.yml"), Path(__file__).with_name("report_labels.yml")
)


def language_of(tracker: Tracker) -> str:
    """The reader's language (slot set from the message metadata), English by default."""
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else "en"


def label(key: str, language: str, **values: Any) -> str:
    """A short text from actions/labels.yml."""
    return LABELS.get(key, language, **values)


def units_text(station: Station, language: str) -> str:
    """The units present at a station, as one line."""
    if not station.units:
        return label("no_units", language)
    separator = label("list_separator", language)
    return separator.join(label(f"unit_{unit}", language) for unit in station.units)


def station_card(station: Station, language: str) -> dict[str, str]:
    """Template values of `utter_station_card`."""
    return {
        "name": station.name.get(language, station.name["en"]),
        "address": station.address.get(language, station.address["en"]),
        "hours": station.hours.get(language, station.hours["en"]),
        "phone": station.phone,
        "units": units_text(station, language),
    }


def event_values(event: Event, station: Station, language: str) -> dict[str, str]:
    """Template values for an event: name, date, start, end."""
    return {
        "name": station.name.get(language, station.name["en"]),
        "date": day_text(event.day, language),
        "start": time_text(event.start, language),
        "end": time_text(event.end, language),
    }


def event_button(event: Event, language: str) -> dict[str, str]:
    """A button choosing this event in the booking form."""
    title = label(
        "event_button",
        language,
        date=day_text(event.day, language, short=True),
        start=time_text(event.start, language),
        end=time_text(event.end, language),
        left=digits(str(event.capacity - event.seats_taken), language),
    )
    return {"title": title, "payload": intent_payload("inform", event_id=str(event.id))}


def booking_values(booking: Booking, language: str) -> dict[str, str]:
    """Template values of `utter_booking_item` and friends."""
    return {
        **event_values(booking.event, booking.event.station, language),
        "code": booking.code,
        "party": digits(str(booking.party_size), language),
    }
