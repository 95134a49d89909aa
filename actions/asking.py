"""The base of a form's question actions (`action_ask_<slot>`): text and buttons, or a
text of texts/ by key."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import language_of, say

# A question's text and its buttons.
Question = tuple[str, list[dict[str, str]]]


@dataclass(frozen=True)
class Ask:
    """A question as a text of texts/, with its buttons (after the text's own) and
    template values, and the slot events that go with it (no key: only the events)."""

    key: str | None
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
        language = language_of(tracker)
        asked = await self.question(tracker, language)
        if isinstance(asked, Ask):
            if asked.key is not None:
                say(dispatcher, asked.key, language, asked.buttons, **asked.values)
            return asked.events
        text, buttons = asked
        dispatcher.utter_message(text=text, buttons=buttons)
        return []

    @abstractmethod
    async def question(self, tracker: Tracker, language: str) -> Question | Ask:
        """The question in `language`: its text and buttons, or a text of texts/ to say."""
