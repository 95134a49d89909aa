"""Button payloads as Rasa receives them, with the user's language added.

Rasa handles `/intent{"entity": "value"}` messages without running the NLU
pipeline, so the language the pipeline would add must travel in the payload
itself. Topic buttons carry `topic:<name>` (Rasa responses cannot hold
braces) and become `/choose_topic{"faq_topic": "<name>"}` here.
"""

from __future__ import annotations

import json
import re

_INTENT_PAYLOAD = re.compile(r"^(/[A-Za-z0-9_/]+)(@[0-9.]+)?(\{.*\})?$", re.DOTALL)
_TOPIC = re.compile(r"^topic:([a-z_]{1,40})$")


def to_rasa(payload: str, language: str) -> str:
    """The message to send to Rasa for a pressed button."""
    topic = _TOPIC.match(payload)
    if topic:
        payload = "/choose_topic" + json.dumps({"faq_topic": topic.group(1)})
    match = _INTENT_PAYLOAD.match(payload)
    if match is None:
        return payload
    intent, confidence, raw = match.groups()
    try:
        entities = json.loads(raw) if raw else {}
    except ValueError:
        return payload
    if not isinstance(entities, dict):
        return payload
    entities["language"] = language
    return intent + (confidence or "") + json.dumps(entities, ensure_ascii=False)
