"""The hand-off's strings: staff card buttons `h:<verb>:<id>[:<station>]`, the citizen's
fixed End button, and the entity that marks a discreet hand-off in an intent payload."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mps.contract.cards import CALLBACK_DATA_LIMIT
from mps.contract.fields import colon_field

HANDOFF_PREFIX = "h:"
# The citizen's End button: fixed data (no stored token), so it works after a restart
# and on any replica; it acts only on the chat of whoever presses it.
END_CALLBACK = "x:end"
# `/human_handoff{"handoff_mode": "discreet", "station": …}`: the discreet contacts'
# button (the action server builds and reads it, through Rasa).
HANDOFF_MODE_ENTITY = "handoff_mode"
DISCREET_MODE = "discreet"


class HandoffAction(Enum):
    """What a button on a hand-off card does; the value is its verb in the callback data."""

    TAKE = "take"
    CLOSE = "close"
    ROUTE = "route"  # show the stations to re-route to
    ROUTE_TO = "to"  # re-route to the press's station


@dataclass(frozen=True)
class HandoffPress:
    """A press on a hand-off card's button: `h:<verb>:<id>[:<station>]`."""

    action: HandoffAction
    handoff: int
    station: str | None = None  # only for ROUTE_TO

    def encode(self) -> str:
        """The button's callback data."""
        if (self.station is not None) != (self.action is HandoffAction.ROUTE_TO):
            raise ValueError("a station goes with ROUTE_TO only")
        if self.handoff <= 0:
            raise ValueError("not a hand-off id")
        parts = [self.action.value, str(self.handoff)]
        if self.station is not None:
            parts.append(colon_field(self.station))
        data = HANDOFF_PREFIX + ":".join(parts)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError("callback data over 64 bytes")
        return data

    @classmethod
    def decode(cls, data: str) -> HandoffPress | None:
        """The press behind callback data; None if it is not a hand-off button's."""
        if not data.startswith(HANDOFF_PREFIX):
            return None
        verb, *rest = data.removeprefix(HANDOFF_PREFIX).split(":")
        try:
            action = HandoffAction(verb)
        except ValueError:
            return None
        wanted = 2 if action is HandoffAction.ROUTE_TO else 1
        if len(rest) != wanted or not all(rest):
            return None
        number = rest[0]
        if not (number.isascii() and number.isdigit()) or str(int(number)) != number:
            return None  # only the digits encode() writes: "12", never "012" or "١٢"
        if int(number) <= 0:
            return None
        return cls(action, int(number), rest[1] if wanted == 2 else None)
