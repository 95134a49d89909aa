"""What the latest message says, read from the tracker: intent, entities, text, a location."""

from __future__ import annotations

from rasa_sdk import Tracker


def intent_of(tracker: Tracker) -> str | None:
    """The intent of the latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity_values(tracker: Tracker) -> dict[str, str]:
    """Entities of the latest message, by name (the last one of a name wins)."""
    found: dict[str, str] = {}
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("value") is not None:
            found[str(entity["entity"])] = str(entity["value"])
    return found


def free_text(tracker: Tracker) -> str:
    """What the user typed (empty for button payloads)."""
    text = str(tracker.latest_message.get("text") or "")
    return "" if text.startswith("/") else text


def typed_text(tracker: Tracker) -> str:
    """What the user typed, as typed (the NLU pipeline lower-cases and folds the
    text it parses); empty for button payloads."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = str(event.get("text") or "")
            return "" if text.startswith("/") else text
    return free_text(tracker)


def parse_location(value: str) -> tuple[float, float] | None:
    """`"lat,lon"` as (lon, lat), or None if it is not a position on Earth."""
    try:
        lat_text, lon_text = value.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return lon, lat
    return None
