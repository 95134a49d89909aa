"""nlu/answered.py (in the Rasa env): a turn asked again is answered with the replies
that followed it, as the REST channel sent them, and only those."""

from __future__ import annotations

from tests.rasa_env import in_rasa

SCRIPT = """
import json
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from nlu.answered import recorded

buttons = [{"title": "No photo", "payload": "/deny"}]
events = [
    ActionExecuted("action_listen"),
    UserUttered("hello", message_id="u1", parse_data={"intent": {"name": "greet"}}),
    BotUttered("Hello!"),
    ActionExecuted("action_listen"),
    UserUttered("report", message_id="u2", parse_data={"intent": {"name": "report"}}),
    BotUttered("What happened?", {"buttons": buttons}),
    BotUttered(None, {"custom": {"directive": "x"}}),
    BotUttered("Pick one", {"quick_replies": buttons}),
    ActionExecuted("action_listen"),
    UserUttered("later", message_id="u3"),
    BotUttered("not part of u2"),
]
print(json.dumps({
    "u2": recorded(events, "u2", "p1"),
    "u1": recorded(events, "u1", "p1"),
    "never": recorded(events, "u9", "p1"),
}))
"""


def test_the_replies_that_followed_the_turn_and_its_parse() -> None:
    found = in_rasa(SCRIPT)
    buttons = [{"title": "No photo", "payload": "/deny"}]
    replies, parse = found["u2"]
    assert replies == [
        {"recipient_id": "p1", "text": "What happened?", "buttons": buttons},
        {"recipient_id": "p1", "custom": {"directive": "x"}},
        {"recipient_id": "p1", "text": "Pick one", "buttons": buttons},
    ]
    assert parse["intent"] == {"name": "report"}  # for the emergency line's check
    assert found["u1"][0] == [{"recipient_id": "p1", "text": "Hello!"}]
    assert found["never"] is None  # never taken, or wiped by /exit: Rasa takes it now
