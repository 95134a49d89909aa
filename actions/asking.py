"""The base of a form's question actions (`action_ask_<slot>`): text and buttons."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import language_of

# A question's text and its buttons.
Question = tuple[str, list[dict[str, str]]]


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
        text, buttons = await self.question(tracker, language_of(tracker))
        dispatcher.utter_message(text=text, buttons=buttons)
        return []

    @abstractmethod
    async def question(self, tracker: Tracker, language: str) -> Question:
        """The question's text and buttons in `language`."""
