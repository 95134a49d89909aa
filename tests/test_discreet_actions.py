"""The discreet-help form's slot filling and the contacts it ends with."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.callback import ValidateCallbackForm
from actions.discreet import EMERGENCY, ActionDiscreetContacts, ValidateDiscreetForm
from actions.store import Store
from actions.texts import LABELS, label
from mps.emergency import emergency_text
from tests import rasa_helpers
from tests.rasa_helpers import make_tracker


@pytest.fixture
def store(action_store: Store) -> None:
    """The actions see the demo stations."""


tracker = partial(make_tracker, form="discreet_form")
validate = partial(rasa_helpers.validate, ValidateDiscreetForm())


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("affirm", {"in_danger": True, "requested_slot": None}),
        ("emergency", {"in_danger": True, "requested_slot": None}),
        ("deny", {"in_danger": False}),
        ("faq", {}),
    ],
)
async def test_danger_question(store: None, intent: str, expected: dict[str, Any]) -> None:
    slots, _ = await validate(tracker("…", intent, {"requested_slot": "in_danger"}))
    assert slots == expected


async def test_governorate_from_button_location_or_name(store: None) -> None:
    asked = {"requested_slot": "governorate"}
    assert (await validate(tracker("/inform", "inform", asked, governorate="basra")))[0] == {
        "governorate": "basra"
    }
    slots, _ = await validate(
        tracker("/share_location", "share_location", asked, location="36.235,43.995")
    )
    assert slots == {"governorate": "erbil", "discreet_location": "36.235,43.995"}
    assert (await validate(tracker("i am in zayona", "inform", asked)))[0] == {
        "governorate": "baghdad"
    }
    assert await validate(tracker("atlantis", "inform", asked)) == (
        {"governorate": None},
        [label("governorate_not_found", "en")],
    )
    assert await validate(tracker("how do I report a theft", "faq", asked)) == ({}, [])


async def contacts(slots: dict[str, Any]) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await ActionDiscreetContacts().run(dispatcher, tracker("/deny", "deny", slots), {})
    return dispatcher.messages


async def test_contacts_name_the_nearest_unit_lines_and_tips(store: None) -> None:
    unit, lines, tips = await contacts({"in_danger": False, "governorate": "erbil"})
    assert unit["text"].startswith("The nearest Family and Child Protection Unit:\n")
    assert "Erbil" in unit["text"].splitlines()[1]
    assert unit["text"].endswith("\nWomen officers are on duty.")
    assert "📞 119" in lines["text"] and "📞 911" in lines["text"]
    assert tips["text"] == label("discreet_tips", "en")
    # An officer of that unit to write to (a discreet hand-off), the safe call-back
    # for that unit's station, and Exit always there.
    assert tips["buttons"] == [
        {
            "title": "Write to an officer",
            "payload": '/human_handoff{"station": "EBL-CTR", "handoff_mode": "discreet"}',
        },
        {
            "title": "A call at a time that suits you",
            "payload": '/request_callback{"station": "EBL-CTR"}',
        },
        {"title": "Exit", "payload": "/exit"},
    ]
    unit, lines, _ = await contacts({"in_danger": False, "governorate": "basra"})
    assert "119" not in lines["text"]  # a Kurdistan line is not offered in Basra


async def test_in_danger_gets_the_emergency_numbers_with_exit(store: None) -> None:
    [numbers] = await contacts({"in_danger": True})
    assert numbers["text"] == emergency_text(EMERGENCY, LABELS, "en")
    assert numbers["buttons"] == [{"title": "Exit", "payload": "/exit"}]


async def test_the_callback_form_reads_consent_number_and_window() -> None:
    validate_callback = partial(rasa_helpers.validate, ValidateCallbackForm())
    form = partial(make_tracker, form="callback_form")
    opened = form("/request_callback", "request_callback", {}, station="EBL-CTR")
    assert await validate_callback(opened) == ({"station": "EBL-CTR"}, [])
    asked = {"requested_slot": "callback_consent"}
    assert (await validate_callback(form("yes", "affirm", asked)))[0] == {"callback_consent": True}
    assert (await validate_callback(form("no", "deny", asked)))[0] == {
        "callback_consent": False,
        "requested_slot": None,
    }
    assert await validate_callback(form("what is this", "faq", asked)) == ({}, [])
    asked = {"requested_slot": "callback_phone"}
    slots, _ = await validate_callback(form("0770 123 4567", "inform", asked))
    assert slots == {"callback_phone": "+9647701234567"}
    slots, said = await validate_callback(form("bye", "goodbye", asked))
    assert slots == {"callback_phone": None} and said
    assert await validate_callback(form("he is here now", "emergency", asked)) == ({}, [])
    asked = {"requested_slot": "callback_window"}
    slots, _ = await validate_callback(form("/inform", "inform", asked, callback_window="morning"))
    assert slots == {"callback_window": "morning"}
