"""Talk to a person: which station answers, chosen as a report is routed (a shared
location, a place named, a button; "Not sure" is the central triage queue), and,
asked once, whether to pass on the last question the assistant could not answer.
Then the bot opens the hand-off (the HandoffStart directive) and relays the
messages; nothing here stores anything.

A hand-off asked for during discreet help (her conversation went through discreet
help, or the contacts' "Write to an officer" button) is discreet: it goes to the
Family and Child Protection unit of the station the contacts named (else the
triage queue's), and passes on nothing.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.asking import AskAction, Question
from actions.forms import FormTurn, StopFormAction, forget
from actions.intents import HANDOFF
from actions.places import choice_buttons, choice_values, did_you_mean, read_choices
from actions.stations import lookup_place
from actions.store import Store, get_store
from actions.texts import label
from actions.tracker import entity_values, parse_location
from mps.contract import DISCREET_MODE, HANDOFF_MODE_ENTITY, HandoffStart
from mps.routing import Lookup
from mps.stations import TRIAGE

FORM_SLOTS = ("handoff_station", "handoff_share", "handoff_choices")
# What marks a conversation as discreet help, whichever way it went on.
DISCREET_INTENTS = frozenset({"discreet_help", "request_callback"})
DISCREET_FORMS = frozenset({"discreet_form", "callback_form"})


def _session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current session, newest first."""
    found = []
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        found.append(event)
    return found


def is_discreet(tracker: Tracker) -> bool:
    """Whether the hand-off starts from discreet help (this session went through it)."""
    if entity_values(tracker).get(HANDOFF_MODE_ENTITY) == DISCREET_MODE:
        return True
    for event in _session_events(tracker):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if event.get("event") == "user" and intent in DISCREET_INTENTS:
            return True
        if event.get("event") == "active_loop" and event.get("name") in DISCREET_FORMS:
            return True
    return False


def unanswered_question(tracker: Tracker) -> str | None:
    """The text of the last message of this session the assistant could not answer
    (read as `nlu_fallback`), typed, not a button."""
    for event in _session_events(tracker):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(event.get("text") or "")
        if intent == "nlu_fallback" and text and not text.startswith("/"):
            return text
    return None


class ValidateHandoffForm(Action):
    """Fills `handoff_form`: the station, then yes or no to passing on the question."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_handoff_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Slot events for this turn; none when the message is about something else."""
        turn = _Turn(dispatcher, tracker, await get_store())
        if turn.requested is None:
            turn.start()
        elif turn.takes("handoff_station"):
            turn.station()
        elif turn.takes("handoff_share"):
            turn.yes_or_no("handoff_share", turn.intent == "affirm", ending=False)
        return turn.events()


class _Turn(FormTurn):
    """One user turn of the hand-off form."""

    intents = HANDOFF

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: Store) -> None:
        super().__init__(dispatcher, tracker)
        self.store = store

    def start(self) -> None:
        """The first message: a discreet one needs nothing more; else what it names,
        and nothing to ask about passing on when no question went unanswered."""
        if is_discreet(self.tracker):
            code = self.entities.get("station")
            self.set("handoff_station", code if code in self.store.stations else TRIAGE)
            self.set("handoff_share", False)
            return
        if unanswered_question(self.tracker) is None:
            self.set("handoff_share", False)
        code = self._shared() or self._button()
        if code is None and self.entities.get("place"):
            code = self._named(asked=False)
        if code is not None:
            self.set("handoff_station", code)

    def station(self) -> None:
        """Where: a shared location, a button, "Not sure", or a place named."""
        if self.intent == "deny":
            code: str | None = TRIAGE
        else:
            code = self._shared() or self._button() or self._named(asked=True)
        if code is not None:
            self.set("handoff_station", code)
            self.set("handoff_choices", None)
        elif self.changes.get("handoff_choices") is None:
            self.complaint = "handoff_place_not_found"

    def _shared(self) -> str | None:
        point = parse_location(self.entities.get("location", ""))
        if point is None:
            return None
        match = self.store.index.by_point(*point)
        return match.code if match else TRIAGE

    def _button(self) -> str | None:
        code = self.entities.get("station")
        return code if code in self.store.stations else None

    def _named(self, asked: bool) -> str | None:
        """The one station the text names; several, or near misses, become choices."""
        found = lookup_place(self.store, self.tracker) if self.text else Lookup([], [])
        codes = {m.code for m in found.matches}
        if len(codes) == 1:
            return codes.pop()
        if found.matches or (asked and found.suggestions):
            self.set("handoff_choices", choice_values(found.matches or found.suggestions))
            self.ask_again("handoff_station")
        return None


class ActionAskHandoffStation(AskAction):
    """Which station: "which one?" or "did you mean?" buttons, else share or type."""

    slot = "handoff_station"

    async def question(self, tracker: Tracker, language: str) -> Question:
        """The question and its buttons, with "Not sure" last."""
        store = await get_store()
        choices = read_choices(tracker.get_slot("handoff_choices"), store.stations)
        unsure = {"title": label("handoff_station_unsure", language), "payload": "/deny"}
        if any(c.suggested for c in choices):
            return did_you_mean(choices, store.stations, language, "inform", unsure)
        if choices:
            buttons = choice_buttons(choices, store.stations, language, "inform")
            return label("report_place_choose", language), [*buttons, unsure]
        return label("handoff_ask_station", language), [unsure]


class ActionAskHandoffShare(AskAction):
    """Whether to pass on the question the assistant could not answer (asked once)."""

    slot = "handoff_share"

    async def question(self, tracker: Tracker, language: str) -> Question:
        """The question, quoted, with Yes and No."""
        text = label("handoff_ask_share", language, question=unanswered_question(tracker) or "")
        return text, [
            {"title": label("handoff_share_yes", language), "payload": "/affirm"},
            {"title": label("handoff_share_no", language), "payload": "/deny"},
        ]


class ActionOpenHandoff(Action):
    """The end of the form: tell the bot to open the hand-off; it says the rest."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_open_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The directive, and the form's answers forgotten."""
        discreet = is_discreet(tracker)
        question = None
        if tracker.get_slot("handoff_share") is True and not discreet:
            question = unanswered_question(tracker)
        station = str(tracker.get_slot("handoff_station") or TRIAGE)
        dispatcher.utter_message(json_message=HandoffStart(station, discreet, question).to_json())
        return forget(FORM_SLOTS)


class ActionStopHandoff(StopFormAction):
    """Leaves the hand-off form (another topic, danger) and forgets its answers."""

    slots = FORM_SLOTS

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_handoff"
