"""Every string that crosses a process boundary: one builder and one parser each.

- Rasa intent payloads, `/intent@0.9{"entity": "value"}` (buttons, bot commands);
- FAQ topic buttons, `topic:<name>` (Rasa reads braces in a response as slots);
- directives: the bot's instructions in Rasa custom messages (a ticket, a report
  link, a map pin…);
- staff card buttons, `r:<verb>:<reference>[:<station>]` (Telegram callback data);
- outbox changes, `status:<old>:<new>` and `reroute:<station>` (database rows);
- actors of report events, `staff:<id>` or `citizen` (database rows).

The bot, the actions, nlu/build.py and the tests import it; nothing here knows
Telegram or Rasa. Parsers return None for anything malformed: callback data and
button payloads can be forged, and old rows and old cards must still decode.
"""

from __future__ import annotations

import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, ClassVar

# --- Rasa intent payloads -------------------------------------------------------------

_INTENT_NAME = re.compile(r"[A-Za-z0-9_/]+")
_INTENT = re.compile(r"/([A-Za-z0-9_/]+)(?:@([0-9]*\.?[0-9]+))?")
# The Exit button's payload: the bot acts on it itself (bot/quick_exit.py), Rasa never
# sees it.
EXIT_PAYLOAD = "/exit"


@dataclass(frozen=True)
class IntentPayload:
    """A message Rasa takes as an intent with entities, without running the NLU pipeline."""

    intent: str
    entities: Mapping[str, Any] = field(default_factory=dict)
    confidence: float | None = None

    def encode(self) -> str:
        """`/intent`, `/intent@0.9` or `/intent{"entity": "value"}` (JSON, never hand-built)."""
        if _INTENT_NAME.fullmatch(self.intent) is None:
            raise ValueError(f"not an intent name: {self.intent!r}")
        text = "/" + self.intent
        if self.confidence is not None:
            if not 0 <= self.confidence <= 1:
                raise ValueError(f"not a confidence: {self.confidence!r}")
            # Digits and a point only: Rasa reads `@[0-9.]+`.
            text += "@" + f"{self.confidence:.6f}".rstrip("0").rstrip(".")
        if self.entities:
            text += json.dumps(dict(self.entities), ensure_ascii=False)
        return text

    def with_entities(self, /, **entities: Any) -> IntentPayload:
        """The same payload with more entities (e.g. the user's language)."""
        return IntentPayload(self.intent, {**self.entities, **entities}, self.confidence)


def intent_payload(intent: str, /, **entities: Any) -> str:
    """A button payload: `/intent{"entity": "value"}` (`/intent` without entities)."""
    return IntentPayload(intent, entities).encode()


def parse_intent_payload(text: str) -> IntentPayload | None:
    """The intent, confidence and entities of a payload; None if it is not one."""
    head, brace, rest = text.partition("{")
    found = _INTENT.fullmatch(head)
    if found is None:
        return None
    entities: Any = {}
    if brace:
        try:
            entities = json.loads(brace + rest)
        except ValueError:
            return None
        if not isinstance(entities, dict):
            return None
    confidence = float(found[2]) if found[2] is not None else None
    return IntentPayload(found[1], entities, confidence)


# --- FAQ topic buttons ----------------------------------------------------------------

TOPIC_PREFIX = "topic:"
_TOPIC = re.compile(r"[a-z_]{1,40}")
# What a topic button becomes in the bot: this intent with the topic as FAQ_TOPIC.
CHOOSE_TOPIC = "choose_topic"
FAQ_TOPIC = "faq_topic"


def topic_payload(topic: str) -> str:
    """The payload of a button that answers one FAQ topic: `topic:<name>`."""
    if _TOPIC.fullmatch(topic) is None:
        raise ValueError(f"not a topic name: {topic!r}")
    return TOPIC_PREFIX + topic


def parse_topic(text: str) -> str | None:
    """The topic of a topic button's payload; None if it is not one."""
    topic = text.removeprefix(TOPIC_PREFIX)
    if topic == text or _TOPIC.fullmatch(topic) is None:
        return None
    return topic


def topic_intent(topic: str) -> IntentPayload:
    """The intent a topic button stands for: `/choose_topic{"faq_topic": "<name>"}`."""
    return IntentPayload(CHOOSE_TOPIC, {FAQ_TOPIC: topic})


# --- Directives: the bot's instructions in Rasa custom messages -------------------------


class Directive(ABC):
    """An instruction to the bot in a custom message: `{"<key>": <body>}`."""

    key: ClassVar[str]

    @abstractmethod
    def body(self) -> Any:
        """What goes under the key."""

    @classmethod
    @abstractmethod
    def from_body(cls, body: Any) -> Directive | None:
        """The directive of a body; None if it is malformed."""

    def to_json(self) -> dict[str, Any]:
        """The custom message (`json_message` of the actions' dispatcher)."""
        return {self.key: self.body()}

    @staticmethod
    def parse(custom: object) -> Directive | None:
        """The first well-formed directive in a custom message; None if there is none."""
        if not isinstance(custom, dict):
            return None
        for kind in DIRECTIVES:
            if kind.key in custom:
                found = kind.from_body(custom[kind.key])
                if found is not None:
                    return found
        return None


