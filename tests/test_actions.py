"""Custom actions, with a fresh dispatcher and trackers built in code."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaqTopic
from actions.texts import label


def _tracker(slots: dict[str, Any]) -> Tracker:
    return Tracker("u1", slots, {}, [], False, None, {}, "action_listen")


async def test_a_chosen_topic_utters_its_answer() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaqTopic().run(
        dispatcher, _tracker({"faq_topic": "cybercrime", "language": "ar"}), {}
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/cybercrime"]
    assert events == [{"event": "slot", "timestamp": None, "name": "faq_topic", "value": None}]


async def test_an_unknown_or_forged_topic_gets_a_polite_answer() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaqTopic().run(dispatcher, _tracker({"faq_topic": "../secrets"}), {})
    assert [m["text"] for m in dispatcher.messages] == [label("unknown_topic", "en")]
