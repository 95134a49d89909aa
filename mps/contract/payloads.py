"""Rasa intent payloads and FAQ topic buttons.

`/intent@0.9{"entity": "value"}` (buttons, bot commands) and `topic:<name>`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# --- Rasa intent payloads -------------------------------------------------------------

_INTENT_NAME = re.compile(r"[A-Za-z0-9_/]+")
_INTENT = re.compile(r"/([A-Za-z0-9_/]+)(?:@([0-9]*\.?[0-9]+))?")
# The Exit button's payload: the bot acts on it itself (bot/quick_exit.py), Rasa never
# sees it.
EXIT_PAYLOAD = "/exit"


@dataclass(frozen=True)
class IntentPayload:
    """A message Rasa takes as an intent with entities, without running the NLU pipeline."""

    intent: str
    entities: Mapping[str, Any] = field(default_factory=dict)
    confidence: float | None = None

    def encode(self) -> str:
        """`/intent`, `/intent@0.9` or `/intent{"entity": "value"}` (JSON, never hand-built)."""
        if _INTENT_NAME.fullmatch(self.intent) is None:
            raise ValueError(f"not an intent name: {self.intent!r}")
        text = "/" + self.intent
        if self.confidence is not None:
            if not 0 <= self.confidence <= 1:
                raise ValueError(f"not a confidence: {self.confidence!r}")
            # Digits and a point only: Rasa reads `@[0-9.]+`.
            text += "@" + f"{self.confidence:.6f}".rstrip("0").rstrip(".")
        if self.entities:
            text += json.dumps(dict(self.entities), ensure_ascii=False)
        return text

    def with_entities(self, /, **entities: Any) -> IntentPayload:
        """The same payload with more entities (e.g. the user's language)."""
        return IntentPayload(self.intent, {**self.entities, **entities}, self.confidence)


def intent_payload(intent: str, /, **entities: Any) -> str:
    """A button payload: `/intent{"entity": "value"}` (`/intent` without entities)."""
    return IntentPayload(intent, entities).encode()


def parse_intent_payload(text: str) -> IntentPayload | None:
    """The intent, confidence and entities of a payload; None if it is not one."""
    head, brace, rest = text.partition("{")
    found = _INTENT.fullmatch(head)
    if found is None:
        return None
    entities: Any = {}
    if brace:
        try:
            entities = json.loads(brace + rest)
        except ValueError:
            return None
        if not isinstance(entities, dict):
            return None
    confidence = float(found[2]) if found[2] is not None else None
    return IntentPayload(found[1], entities, confidence)


# --- FAQ topic buttons ----------------------------------------------------------------

TOPIC_PREFIX = "topic:"
_TOPIC = re.compile(r"[a-z_]{1,40}")
# What a topic button becomes in the bot: this intent with the topic as FAQ_TOPIC.
CHOOSE_TOPIC = "choose_topic"
FAQ_TOPIC = "faq_topic"


def topic_payload(topic: str) -> str:
    """The payload of a button that answers one FAQ topic: `topic:<name>`."""
    if _TOPIC.fullmatch(topic) is None:
        raise ValueError(f"not a topic name: {topic!r}")
    return TOPIC_PREFIX + topic


def parse_topic(text: str) -> str | None:
    """The topic of a topic button's payload; None if it is not one."""
    topic = text.removeprefix(TOPIC_PREFIX)
    if topic == text or _TOPIC.fullmatch(topic) is None:
        return None
    return topic


def topic_intent(topic: str) -> IntentPayload:
    """The intent a topic button stands for: `/choose_topic{"faq_topic": "<name>"}`."""
    return IntentPayload(CHOOSE_TOPIC, {FAQ_TOPIC: topic})
