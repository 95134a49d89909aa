"""Choices among stations named by a message: "which one?" when several match, and
"did you mean?" when a name only comes close (`StationIndex.lookup`).

The forms keep the choices in a list slot (`station_choices`,
`report_place_choices`) between the answer and the question: a station's code,
or for a near miss "?CODE/AREA" (AREA the index of the area whose name came close,
empty for the station's own name), so that the question can say the place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from actions.texts import label
from mps.contract import intent_payload
from mps.models import Station
from mps.routing import Match

MAX_CHOICES = 8


@dataclass(frozen=True)
class Choice:
    """One station to choose, and whether it is only a near miss."""

    code: str
    suggested: bool = False
    area: int | None = None


def choice_values(matches: list[Match]) -> list[str]:
    """Matches as a choices slot's value."""
    values = []
    for match in matches[:MAX_CHOICES]:
        if match.how == "suggestion":
            area = "" if match.area is None else str(match.area)
            values.append(f"?{match.code}/{area}")
        else:
            values.append(match.code)
    return values


def read_choices(values: list[str] | None, stations: Mapping[str, Station]) -> list[Choice]:
    """A choices slot's value, without stations that are gone."""
    choices = []
    for value in values or []:
        if value.startswith("?"):
            code, _, area = value[1:].partition("/")
            choice = Choice(code, True, int(area) if area.isdigit() else None)
        else:
            choice = Choice(value)
        if choice.code in stations:
            choices.append(choice)
    return choices


def place_title(station: Station, area: int | None, language: str) -> str:
    """The name of one of the station's areas (or of the station) in `language`."""
    names: object = station.name
    if area is not None and 0 <= area < len(station.areas):
        names = station.areas[area].get("names", station.name)
    if isinstance(names, Mapping):
        return str(names.get(language) or names.get("en") or station.code)
    return station.code


def choice_buttons(
    choices: list[Choice], stations: Mapping[str, Station], language: str, intent: str
) -> list[dict[str, str]]:
    """One button per choice sending `intent` with the station: a near miss says the
    place it came close to, a station the station's name."""
    return [
        {
            "title": place_title(stations[c.code], c.area if c.suggested else None, language),
            "payload": intent_payload(intent, station=c.code),
        }
        for c in choices
    ]


def did_you_mean(
    choices: list[Choice],
    stations: Mapping[str, Station],
    language: str,
    intent: str,
    other: dict[str, str],
) -> tuple[str, list[dict[str, str]]]:
    """The "did you mean" question: its text, a button per near miss and `other`
    (what "none of these" does where it is asked)."""
    buttons = choice_buttons(choices, stations, language, intent)
    return label("place_did_you_mean", language), [*buttons, other]


def none_of_these(language: str, payload: str) -> dict[str, str]:
    """The button refusing every suggestion."""
    return {"title": label("place_none_of_these", language), "payload": payload}
