"""'Did you mean' for a place name that only comes close, wherever a place is asked: the
station finder, the booking and report forms and discreet help; in three languages."""

from __future__ import annotations

import pytest

from actions.booking_form import ValidateBookingForm
from actions.booking_questions import ActionAskStation
from actions.discreet import ValidateDiscreetForm
from actions.report_form import ValidateReportForm
from actions.report_questions import ActionAskReportPlace
from actions.stations import ActionFindStation
from actions.store import Store
from actions.texts import label
from mps.stations import TRIAGE
from tests.rasa_helpers import make_tracker as tracker
from tests.rasa_helpers import run


@pytest.fixture
def store(action_store: Store) -> None:
    """The actions see the demo stations."""


@pytest.mark.parametrize(
    ("text", "language", "button"),
    [
        ("Ghdeer", "en", "Ghadeer"),
        ("العسار", "ar", "العشار"),
        ("شوعلێ", "ckb", "شوعلە"),
        ("el shi3la", "ar", "الشعلة"),
    ],
)
async def test_the_finder_offers_the_places_it_came_close_to(
    store: None, text: str, language: str, button: str
) -> None:
    _, said = await run(ActionFindStation(), tracker(text, "find_station", {"language": language}))
    assert len(said) == 1
    assert said[0]["text"] == label("place_did_you_mean", language)
    titles = [b["title"] for b in said[0]["buttons"]]
    assert titles == [button, label("place_none_of_these", language)]
    assert said[0]["buttons"][0]["payload"].startswith('/find_station{"station": "')
    assert said[0]["buttons"][1]["payload"] == "/find_station"


async def test_the_finder_still_says_a_found_place_and_asks_for_nothing_near(store: None) -> None:
    _, said = await run(ActionFindStation(), tracker("Ghadeer", "find_station"))
    assert said[0]["text"].startswith("New Baghdad and Zayouna Police Station\nAddress: ")
    _, said = await run(ActionFindStation(), tracker("zzqx", "find_station"))
    assert [m["text"] for m in said] == [label("ask_place", "en")]


async def test_booking_asks_did_you_mean_then_takes_the_button(store: None) -> None:
    asked = {"requested_slot": "station"}
    slots, said = await run(
        ValidateBookingForm(), tracker("Zubiar", "inform", asked, "booking_form")
    )
    assert slots == {"station_choices": ["?BSR-ZBR/0"], "station": None}
    assert said == []  # the question comes from action_ask_station
    _, said = await run(ActionAskStation(), tracker("Zubiar", "inform", {**asked, **slots}))
    assert said[0]["text"] == label("place_did_you_mean", "en")
    assert said[0]["buttons"] == [
        {"title": "Zubair", "payload": '/inform{"station": "BSR-ZBR"}'},
        {"title": "None of these", "payload": "/inform"},
    ]
    # "None of these" forgets the suggestions, so the usual question comes back.
    chosen = {**asked, **slots}
    slots, _ = await run(ValidateBookingForm(), tracker("/inform", "inform", chosen))
    assert slots == {"station_choices": None, "station": None}


async def test_report_place_did_you_mean_or_not_sure(store: None) -> None:
    asked = {"requested_slot": "report_place"}
    slots, said = await run(
        ValidateReportForm(), tracker("قەڵاکە", "inform", asked, "report_form")
    )
    assert slots == {"report_place_choices": ["?EBL-CTR/0"], "report_place_text": "قەڵاکە"}
    assert said == []
    question = {**asked, **slots, "language": "ckb"}
    _, said = await run(ActionAskReportPlace(), tracker("قەڵاکە", "inform", question))
    assert said[0]["text"] == label("place_did_you_mean", "ckb")
    assert [b["title"] for b in said[0]["buttons"]] == [
        "قەڵای هەولێر",
        label("report_place_unsure", "ckb"),
    ]
    slots, _ = await run(ValidateReportForm(), tracker("/deny", "deny", question))
    assert slots["report_place"] == TRIAGE


async def test_discreet_help_offers_the_governorate_of_the_near_place(store: None) -> None:
    asked = {"requested_slot": "governorate", "language": "ar"}
    slots, said = await run(ValidateDiscreetForm(), tracker("العسار", "inform", asked))
    assert slots == {"governorate": None}  # the question comes again, with its buttons
    assert said[0]["text"] == label("place_did_you_mean", "ar")
    assert said[0]["buttons"] == [
        {"title": "العشار", "payload": '/inform{"governorate": "basra"}'}
    ]
