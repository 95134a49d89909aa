"""The `report_form`: category, what happened, where, when, a photo, consent, confirmation.

`validate_report_form` reads every user turn of the form, like the booking
form's validator: it fills the slot the form asked for and takes corrections
of the others, and returns nothing for a message that is not an answer, so
that the rules handle it (a question, another service). What happened is
free text: while it is asked for, any message except an emergency or a call
for discreet help is taken as the description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import FormTurn
from actions.intents import QUESTIONS, REPORT, REPORT_DAY_STEPS
from actions.places import choice_values
from actions.report_routing import RULES
from actions.stations import lookup_place
from actions.store import Store, get_store
from actions.texts import label
from actions.tracker import free_text, intent_of, parse_location, typed_text
from mps.emergency import KeywordNet, load_emergency
from mps.file_ids import is_file_id
from mps.formatting import digits
from mps.incident_time import parse_incident_date
from mps.lexicon import words
from mps.report_rules import CATEGORIES, DESCRIPTION_MAX, DESCRIPTION_MIN, find_reference
from mps.reports import station_for_point
from mps.routing import Lookup
from mps.stations import TRIAGE
from mps.text import normalize, phrase_pattern

DATA = Path(__file__).resolve().parents[1] / "data"
DANGER_PHRASES = KeywordNet.from_data(load_emergency(DATA / "emergency.yml"))
# Words that put a described event in the present ("right now"): with them an
# emergency reading of a description is believed, without them it is the past.
NOW_WORDS = phrase_pattern(words("now", "present"))
# The form's slots, its confirmation last.
FORM_SLOTS = (
    "report_category",
    "report_description",
    "report_place",
    "report_place_text",
    "report_place_choices",
    "report_when",
    "report_photo",
    "report_consent",
    "report_confirmed",
)


class ValidateReportForm(Action):
    """Fills and checks the slots of `report_form`."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_report_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Slot events for this turn; none when the message is not an answer."""
        intent = intent_of(tracker)
        if intent in REPORT.interruptions and not _past_description(tracker, intent):
            return []
        turn = _Turn(dispatcher, tracker, await get_store())
        if turn.takes("report_description"):
            turn.description()
        elif turn.answering:
            if turn.stops():
                return [SlotSet("report_confirmed", False), SlotSet("requested_slot", None)]
            turn.category()
            turn.place()
            turn.when()
            turn.photo()
            turn.consent()
            turn.confirmation()
        elif turn.takes("report_place"):
            turn.place()
        return turn.events()


def _past_description(tracker: Tracker, intent: str | None) -> bool:
    """A description of something that happened, read by the classifier as an
    emergency ("the lock was cut"): no danger phrase and nothing saying "now"."""
    if intent != "emergency" or tracker.get_slot("requested_slot") != "report_description":
        return False
    text = free_text(tracker)
    now = NOW_WORDS is not None and NOW_WORDS.search(normalize(text)) is not None
    return bool(text) and not now and not DANGER_PHRASES.matches(text)


