"""The `booking_form`: station, event, party size and confirmation, from text or buttons.

`validate_booking_form` reads every user turn of the form. It fills the slot
the form asked for, and takes corrections of the others ("no, 3 people",
"Mansour instead") when the message is an answer. When a message is not an
answer it returns nothing, so the form steps aside and the rules handle the
new topic (a question, an emergency, another service).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import FormTurn
from actions.intents import BOOKING
from actions.places import choice_values
from actions.stations import lookup_place
from actions.store import Store, get_store
from actions.tracker import intent_of, parse_location
from mps.bookings import seats_left, starts_at, upcoming_events
from mps.formatting import day_text, digits
from mps.models import Event
from mps.parsing import parse_date, parse_party_size, party_size_error

# The form's slots, its confirmation last.
FORM_SLOTS = (
    "station",
    "station_choices",
    "visit_date",
    "event_id",
    "party_size",
    "booking_confirmed",
)


class ValidateBookingForm(Action):
    """Fills and checks the slots of `booking_form`."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_booking_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Slot events for this turn; none when the message is not about the booking."""
        if intent_of(tracker) in BOOKING.interruptions:
            return []
        turn = _Turn(dispatcher, tracker, await get_store())
        await turn.station()
        await turn.event()
        await turn.party_size()
        turn.confirmation()
        return turn.events()


class _Turn(FormTurn):
    """One user turn of the booking form."""

    intents = BOOKING
    confirmed_by = frozenset({"station", "event_id", "party_size"})

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, store: Store) -> None:
        self.store = store
        super().__init__(dispatcher, tracker)

    async def station(self) -> None:
        """The station: a button, a shared location, or a place named in the text; one
        with open days."""
        code = self.entities.get("station")
        if code is None:
            code = self._located()
        if code is None:
            code = self._named_station()
        if code is None or code not in self.store.stations:
            return
        async with self.store.database.sessions() as session:
            events = await upcoming_events(session, self.store.clock(), code, limit=1)
        if not events:
            station = self.store.stations[code]
            self.say("station_no_events", name=station.display_name(self.language))
            self.set("station", None)
            return
        if code != self.slot("station"):
            self.set("event_id", None)
        self.set("station", code)
        self.set("station_choices", None)

    def _located(self) -> str | None:
        """The station covering a shared location."""
        point = parse_location(self.entities.get("location", ""))
        match = self.store.index.by_point(*point) if point is not None else None
        return match.code if match else None

    def _named_station(self) -> str | None:
        """The one station the text names. Several, near misses, or none when asked
        for it are noted for the question (None); so is "none of these"."""
        asked = self.requested == "station"
        if not (self.text and self.reads("station")):
            if asked and self.intent == "inform" and self.tracker.get_slot("station_choices"):
                self.set("station_choices", None)  # "none of these"
                self.set("station", None)
            return None
        found = lookup_place(self.store, self.tracker)
        matches = found.matches
        if len(matches) == 1:
            return matches[0].code
        if matches and self.requested in (None, "station"):
            self.set("station_choices", choice_values(matches))
            self.set("station", None)
        elif found.suggestions and asked and self.insisting:
            self.set("station_choices", choice_values(found.suggestions))  # did you mean
            self.set("station", None)
        elif asked and self.insisting:
            self.say("place_not_found")
            self.set("station", None)
        return None

    async def event(self) -> None:
        """The open day: a button, or the day named in the text at the chosen station."""
        clock = self.store.clock()
        chosen = self.entities.get("event_id")
        day = parse_date(self.text, clock.today) if self.text and self.answering else None
        if day is not None:
            self.set("visit_date", day.isoformat())
        async with self.store.database.sessions() as session:
            if chosen is not None:
                event = await session.get(Event, int(chosen)) if chosen.isdigit() else None
                if event is None or starts_at(event, clock.zone) <= clock.now:
                    self.set("event_id", None)
                    return
                if event.station_code != self.slot("station"):
                    self.set("station", event.station_code)
                self.set("event_id", str(event.id))
                return
            station = self.slot("station")
            wanted = self.slot("visit_date")
            if station is None or wanted is None:
                return
            if self.slot("event_id") is not None and day is None:
                return
            events = await upcoming_events(session, clock, station, limit=50)
        on_day = [e for e in events if e.day.isoformat() == wanted]
        if len(on_day) == 1:
            self.set("event_id", str(on_day[0].id))
        elif not on_day and day is not None:
            self.say(
                "no_event_on_date",
                name=self.store.stations[station].display_name(self.language),
                date=day_text(day, self.language),
            )
            self.set("event_id", None)

    async def party_size(self) -> None:
        """How many people, typed ("with my 2 kids") or from a button; within the seats left."""
        asked = self.requested == "party_size"
        if not self.reads("party_size"):
            return
        # Typed text is read by the parser (it knows "with my 2 kids" means 3);
        # the entity counts only for a button payload.
        button = "" if self.text else self.entities.get("party_size", "")
        size = int(button) if button.isdigit() else parse_party_size(self.text, expected=asked)
        problem = party_size_error(size)
        if problem == "missing":
            if asked and self.insisting:
                self.complaint = "party_size_missing"
            return
        if problem == "range":
            self.say("party_size_range")
            self.set("party_size", None)
            return
        assert size is not None
        event_id = self.slot("event_id")
        if event_id is not None:
            async with self.store.database.sessions() as session:
                event = await session.get(Event, int(event_id))
            if event is not None and size > seats_left(event):
                self.say("not_enough_seats", seats=digits(str(seats_left(event)), self.language))
                self.set("party_size", None)
                return
        self.set("party_size", float(size))

    def confirmation(self) -> None:
        """Yes books, no stops; a correction or another answer shows the summary again."""
        if self.requested != "booking_confirmed":
            return
        if self.corrected:
            self.set("booking_confirmed", None)
        elif self.intent == "affirm":
            self.set("booking_confirmed", True)
        elif self.intent == "deny":
            self.set("booking_confirmed", False)
        elif self.answering:
            self.set("booking_confirmed", None)