@dataclass(frozen=True)
class LanguageMenu(Directive):
    """Show the language menu (`{"action": "language_menu"}`, a Rasa response)."""

    key: ClassVar[str] = "action"

    def body(self) -> Any:
        """The constant body."""
        return "language_menu"

    @classmethod
    def from_body(cls, body: Any) -> LanguageMenu | None:
        """Only the language menu is an action."""
        return cls() if body == "language_menu" else None


def _text_field(body: Any, name: str) -> str | None:
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class _OneText(Directive):
    """A directive whose body is its one text field: `{"<key>": {"<field>": "…"}}`."""

    def body(self) -> Any:
        """The field by its name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_body(cls, body: Any) -> Directive | None:
        """It needs its field."""
        [only] = fields(cls)
        value = _text_field(body, only.name)
        return cls(**{only.name: value}) if value is not None else None


@dataclass(frozen=True)
class Ticket(_OneText):
    """Send a booking's calendar file and QR code (`{"ticket": {"code": …}}`)."""

    code: str
    key: ClassVar[str] = "ticket"


@dataclass(frozen=True)
class _AboutReport(_OneText):
    reference: str


class ReportLink(_AboutReport):
    """Link the chat to a report just filed, for its updates (`{"report": {"reference": …}}`)."""

    key: ClassVar[str] = "report"


class CallbackFiled(_AboutReport):
    """Tell this chat when a call-back request reaches an officer (`{"callback": …}`)."""

    key: ClassVar[str] = "callback"


@dataclass(frozen=True)
class Pin(Directive):
    """A map pin (`{"location": {"latitude": …, "longitude": …}}`)."""

    latitude: float
    longitude: float
    key: ClassVar[str] = "location"

    def body(self) -> Any:
        """The point."""
        return {"latitude": self.latitude, "longitude": self.longitude}

    @classmethod
    def from_body(cls, body: Any) -> Pin | None:
        """A pin needs two finite numbers (numeric strings too, as Rasa may send them)."""
        if not isinstance(body, dict):
            return None
        try:
            latitude, longitude = float(body["latitude"]), float(body["longitude"])
        except (KeyError, TypeError, ValueError):
            return None
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return None
        return cls(latitude, longitude)


@dataclass(frozen=True)
class Document(Directive):
    """A file to send (`{"document": {"url": …, "caption": …, "filename": …}}`)."""

    url: str
    caption: str = ""
    filename: str | None = None
    key: ClassVar[str] = "document"

    def body(self) -> Any:
        """The file's address, caption and name."""
        return {"url": self.url, "caption": self.caption, "filename": self.filename}

    @classmethod
    def from_body(cls, body: Any) -> Document | None:
        """A document needs its address."""
        url = _text_field(body, "url")
        if not url:
            return None
        return cls(url, _text_field(body, "caption") or "", _text_field(body, "filename"))


DIRECTIVES: tuple[type[Directive], ...] = (
    LanguageMenu,
    Ticket,
    ReportLink,
    CallbackFiled,
    Pin,
    Document,
)


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


def _field(value: str) -> str:
    """A field of a `:`-separated string: not empty, no `:`."""
    if not value or ":" in value:
        raise ValueError(f"not a field: {value!r}")
    return value


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
        parts = [self.action.value, _field(self.reference)]
        if self.station is not None:
            parts.append(_field(self.station))
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


# --- Outbox changes: what a citizen update announces ----------------------------------


@dataclass(frozen=True)
class StatusChange:
    """A report's status changed: `status:<old>:<new>`."""

    old: str
    new: str

    def encode(self) -> str:
        """The outbox row's `what`."""
        return f"status:{_field(self.old)}:{_field(self.new)}"


@dataclass(frozen=True)
class Reroute:
    """A report went to another station: `reroute:<station>`."""

    station: str

    def encode(self) -> str:
        """The outbox row's `what`."""
        return f"reroute:{_field(self.station)}"


Change = StatusChange | Reroute


def decode_change(what: str) -> Change | None:
    """The change an outbox row announces; None if it is not one."""
    kind, *parts = what.split(":")
    if not all(parts):
        return None
    if kind == "status" and len(parts) == 2:
        return StatusChange(parts[0], parts[1])
    if kind == "reroute" and len(parts) == 1:
        return Reroute(parts[0])
    return None


# --- Actors of report events ----------------------------------------------------------

CITIZEN = "citizen"
_STAFF = "staff:"


def staff_actor(user_id: int) -> str:
    """The actor of a staff member's change: `staff:<id>` (their Telegram id)."""
    return f"{_STAFF}{int(user_id)}"


def staff_of(actor: str) -> int | None:
    """The staff member behind an actor; None for the citizen or anything else."""
    number = actor.removeprefix(_STAFF)
    if number == actor or not number.removeprefix("-").isdigit() or not number.isascii():
        return None
    user = int(number)
    return user if staff_actor(user) == actor else None  # one spelling only: no "007"
