"""The booking form's slot filling, with a real database and the demo stations."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_form import ValidateBookingForm
from actions.bookings import ActionBookVisit
from actions.store import Store
from actions.texts import label
from mps.bookings import add_event
from mps.text import to_arabic_indic
from tests import rasa_helpers
from tests.conftest import BAGHDAD
from tests.rasa_helpers import make_tracker


def saturday() -> dt.date:
    today = dt.datetime.now(BAGHDAD).date()
    return today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)


@pytest.fixture
async def store(action_store: Store) -> dict[str, int]:
    """The demo stations and an Open House event next Saturday at Karrada and Ankawa."""
    database, clock = action_store.database, action_store.clock()
    async with database.sessions.begin() as session:
        krd = await add_event(session, "BGD-KRD", saturday(), dt.time(9), dt.time(13), 5, clock)
        ank = await add_event(session, "EBL-ANK", saturday(), dt.time(9), dt.time(13), 5, clock)
        return {"krd": krd.id, "ank": ank.id}


tracker = partial(make_tracker, form="booking_form")
validate = partial(rasa_helpers.validate, ValidateBookingForm())


async def test_the_first_message_fills_station_day_and_party(store: dict[str, int]) -> None:
    slots, said = await validate(
        tracker("I want to visit the Karrada station next Saturday with my 2 kids", "book_visit")
    )
    assert slots == {
        "station": "BGD-KRD",
        "station_choices": None,
        "visit_date": saturday().isoformat(),
        "event_id": str(store["krd"]),
        "party_size": 3.0,
    }
    assert said == []


async def test_a_correction_at_the_summary_changes_the_party_and_asks_again(
    store: dict[str, int],
) -> None:
    filled = {
        "station": "BGD-KRD",
        "event_id": str(store["krd"]),
        "party_size": 3.0,
        "requested_slot": "booking_confirmed",
    }
    slots, _ = await validate(tracker("no, 4 people", "deny", filled))
    assert slots == {"party_size": 4.0, "booking_confirmed": None}
    slots, _ = await validate(tracker("no", "deny", filled))
    assert slots == {"booking_confirmed": False}
    slots, _ = await validate(tracker("yes", "affirm", filled))
    assert slots == {"booking_confirmed": True}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("eleven", "party_size_range"),
        ("0 people", "party_size_range"),
        ("lots of us", "party_size_missing"),
    ],
)
async def test_a_bad_party_size_is_refused_and_asked_again(
    store: dict[str, int], text: str, said: str
) -> None:
    asked = {"station": "BGD-KRD", "event_id": str(store["krd"]), "requested_slot": "party_size"}
    slots, responses = await validate(tracker(text, "inform", asked))
    assert slots == {"party_size": None}
    assert responses == [label(said, "en")]


MONTHS = {
    "en": "January February March April May June July August September October November "
    "December".split(),
    "ar": "كانون_الثاني شباط اذار نيسان ايار حزيران تموز اب ايلول تشرين_الاول تشرين_الثاني "
    "كانون_الاول".split(),
    "ckb": "کانوونی_دووەم شوبات ئادار نیسان ئایار حوزەیران تەممووز ئاب ئەیلوول "
    "تشرینی_یەکەم تشرینی_دووەم کانوونی_یەکەم".split(),
}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "the open house on {day} {month} for 2 people"),
        ("ar", "يوم {day} {month} لشخصين"),
        ("ckb", "ڕۆژی {day}ی {month} بۆ دوو کەس"),
        ("en", "{day} {month}, with my wife"),
        ("ar", "يوم {day} {month} انا وزوجتي"),
        ("ckb", "{day}ی {month} لەگەڵ ژنەکەم"),
    ],
)
async def test_a_whole_sentence_answers_the_party_size_with_the_day_in_it(
    store: dict[str, int], language: str, sentence: str
) -> None:
    day = saturday()
    digits = str(day.day) if language == "en" else to_arabic_indic(str(day.day))
    month = MONTHS[language][day.month - 1].replace("_", " ")
    text = sentence.format(day=digits, month=month)
    asked = {
        "station": "BGD-KRD",
        "event_id": str(store["krd"]),
        "requested_slot": "party_size",
        "language": language,
    }
    slots, said = await validate(tracker(text, "inform", asked))
    assert slots["party_size"] == 2.0  # the day is not the party size
    assert slots.get("event_id", str(store["krd"])) == str(store["krd"])
    assert said == []


async def test_more_people_than_seats_left_is_refused(store: dict[str, int]) -> None:
    asked = {"station": "BGD-KRD", "event_id": str(store["krd"]), "requested_slot": "party_size"}
    slots, responses = await validate(tracker("6", "inform", asked))
    assert slots == {"party_size": None}
    assert responses == [label("not_enough_seats", "en", seats="5")]


async def test_another_topic_steps_aside_for_the_rules(store: dict[str, int]) -> None:
    asked = {"requested_slot": "station"}
    assert await validate(tracker("how to get a clearance certificate", "faq", asked)) == ({}, [])
    assert await validate(tracker("someone is hitting me now", "emergency", asked)) == ({}, [])
    assert await validate(tracker("no thanks", "deny", asked)) == ({}, [])


async def test_a_governorate_offers_its_stations(store: dict[str, int]) -> None:
    slots, _ = await validate(tracker("Erbil", "inform", {"requested_slot": "station"}))
    assert slots == {"station_choices": ["EBL-ANK", "EBL-CTR"], "station": None}


async def test_an_unknown_place_is_said_politely(store: dict[str, int]) -> None:
    slots, said = await validate(tracker("Paris", "inform", {"requested_slot": "station"}))
    assert slots == {"station": None}
    assert said == [label("place_not_found", "en")]


async def test_a_station_without_open_days_is_refused(store: dict[str, int]) -> None:
    slots, said = await validate(tracker("Zubair", "inform", {"requested_slot": "station"}))
    assert slots == {"station": None}
    assert said == [label("station_no_events", "en", name="Zubair Police Station")]


async def test_booking_hands_over_the_code_and_the_ticket(store: dict[str, int]) -> None:
    dispatcher = CollectingDispatcher()
    filled = {
        "station": "EBL-ANK",
        "event_id": str(store["ank"]),
        "party_size": 2.0,
        "booking_confirmed": True,
    }
    await ActionBookVisit().run(dispatcher, tracker("/affirm", "affirm", filled), {})
    booked, ticket = dispatcher.messages
    code = ticket["custom"]["ticket"]["code"]
    assert booked["text"] == label("booked", "en", code=code)
