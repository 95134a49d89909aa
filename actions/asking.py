"""The base of a form's question actions (`action_ask_<slot>`): text and buttons, or a
response of the domain."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import language_of

# A question's text and its buttons.
Question = tuple[str, list[dict[str, str]]]


@dataclass(frozen=True)
class Ask:
    """A question as a response of the domain, with its buttons and template values,
    and the slot events that go with it (no response: only the events)."""

    response: str | None
    buttons: list[dict[str, str]] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)


class AskAction(Action, ABC):
    """Asks for `slot`; subclasses say what. Abstract, so Rasa SDK registers only them."""

    slot = ""

    def name(self) -> str:
        """Name of the action in the domain."""
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the question."""
        asked = await self.question(tracker, language_of(tracker))
        if isinstance(asked, Ask):
            if asked.response is not None:
                dispatcher.utter_message(
                    response=asked.response, buttons=asked.buttons, **asked.values
                )
            return asked.events
        text, buttons = asked
        dispatcher.utter_message(text=text, buttons=buttons)
        return []

    @abstractmethod
    async def question(self, tracker: Tracker, language: str) -> Question | Ask:
        """The question in `language`: its text and buttons, or a response to utter."""
