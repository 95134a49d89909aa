"""Staff card buttons: `r:<verb>:<reference>[:<station>]` (Telegram callback data)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mps.contract.fields import colon_field

# --- Staff card buttons ---------------------------------------------------------------


class CardAction(Enum):
    """What a button on a staff card does; the value is its verb in the callback data."""

    ACKNOWLEDGE = "ack"
    IN_PROGRESS = "prog"
    ROUTE = "route"  # show the stations to re-route to
    ROUTE_TO = "to"  # re-route to the press's station
    ASK = "ask"
    CLOSE = "close"


# The status each status button sets.
CARD_STATUS = {CardAction.ACKNOWLEDGE: "acknowledged", CardAction.IN_PROGRESS: "in_progress"}
CARD_PREFIX = "r:"
# Telegram refuses callback data over 64 bytes.
CALLBACK_DATA_LIMIT = 64


@dataclass(frozen=True)
class CardPress:
    """A press on a staff card's button: `r:<verb>:<reference>[:<station>]`."""

    action: CardAction
    reference: str
    station: str | None = None  # only for ROUTE_TO

    def encode(self) -> str:
        """The button's callback data (the same strings as cards already sent)."""
        if (self.station is not None) != (self.action is CardAction.ROUTE_TO):
            raise ValueError("a station goes with ROUTE_TO only")
        parts = [self.action.value, colon_field(self.reference)]
        if self.station is not None:
            parts.append(colon_field(self.station))
        data = CARD_PREFIX + ":".join(parts)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError("callback data over 64 bytes")
        return data

    @classmethod
    def decode(cls, data: str) -> CardPress | None:
        """The press behind callback data; None if it is not a card button's."""
        if not data.startswith(CARD_PREFIX):
            return None
        verb, *rest = data.removeprefix(CARD_PREFIX).split(":")
        try:
            action = CardAction(verb)
        except ValueError:
            return None
        wanted = 2 if action is CardAction.ROUTE_TO else 1
        if len(rest) != wanted or not all(rest):
            return None
        return cls(action, rest[0], rest[1] if wanted == 2 else None)
