"""Helpers that put station, event and booking details into the reader's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from mps.catalogue import Catalogue
from mps.contract import intent_payload
from mps.faq import load_faq
from mps.formatting import day_text, digits, time_text
from mps.language import LANGUAGES
from mps.models import Booking, Event, Station, in_language
from mps.text_buttons import text_buttons

LABELS = Catalogue.load_dir()
# Titles of the FAQ topics, for topic buttons.
FAQ_TITLES = {
    t.topic: t.title for t in load_faq(Path(__file__).resolve().parent.parent / "data" / "faq")
}


def language_of(tracker: Tracker) -> str:
    """The reader's language (slot set from the message metadata), English by default."""
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else "en"


def label(key: str, language: str, **values: Any) -> str:
    """A text of texts/ in the reader's language."""
    return LABELS.get(key, language, **values)


def choice(group: str, member: str, language: str) -> str:
    """The text of one member of a group of texts/ (a status, a category...)."""
    return LABELS.choice(group, member, language)


def say(
    dispatcher: CollectingDispatcher,
    key: str,
    language: str,
    buttons: list[dict[str, str]] | None = None,
    /,
    **values: Any,
) -> None:
    """Send the text `key` of texts/ formatted with `values`, with its own buttons, then
    `buttons` (positional, as the others: a template value may have any name)."""
    own = text_buttons(LABELS[key], FAQ_TITLES, language)
    dispatcher.utter_message(text=label(key, language, **values), buttons=[*own, *(buttons or [])])


def units_text(station: Station, language: str) -> str:
    """The units present at a station, as one line."""
    if not station.units:
        return label("no_units", language)
    separator = label("list_separator", language)
    return separator.join(choice("unit", unit, language) for unit in station.units)


def station_card(station: Station, language: str) -> dict[str, str]:
    """Template values of `station_card`."""
    return {
        "name": station.display_name(language),
        "address": in_language(station.address, language),
        "hours": in_language(station.hours, language),
        "phone": station.phone,
        "units": units_text(station, language),
    }


def event_values(event: Event, station: Station, language: str) -> dict[str, str]:
    """Template values for an event: name, date, start, end."""
    return {
        "name": station.display_name(language),
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
    """Template values of `booking_item` and friends."""
    return {
        **event_values(booking.event, booking.event.station, language),
        "code": booking.code,
        "party": digits(str(booking.party_size), language),
    }
