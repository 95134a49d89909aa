"""The booking form's questions: stations, open days, party size, the summary."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.asking import Ask, AskAction, Question
from actions.places import choice_buttons, did_you_mean, none_of_these, read_choices
from actions.stations import station_buttons
from actions.store import get_store
from actions.texts import event_button, event_values, label
from mps.bookings import upcoming_events
from mps.contract import intent_payload
from mps.formatting import digits
from mps.models import Event


class ActionAskStation(AskAction):
    """Asks for the station: the ambiguous candidates, or the stations with open days."""

    slot = "station"

    async def question(self, tracker: Tracker, language: str) -> Question | Ask:
        """Did you mean, which one, or the stations with open days, as buttons."""
        store = await get_store()
        choices = read_choices(tracker.get_slot("station_choices"), store.stations)
        if any(c.suggested for c in choices):
            other = none_of_these(language, "/inform")
            return did_you_mean(choices, store.stations, language, "inform", other)
        if choices:
            return Ask(
                key="station_which",
                buttons=choice_buttons(choices, store.stations, language, "inform"),
            )
        async with store.database.sessions() as session:
            events = await upcoming_events(session, store.clock(), limit=200)
        codes = list(dict.fromkeys(e.station_code for e in events))[:8]
        if not codes:
            return Ask(key="no_open_days", events=[SlotSet("requested_slot", None)])
        return Ask(
            key="ask_station",
            buttons=station_buttons([store.stations[c] for c in codes], language, "inform"),
        )


class ActionAskEventId(AskAction):
    """Lists the station's upcoming open days with the seats left."""

    slot = "event_id"

    async def question(self, tracker: Tracker, language: str) -> Question | Ask:
        """The events as buttons; none: the station is asked again."""
        store = await get_store()
        code = tracker.get_slot("station")
        station = store.stations.get(code or "")
        if station is None:
            return Ask(key=None, events=[SlotSet("station", None)])
        async with store.database.sessions() as session:
            events = await upcoming_events(session, store.clock(), station.code)
        name = station.display_name(language)
        if not events:
            return Ask(
                key="station_no_events",
                values={"name": name},
                events=[SlotSet("station", None)],
            )
        return Ask(
            key="ask_event_id",
            values={"name": name},
            buttons=[event_button(e, language) for e in events],
        )


class ActionAskPartySize(AskAction):
    """Asks how many people, with buttons for the usual answers."""

    slot = "party_size"

    async def question(self, tracker: Tracker, language: str) -> Question | Ask:
        """1 to 5 as buttons."""
        return Ask(
            key="ask_party_size",
            buttons=[
                {
                    "title": digits(str(n), language),
                    "payload": intent_payload("inform", party_size=str(n)),
                }
                for n in range(1, 6)
            ],
        )


class ActionAskBookingConfirmed(AskAction):
    """Shows the summary and asks to confirm."""

    slot = "booking_confirmed"

    async def question(self, tracker: Tracker, language: str) -> Question | Ask:
        """The summary with Yes / No buttons; the event is asked again if it is gone."""
        store = await get_store()
        async with store.database.sessions() as session:
            event = await session.get(Event, int(tracker.get_slot("event_id") or 0))
        if event is None or event.station_code not in store.stations:
            return Ask(key=None, events=[SlotSet("event_id", None)])
        party = int(tracker.get_slot("party_size") or 0)
        return Ask(
            key="ask_booking_confirmed",
            buttons=[
                {"title": label("yes_book", language), "payload": "/affirm"},
                {"title": label("no_book", language), "payload": "/deny"},
            ],
            values={
                "party": digits(str(party), language),
                **event_values(event, store.stations[event.station_code], language),
            },
        )
