"""The fallback: ask which of two close readings was meant, or offer the topics.

The intent classifier marks a message `nlu_fallback` when its best reading is
weak or the two best are close, and keeps the ranking. When both of the two
best readings are things the assistant can start (a report, a station, an FAQ
topic...), one short question with two buttons beats a guess; otherwise the
main topics are offered, as before. The second fallback in a row offers a person
(the hand-off) instead.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import FAQ_TITLES, choice, label, language_of, say
from mps.contract import topic_payload

# Intents a button can start, and the payload that starts them.
STARTABLE = {
    "report_incident": "/report_incident",
    "report_status": "/report_status",
    "find_station": "/find_station",
    "book_visit": "/book_visit",
    "my_bookings": "/my_bookings",
    "cancel_booking": "/cancel_booking",
    "human_handoff": "/human_handoff",
    "help": "/help",
}
# Readings at least this likely are worth a button.
MIN_CONFIDENCE = 0.12
# This many fallbacks in a row, and the assistant offers a person.
OFFER_PERSON_AFTER = 2


def _names_category(parse: dict[str, Any]) -> bool:
    return any(e.get("entity") == "category" for e in parse.get("entities") or [])


def readings(parse: dict[str, Any]) -> list[tuple[str, str]]:
    """(intent or faq/<topic>, payload) of the two best startable readings, or [].

    A bare answer that names a report category ("vandalism in Karrada") is a
    report outside a form, so `inform` reads as `report_incident` then; when
    both readings come to the same thing, that one reading is returned.
    """
    ranking = [
        r for r in parse.get("intent_ranking") or [] if r.get("name") not in (None, "nlu_fallback")
    ][:2]
    if len(ranking) < 2 or any(r.get("confidence", 0.0) < MIN_CONFIDENCE for r in ranking):
        return []
    chosen: list[tuple[str, str]] = []
    for reading in ranking:
        name = str(reading["name"])
        if name == "inform" and _names_category(parse):
            name = "report_incident"
        if name == "faq":
            selector = (parse.get("response_selector") or {}).get("faq") or {}
            key = str((selector.get("response") or {}).get("intent_response_key") or "")
            topic = key.removeprefix("faq/")
            if topic not in FAQ_TITLES:
                return []
            chosen.append((f"faq/{topic}", topic_payload(topic)))
        elif name in STARTABLE:
            chosen.append((name, STARTABLE[name]))
        else:
            return []
    return chosen[:1] if chosen[0] == chosen[-1] else chosen


def fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages, in a row, the assistant could not read."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


class ActionClarify(Action):
    """Asks "did you mean A or B?" with two buttons, or offers the main topics."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """One question with the two readings as buttons, else the fallback."""
        language = language_of(tracker)
        if fallbacks_in_a_row(tracker) >= OFFER_PERSON_AFTER:
            say(dispatcher, "handoff_offer", language)
            return []
        chosen = readings(tracker.latest_message)
        if not chosen:
            say(dispatcher, "fallback", language)
            return []
        if len(chosen) == 1 and chosen[0][0] == "report_incident":
            return [FollowupAction("report_form")]
        buttons = []
        for reading, payload in chosen:
            if reading.startswith("faq/"):
                title = getattr(FAQ_TITLES[reading.removeprefix("faq/")], language)
            else:
                title = choice("reading", reading, language)
            buttons.append({"title": title, "payload": payload})
        buttons.append({"title": label("reading_neither", language), "payload": "/help"})
        dispatcher.utter_message(text=label("clarify_question", language), buttons=buttons)
        return []
