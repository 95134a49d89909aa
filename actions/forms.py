"""The base of the form validators: read the whole message each turn, fill what it names,
ask for the rest; and the base of the actions that stop a form.

A validator builds one `FormTurn` per message and calls its steps, one method
per slot. A step fills its slot from the message (`set`), refuses a bad value
at once (says why and forgets the slot), or notes a `complaint`: the message
key said, with the same question again, when the turn fills nothing at all.
Which intents count as an answer is in actions/intents.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.intents import FormIntents
from actions.texts import language_of, say
from actions.tracker import entity_values, free_text, intent_of


def forget(slots: Iterable[str]) -> list[dict[str, Any]]:
    """Slot events that forget a form's answers."""
    return [SlotSet(name, None) for name in slots]


class FormTurn:
    """One user turn of a form and the slot changes it makes."""

    intents = FormIntents()
    # Slots whose change undoes a confirmation already asked for.
    confirmed_by: frozenset[str] = frozenset()

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.intent = intent_of(tracker)
        self.requested: str | None = tracker.get_slot("requested_slot")
        self.language = language_of(tracker)
        self.entities = entity_values(tracker)
        self.text = free_text(tracker)
        self.answering = (
            self.intent in self.intents.answers or self.requested is None or self.answers_anyway()
        )
        self.insisting = self.intent in self.intents.insisting
        self.changes: dict[str, Any] = {}
        self.complaint: str | None = None
        self.corrected = False

    def answers_anyway(self) -> bool:
        """A message of another intent that still answers the form (none by default)."""
        return False

    def takes(self, step: str) -> bool:
        """`step` is asked and the message is one its answer may come in."""
        return self.requested == step and self.intents.takes(step, self.intent)

    def reads(self, step: str) -> bool:
        """The message is read for `step`: it answers the form, or `step` takes it."""
        return self.answering or self.takes(step)

    def slot(self, name: str) -> Any:
        """A slot's value as this turn leaves it."""
        return self.changes.get(name, self.tracker.get_slot(name))

    def set(self, name: str, value: Any) -> None:
        """Fill (or empty) a slot; changing one in `confirmed_by` is a correction."""
        if value != self.tracker.get_slot(name) and name in self.confirmed_by:
            self.corrected = True
        self.changes[name] = value

    def yes_or_no(self, name: str, value: bool, ending: bool) -> None:
        """Fill a yes/no slot; the answer `ending` also ends the form at once."""
        self.set(name, value)
        if value is ending:
            self.set("requested_slot", None)

    def ask_again(self, name: str) -> None:
        """Empty a slot so that the form asks for it again (not a correction)."""
        self.changes[name] = None

    def say(self, key: str, **values: Any) -> None:
        """Say the text `key` of texts/ (a complaint...) in the reader's language."""
        say(self.dispatcher, key, self.language, **values)

    def events(self) -> list[dict[str, Any]]:
        """The turn's slot events. A turn that filled nothing, from a message the form
        must understand, says its complaint and asks the same again; otherwise no
        events hand the message to the rules."""
        if not self.changes and self.requested is not None and (self.complaint or self.insisting):
            if self.complaint:
                self.say(self.complaint)
            self.ask_again(self.requested)
        return [SlotSet(name, value) for name, value in self.changes.items()]


class StopFormAction(Action, ABC):
    """Leaves a form and forgets its answers (another topic, an emergency, "no").
    Abstract, so Rasa SDK registers only the subclasses."""

    slots: tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> str:
        """Name of the action in the domain."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Deactivate the form and reset its slots."""
        return [ActiveLoop(None), SlotSet("requested_slot", None), *forget(self.slots)]
