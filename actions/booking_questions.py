"""The booking form's questions: stations, open days, party size, the summary."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.places import choice_buttons, did_you_mean, none_of_these, read_choices
from actions.stations import station_buttons
from actions.store import get_store
from actions.texts import event_button, event_values, label, language_of
from mps.bookings import upcoming_events
from mps.contract import intent_payload
from mps.formatting import digits
from mps.models import Event


class ActionAskStation(Action):
    """Asks for the station: the ambiguous candidates, or the stations with open days."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_ask_station"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the question with station buttons."""
        language = language_of(tracker)
        store = await get_store()
        choices = read_choices(tracker.get_slot("station_choices"), store.stations)
        if any(c.suggested for c in choices):
            other = none_of_these(language, "/inform")
            text, buttons = did_you_mean(choices, store.stations, language, "inform", other)
            dispatcher.utter_message(text=text, buttons=buttons)
            return []
        if choices:
            dispatcher.utter_message(
                response="utter_station_which",
                buttons=choice_buttons(choices, store.stations, language, "inform"),
            )
            return []
        async with store.database.sessions() as session:
            events = await upcoming_events(session, store.clock(), limit=200)
        codes = list(dict.fromkeys(e.station_code for e in events))[:8]
        if not codes:
            dispatcher.utter_message(response="utter_no_open_days")
            return [SlotSet("requested_slot", None)]
        dispatcher.utter_message(
            response="utter_ask_station",
            buttons=station_buttons([store.stations[c] for c in codes], language, "inform"),
        )
        return []


class ActionAskEventId(Action):
    """Lists the station's upcoming open days with the seats left."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_ask_event_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the events as buttons."""
        language = language_of(tracker)
        store = await get_store()
        code = tracker.get_slot("station")
        station = store.stations.get(code or "")
        if station is None:
            return [SlotSet("station", None)]
        async with store.database.sessions() as session:
            events = await upcoming_events(session, store.clock(), station.code)
        name = station.name.get(language, station.name["en"])
        if not events:
            dispatcher.utter_message(response="utter_station_no_events", name=name)
            return [SlotSet("station", None)]
        dispatcher.utter_message(
            response="utter_ask_event_id",
            name=name,
            buttons=[event_button(e, language) for e in events],
        )
        return []


class ActionAskPartySize(Action):
    """Asks how many people, with buttons for the usual answers."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_ask_party_size"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the question with 1 to 5 as buttons."""
        language = language_of(tracker)
        dispatcher.utter_message(
            response="utter_ask_party_size",
            buttons=[
                {
                    "title": digits(str(n), language),
                    "payload": intent_payload("inform", party_size=str(n)),
                }
                for n in range(1, 6)
            ],
        )
        return []


class ActionAskBookingConfirmed(Action):
    """Shows the summary and asks to confirm."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_ask_booking_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the summary with Yes / No buttons."""
        language = language_of(tracker)
        store = await get_store()
        async with store.database.sessions() as session:
            event = await session.get(Event, int(tracker.get_slot("event_id") or 0))
        if event is None or event.station_code not in store.stations:
            return [SlotSet("event_id", None)]
        party = int(tracker.get_slot("party_size") or 0)
        dispatcher.utter_message(
            response="utter_ask_booking_confirmed",
            party=digits(str(party), language),
            buttons=[
                {"title": label("yes_book", language), "payload": "/affirm"},
                {"title": label("no_book", language), "payload": "/deny"},
            ],
            **event_values(event, store.stations[event.station_code], language),
        )
        return []
