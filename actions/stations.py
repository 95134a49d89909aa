"""The station finder: by shared location, by place name, or by a station button."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.places import choice_values, did_you_mean, none_of_these, read_choices
from actions.store import Store, get_store
from actions.texts import label, language_of, say, station_card
from actions.tracker import entity_values, free_text, parse_location
from mps.contract import Pin, intent_payload
from mps.formatting import digits
from mps.models import Station
from mps.routing import Lookup, Match


def lookup_place(store: Store, tracker: Tracker) -> Lookup:
    """Stations the message names (its text, else the place entities the NLU found);
    without any, the near misses to offer as "did you mean"."""
    text = free_text(tracker)
    found = store.index.lookup(text) if text else Lookup([], [])
    if found.matches:
        return found
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "place" and entity.get("value"):
            named = store.index.lookup(str(entity["value"]))
            if named.matches:
                return named
            if not found.suggestions:
                found = named
    return found


def by_place(store: Store, tracker: Tracker) -> list[Match]:
    """Stations named by the message: its text, or the place entities the NLU found."""
    return lookup_place(store, tracker).matches


def station_buttons(stations: list[Station], language: str, intent: str) -> list[dict[str, str]]:
    """One button per station, sending `intent` with the station's code."""
    return [
        {
            "title": s.display_name(language),
            "payload": intent_payload(intent, station=s.code),
        }
        for s in stations
    ]


def utter_station(dispatcher: CollectingDispatcher, station: Station, language: str) -> None:
    """The station's card, a pin at its location and a button to book a visit."""
    say(
        dispatcher,
        "station_card",
        language,
        [
            {
                "title": label("book_visit", language),
                "payload": intent_payload("book_visit", station=station.code),
            }
        ],
        **station_card(station, language),
    )
    dispatcher.utter_message(json_message=Pin(station.latitude, station.longitude).to_json())


class ActionFindStation(Action):
    """Answers `find_station` and a shared location outside a form."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_find_station"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Route by the station button, the location, or the place named."""
        language = language_of(tracker)
        store = await get_store()
        if not store.stations:
            say(dispatcher, "no_stations", language)
            return []
        entities = entity_values(tracker)
        if entities.get("station") in store.stations:
            utter_station(dispatcher, store.stations[entities["station"]], language)
            return []
        point = parse_location(entities.get("location", ""))
        if point is not None:
            match = store.index.by_point(*point)
            assert match is not None
            if match.how == "inside":
                say(dispatcher, "station_inside", language)
            else:
                distance = digits(f"{match.distance_km or 0:.0f}", language)
                say(dispatcher, "station_nearest", language, distance=distance)
            utter_station(dispatcher, store.stations[match.code], language)
            return []
        found = lookup_place(store, tracker)
        matches = found.matches
        if len(matches) == 1:
            utter_station(dispatcher, store.stations[matches[0].code], language)
        elif matches:
            stations = [store.stations[m.code] for m in matches][:8]
            buttons = station_buttons(stations, language, "find_station")
            say(dispatcher, "station_which", language, buttons)
        elif found.suggestions:
            choices = read_choices(choice_values(found.suggestions), store.stations)
            other = none_of_these(language, "/find_station")
            text, buttons = did_you_mean(choices, store.stations, language, "find_station", other)
            dispatcher.utter_message(text=text, buttons=buttons)
        elif free_text(tracker) and any(
            e.get("entity") == "place" for e in tracker.latest_message.get("entities") or []
        ):
            say(dispatcher, "place_not_found", language)
        else:
            say(dispatcher, "ask_place", language)
        return []
