"""Directives: the bot's instructions in Rasa custom messages.

A ticket, a report link, a language menu, a map pin, a document, a hand-off to open.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import Any, ClassVar

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


@dataclass(frozen=True)
class HandoffStart(Directive):
    """Open a hand-off of this chat to a station's staff (`{"handoff": {"station": …,
    "discreet": …, "question": …}}`): `question` is the last one the assistant could not
    answer, only when the citizen agreed to pass it on (never for a discreet one)."""

    station: str
    discreet: bool = False
    question: str | None = None
    key: ClassVar[str] = "handoff"

    def body(self) -> Any:
        """The station, whether it is discreet, and the question (or null)."""
        return {"station": self.station, "discreet": self.discreet, "question": self.question}

    @classmethod
    def from_body(cls, body: Any) -> HandoffStart | None:
        """A hand-off needs its station; a discreet one never carries a question."""
        station = _text_field(body, "station")
        if not station:
            return None
        discreet = body.get("discreet") is True
        question = None if discreet else _text_field(body, "question")
        return cls(station, discreet, question or None)


DIRECTIVES: tuple[type[Directive], ...] = (
    LanguageMenu,
    Ticket,
    ReportLink,
    CallbackFiled,
    Pin,
    Document,
    HandoffStart,
)
