"""Discreet help: danger first, then the nearest Family and Child Protection Unit,
help lines and safety tips. Nothing of it is stored: the slots live in the
tracker only until the form ends, and the bot wipes the tracker on /exit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import FormTurn, StopFormAction, forget
from actions.intents import DISCREET, DISCREET_PLACE_ANSWERS
from actions.places import place_title
from actions.store import Store, get_store
from actions.texts import LABELS, label, language_of, say, station_card
from actions.tracker import parse_location
from mps.contract import DISCREET_MODE, EXIT_PAYLOAD, HANDOFF_MODE_ENTITY, intent_payload
from mps.emergency import emergency_text, load_emergency
from mps.formatting import digits
from mps.hotlines import hotlines_for, load_hotlines
from mps.models import Station, in_language
from mps.routing import Match, distance_km

DATA = Path(__file__).resolve().parents[1] / "data"
HOTLINES = load_hotlines(DATA / "hotlines.yml")
EMERGENCY = load_emergency(DATA / "emergency.yml")
FORM_SLOTS = ("in_danger", "governorate", "discreet_location")


def exit_button(language: str) -> dict[str, str]:
    """The Exit button every discreet reply carries."""
    return {"title": label("exit", language), "payload": EXIT_PAYLOAD}


def callback_button(station_code: str, language: str) -> dict[str, str]:
    """The neutral button under the contacts that asks for a safe call-back."""
    return {
        "title": label("callback_offer", language),
        "payload": intent_payload("request_callback", station=station_code),
    }


def officer_button(station_code: str, language: str) -> dict[str, str]:
    """The neutral button under the contacts that opens a discreet hand-off to the
    unit's officers (actions/handoff.py)."""
    entities = {"station": station_code, HANDOFF_MODE_ENTITY: DISCREET_MODE}
    return {
        "title": label("discreet_write_officer", language),
        "payload": intent_payload("human_handoff", **entities),
    }


def governorates(store: Store) -> dict[str, Station]:
    """One station per governorate (for its names and region), by governorate code."""
    found: dict[str, Station] = {}
    for station in store.stations.values():
        found.setdefault(station.governorate, station)
    return found


class ValidateDiscreetForm(Action):
    """Fills `in_danger` from yes/no (or an emergency) and `governorate` from a button,
    a shared location or a place name."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_discreet_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Slot events for this turn; none when the message is about something else."""
        turn = _Turn(dispatcher, tracker)
        if turn.takes("in_danger"):
            turn.in_danger()
        elif turn.requested == "governorate":
            await turn.governorate()
        return turn.events()


class _Turn(FormTurn):
    """One user turn of the discreet form."""

    intents = DISCREET

    def in_danger(self) -> None:
        """Yes, or an emergency: she is in danger, and the form ends at once; no: she is not."""
        self.yes_or_no("in_danger", self.intent != "deny", ending=True)

    async def governorate(self) -> None:
        """Where she is: a governorate button, a shared location, or a place name."""
        store = await get_store()
        code = self.entities.get("governorate")
        if code in governorates(store):
            self.set("governorate", code)
            return
        point = parse_location(self.entities.get("location", ""))
        match = store.index.by_point(*point) if point is not None else None
        if match is not None:
            self.set("governorate", store.stations[match.code].governorate)
            self.set("discreet_location", self.entities["location"])
            return
        if not (self.text and self.takes("governorate")):
            return
        found = store.index.lookup(self.text)
        if found.matches:
            self.set("governorate", store.stations[found.matches[0].code].governorate)
        elif self.intent in DISCREET_PLACE_ANSWERS:
            if found.suggestions:
                _did_you_mean(self.dispatcher, store, found.suggestions, self.language)
            else:
                self.say("governorate_not_found")
            self.set("governorate", None)


def _did_you_mean(
    dispatcher: CollectingDispatcher, store: Store, near: list[Match], language: str
) -> None:
    """The places she may have meant, each button giving its governorate (the form asks
    for the governorate again after this, with its buttons and Exit)."""
    buttons: list[dict[str, str]] = []
    for match in near:
        station = store.stations[match.code]
        payload = intent_payload("inform", governorate=station.governorate)
        title = place_title(station, match.area, language)
        if all(b["title"] != title for b in buttons):
            buttons.append({"title": title, "payload": payload})
    dispatcher.utter_message(text=label("place_did_you_mean", language), buttons=buttons)


class ActionAskGovernorate(Action):
    """Asks where she is, with one button per governorate and Exit."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_ask_governorate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the question with the governorate buttons."""
        language = language_of(tracker)
        store = await get_store()
        buttons = [
            {
                "title": in_language(station.governorate_name, language),
                "payload": intent_payload("inform", governorate=code),
            }
            for code, station in sorted(governorates(store).items())
        ]
        say(dispatcher, "ask_governorate", language, [*buttons, exit_button(language)])
        return []


def nearest_unit(store: Store, governorate: str, location: str | None) -> Station | None:
    """The Family and Child Protection Unit nearest to her (or first in her governorate)."""
    units = [s for s in store.stations.values() if "fcpu" in s.units]
    if not units:
        return None
    point = parse_location(location or "")
    if point is None:
        local = [s for s in units if s.governorate == governorate]
        if local:
            return sorted(local, key=lambda s: s.code)[0]
        anchor = next((s for s in store.stations.values() if s.governorate == governorate), None)
        if anchor is None:
            return sorted(units, key=lambda s: s.code)[0]
        point = (anchor.longitude, anchor.latitude)
    return min(units, key=lambda s: distance_km((s.longitude, s.latitude), point))


def _number(number: str, language: str) -> str:
    """A phone number, with its Arabic-Indic form beside it for Arabic and Kurdish."""
    return number if language == "en" else f"{number} ({digits(number, language)})"


class ActionDiscreetContacts(Action):
    """The end of the discreet form: emergency numbers, or unit, lines and tips."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_discreet_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the contacts and forget the answers."""
        language = language_of(tracker)
        reset = forget(FORM_SLOTS)
        if tracker.get_slot("in_danger"):
            text = emergency_text(EMERGENCY, LABELS, language)
            dispatcher.utter_message(text=text, buttons=[exit_button(language)])
            return reset
        store = await get_store()
        governorate = tracker.get_slot("governorate") or ""
        unit = nearest_unit(store, governorate, tracker.get_slot("discreet_location"))
        if unit is not None:
            women = "women_on_duty" if "women_officers" in unit.units else "women_not_listed"
            card = station_card(unit, language)
            say(
                dispatcher,
                "discreet_unit",
                language,
                name=card["name"],
                address=card["address"],
                hours=card["hours"],
                phone=card["phone"],
                women=label(women, language),
            )
        station = governorates(store).get(governorate)
        region = station.region if station is not None else "federal"
        lines = [
            label(
                "hotline_line",
                language,
                number=_number(h.number, language),
                name=h.name.get(language),
                hours=h.hours.get(language),
            )
            for h in hotlines_for(HOTLINES, region)
        ]
        if any(not h.verified for h in hotlines_for(HOTLINES, region)):
            lines.append(label("to_verify", language))
        say(dispatcher, "discreet_lines", language, lines="\n".join(lines))
        buttons = (
            [officer_button(unit.code, language), callback_button(unit.code, language)]
            if unit is not None
            else []
        )
        say(dispatcher, "discreet_tips", language, [*buttons, exit_button(language)])
        return reset


class ActionStopDiscreet(StopFormAction):
    """Leaves the discreet form (another topic) and forgets its answers."""

    slots = FORM_SLOTS

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_discreet"