class _Turn(FormTurn):
    """One user turn of the report form."""

    intents = REPORT
    confirmed_by = frozenset(FORM_SLOTS) - {"report_confirmed"}

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: Store) -> None:
        self.store = store
        super().__init__(dispatcher, tracker)

    def answers_anyway(self) -> bool:
        """A message the classifier put elsewhere that still answers the form: "is my
        report sent?" without a reference, or a day given at the day or summary step
        ("no, it happened today" read as report_status)."""
        if self.intent == "report_status" and find_reference(self.text) is None:
            return True
        return (
            self.requested in REPORT_DAY_STEPS
            and self.intent not in QUESTIONS
            and bool(self.text)
            and parse_incident_date(self.text, self.store.clock().today) is not None
        )

    def stops(self) -> bool:
        """A plain "no" to a question that has no "no" answer ends the report."""
        return (
            self.intent == "deny"
            and self.requested
            in (
                "report_category",
                "report_when",
                "report_confirmed",
            )
            and not self._date_or_category_in_text()
        )

    def _date_or_category_in_text(self) -> bool:
        """The "no" comes with a correction: a day, a category, or a shared location
        at the summary."""
        if not self.text:
            return False
        return (
            parse_incident_date(self.text, self.store.clock().today) is not None
            or RULES.category_in(self.text) is not None
            or (self.requested == "report_confirmed" and bool(self.entities.get("location")))
        )

    def description(self) -> None:
        """What happened: the message as typed, between the shortest and longest allowed."""
        text = typed_text(self.tracker).strip()
        if len(text) < DESCRIPTION_MIN:
            self.complaint = "report_description_short"
        elif len(text) > DESCRIPTION_MAX:
            self.dispatcher.utter_message(
                text=label(
                    "report_description_long",
                    self.language,
                    length=digits(str(len(text)), self.language),
                )
            )
            self.ask_again("report_description")
        else:
            self.set("report_description", text)

    def category(self) -> None:
        """The category: a button, or a category word in the text."""
        value = self.entities.get("category", "")
        found = value if value in CATEGORIES else RULES.category_in(value) if value else None
        if found is None and self.text:
            found = RULES.category_in(self.text)
        if found is not None:
            self.set("report_category", found)
        elif self.requested == "report_category":
            self.complaint = "report_ask_category"

    def place(self) -> None:
        """Where: a shared location, a station button, or a place named in the text."""
        code = self._shared_place()
        if code is None:
            code = self.entities.get("station")
        if code is None:
            code = self._named_place()
        if code is None or (code != TRIAGE and code not in self.store.stations):
            return
        self.set("report_place", code)
        self.set("report_place_choices", None)

    def _shared_place(self) -> str | None:
        """The station covering a shared location, else the nearest one close enough
        (mps.reports.station_for_point); the central team if none is."""
        point = parse_location(self.entities.get("location", ""))
        if point is None:
            return None
        self.set("report_place_text", self.entities["location"])
        return station_for_point(self.store.index, *point) or TRIAGE

    def _named_place(self) -> str | None:
        """The station of the place named: the whole message when "where?" was asked,
        else a place entity. "Not sure", or no station found, is the central team;
        several, or near misses, are kept as choices to ask about (None)."""
        asked = self.requested == "report_place"
        if asked and self.intent == "deny":
            return TRIAGE
        if not (asked or self._names_place()):
            return None
        said = typed_text(self.tracker) if asked else self.entities.get("place", "")
        found = lookup_place(self.store, self.tracker) if self.text else Lookup([], [])
        matches = found.matches
        code = matches[0].code if len(matches) == 1 else None
        if code is None and (matches or (asked and found.suggestions)):
            # Which one? / did you mean?
            self.set("report_place_choices", choice_values(matches or found.suggestions))
            self.set("report_place_text", said[:200])
            return None
        if code is None and asked and self.text:
            self.dispatcher.utter_message(text=label("report_place_triage", self.language))
            code = TRIAGE
        if code is not None and said:
            self.set("report_place_text", said[:200])
        return code

    def _names_place(self) -> bool:
        """The message names a place (an entity), outside the question "where?"."""
        return "place" in self.entities and self.requested != "report_description"

    def when(self) -> None:
        """The day it happened, in words or digits, or from a button; never in the future."""
        clock = self.store.clock()
        value = self.entities.get("date", "")
        day = parse_incident_date(value, clock.today) if value else None
        if day is None and self.text:
            day = parse_incident_date(self.text, clock.today)
        if day is None:
            if self.requested == "report_when":
                self.complaint = "report_when_missing"
            return
        if day > clock.today:
            self.dispatcher.utter_message(text=label("report_when_future", self.language))
            self.ask_again("report_when")
            return
        self.set("report_when", day.isoformat())

    def photo(self) -> None:
        """A photo the bot received (a Telegram file id), or "no photo"."""
        photo = self.entities.get("photo")
        if is_file_id(photo):  # only the bot's photo handler makes one
            self.set("report_photo", photo)
        elif self.requested == "report_photo":
            if self.intent == "deny":
                self.set("report_photo", "none")
            else:
                self.complaint = "report_photo_missing"

    def consent(self) -> None:
        """Yes or no to being contacted and receiving updates."""
        if self.requested != "report_consent":
            return
        if self.intent == "affirm":
            self.set("report_consent", True)
        elif self.intent == "deny":
            self.set("report_consent", False)
        else:
            self.complaint = "report_consent_missing"

    def confirmation(self) -> None:
        """Yes sends; a correction, or anything else, shows the summary again."""
        if self.requested != "report_confirmed":
            return
        if self.corrected or self.intent != "affirm":
            self.ask_again("report_confirmed")
        else:
            self.set("report_confirmed", True)
