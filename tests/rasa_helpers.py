"""Trackers built in code, and actions run on them, for the action tests."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    form: str | None = None,
    **entities: str,
) -> Tracker:
    """A tracker whose latest message is `text`, read as `intent` with `entities`, in
    English unless `slots` says otherwise, with `form` active if given."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
    }
    loop = {"name": form} if form else {}
    slots = {"language": "en", **(slots or {})}
    return Tracker("pseudonym-1", slots, message, [], False, None, loop, "action_listen")


async def run(action: Action, t: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The slots the action sets, by name, and the messages it utters."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, dispatcher.messages


async def validate(action: Action, t: Tracker) -> tuple[dict[str, Any], list[str]]:
    """The slots a validator sets, and what it says: each message's response, or its text."""
    slots, messages = await run(action, t)
    return slots, [m.get("response") or m.get("text") or "" for m in messages]
