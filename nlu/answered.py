"""A turn the bot sends again: Rasa answers it from the conversation, not by taking it twice.

The bot names each turn by its Telegram update (`message_id`). When a bot replica
dies after Rasa took a turn and before the replies reached the citizen, another
replica hands the update over (bot/journal.py) and posts it again with
`"again": true`. Taking it twice would move a form on by one step (a description
read as the answer to the next question). So, under the conversation's lock (the
same lock Rasa takes for a turn, so a first attempt still running is waited for),
the tracker is searched for a user message with that id: if it is there, the
replies Rasa sent after it are returned as they were sent; if not, the turn is
taken now.
"""

from __future__ import annotations

from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered

# What the REST channel sends of a bot message (CollectingOutputChannel._message).
FIELDS = ("text", "image", "buttons", "attachment", "custom")


def recorded(
    events: list[Event], message_id: str, recipient: str
) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """The replies that followed the user message `message_id` and its parse, or None
    if the conversation has no such message (never taken, or wiped since)."""
    start = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if isinstance(events[i], UserUttered) and events[i].message_id == message_id
        ),
        None,
    )
    if start is None:
        return None
    replies: list[dict[str, Any]] = []
    for event in events[start + 1 :]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            fields = {"text": event.text, **event.data}
            if fields.get("buttons") is None and event.data.get("quick_replies"):
                fields["buttons"] = event.data["quick_replies"]
            found = {k: fields[k] for k in FIELDS if fields.get(k) is not None}
            replies.append({"recipient_id": recipient, **found})
    user = events[start]
    assert isinstance(user, UserUttered)
    return replies, user.parse_data or {}


async def answer_again(
    agent: Agent, message: UserMessage
) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """The first answer to `message` if Rasa took it, else None once it is taken now
    (its replies then go to the message's output channel)."""
    assert agent.lock_store is not None and agent.tracker_store is not None
    assert agent.processor is not None
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        if tracker is not None and message.message_id:
            found = recorded(list(tracker.events), message.message_id, message.sender_id)
            if found is not None:
                return found
        await agent.processor.handle_message(message)
    return None
