"""Actions of the FAQ flow."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import language_of, say
from mps.faq import FAQ_TOPICS


class ActionAnswerFaqTopic(Action):
    """Answers the FAQ topic chosen with a button (`/choose_topic{"faq_topic":…}`)."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_answer_faq_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the topic's answer, or say politely that the topic is unknown."""
        topic = tracker.get_slot("faq_topic")
        if topic in FAQ_TOPICS:
            dispatcher.utter_message(response=f"utter_faq/{topic}")
        else:
            say(dispatcher, "unknown_topic", language_of(tracker))
        return [SlotSet("faq_topic", None)]
