"""The report form's slot filling, with a real database and the demo stations."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from rasa_sdk import Tracker

from actions.report_form import ValidateReportForm
from actions.store import Store
from mps.stations import TRIAGE
from tests import rasa_helpers
from tests.conftest import BAGHDAD
from tests.rasa_helpers import make_tracker


def today() -> dt.date:
    return dt.datetime.now(BAGHDAD).date()


@pytest.fixture
def store(action_store: Store) -> None:
    """The actions see the demo stations."""


validate = partial(rasa_helpers.validate, ValidateReportForm())


def tracker(text: str, intent: str, requested: str | None = None, **entities: str) -> Tracker:
    return make_tracker(text, intent, {"requested_slot": requested}, "report_form", **entities)


async def test_the_first_message_fills_category_place_and_day(store: None) -> None:
    slots, said = await validate(
        tracker(
            "someone stole my bike in Karrada yesterday",
            "report_incident",
            place="Karrada",
        )
    )
    assert slots == {
        "report_category": "theft",
        "report_place": "BGD-KRD",
        "report_place_text": "Karrada",
        "report_place_choices": None,
        "report_when": (today() - dt.timedelta(days=1)).isoformat(),
    }
    assert said == []


async def test_description_is_any_text_of_the_right_length(store: None) -> None:
    slots, _ = await validate(
        tracker("the lock was cut and the bike taken", "emergency", "report_description")
    )
    assert slots == {"report_description": "the lock was cut and the bike taken"}
    # Danger now: not a description, the rules give the emergency numbers.
    slots, _ = await validate(
        tracker("he is stabbing him right now", "emergency", "report_description")
    )
    assert slots == {}
    slots, said = await validate(tracker("bike", "inform", "report_description"))
    assert slots == {"report_description": None} and "at least 10 characters" in said[0]


async def test_a_place_nobody_covers_goes_to_triage(store: None) -> None:
    slots, said = await validate(tracker("zzqx wadi far away", "out_of_scope", "report_place"))
    assert slots["report_place"] == TRIAGE and slots["report_place_text"] == "zzqx wadi far away"
    assert "central team" in said[0]
    slots, _ = await validate(
        tracker("33.302,44.428", "share_location", "report_place", location="33.302,44.428")
    )
    assert slots["report_place"] == "BGD-KRD"
    # Abu Ghraib, 24 km out of Baghdad: the nearest station; the desert: the central team.
    for point, station in (("33.29,44.10", "BGD-MNS"), ("31.9,46.0", TRIAGE)):
        slots, _ = await validate(tracker(point, "share_location", "report_place", location=point))
        assert slots["report_place"] == station, point


async def test_no_means_no_photo_no_consent_or_stop(store: None) -> None:
    assert (await validate(tracker("no", "deny", "report_photo")))[0] == {"report_photo": "none"}
    assert (await validate(tracker("no", "deny", "report_consent")))[0] == {
        "report_consent": False
    }
    assert (await validate(tracker("no", "deny", "report_category")))[0] == {
        "report_confirmed": False,
        "requested_slot": None,
    }


async def test_a_correction_at_the_summary_whatever_the_intent(store: None) -> None:
    # "no, it happened today" was once read as report_status: still a correction.
    slots, _ = await validate(
        tracker("no, it happened today", "report_status", "report_confirmed")
    )
    assert slots == {"report_when": today().isoformat(), "report_confirmed": None}
    future = (today() + dt.timedelta(days=3)).strftime("%Y-%m-%d")
    slots, said = await validate(tracker(f"it was on {future}", "inform", "report_when"))
    assert slots == {"report_when": None} and "future" in said[0]
    slots, _ = await validate(tracker("yes", "affirm", "report_confirmed"))
    assert slots == {"report_confirmed": True}


async def test_only_a_telegram_file_id_is_a_photo(store: None) -> None:
    file_id = "AgACAgIAAxkBAAIBQ2ZkYXRhLWZpbGVfaWQtMTIz"
    slots, _ = await validate(tracker("", "share_photo", "report_photo", photo=file_id))
    assert slots == {"report_photo": file_id}
    # Typed as `/ share_photo{"photo": …}`: a URL or a path is never the report's photo.
    for forged in ("https://evil.example/y.jpg", "../../etc/passwd", "AgAC:x/y"):
        slots, said = await validate(tracker("", "share_photo", "report_photo", photo=forged))
        assert "report_photo" not in slots or slots["report_photo"] is None
        assert said  # she is told how to send a photo
