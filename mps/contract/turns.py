"""What a turn was, as Rasa's REST channel tells the bot: an FAQ topic answered, or a
message the assistant could not read.

The channel (nlu/channel.py) reads the turn's parse and sends the note in a response
header, `X-MPS-Turn: faq:<topic>` or `X-MPS-Turn: unanswered`; the bot, which owns the
database, counts it (mps.question_counts). The note holds neither the text nor the
sender. Rasa's body stays its own REST format, so a client that does not know the
header loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mps.contract.payloads import CHOOSE_TOPIC, FAQ_TOPIC

TURN_HEADER = "X-MPS-Turn"
FAQ, UNANSWERED = "faq", "unanswered"
# The intent Rasa gives a message it could not read (nlu.classifier, UnknownWordsFallback).
FALLBACK_INTENT = "nlu_fallback"
_TOPIC = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class TurnNote:
    """An FAQ topic answered (`kind` "faq" with its `topic`) or a message not understood."""

    kind: Literal["faq", "unanswered"]
    topic: str | None = None

    def encode(self) -> str:
        """The header's value: `faq:<topic>` or `unanswered`."""
        if self.kind == UNANSWERED:
            return UNANSWERED
        if self.topic is None or _TOPIC.fullmatch(self.topic) is None:
            raise ValueError(f"not a topic name: {self.topic!r}")
        return f"{FAQ}:{self.topic}"

    @classmethod
    def decode(cls, value: str | None) -> TurnNote | None:
        """The note of a header's value; None for no header or anything malformed."""
        if value == UNANSWERED:
            return cls("unanswered")
        kind, colon, topic = (value or "").partition(":")
        if kind == FAQ and colon and _TOPIC.fullmatch(topic):
            return cls("faq", topic)
        return None

    @classmethod
    def of_parse(cls, parse: Mapping[str, Any]) -> TurnNote | None:
        """The note of a turn from Rasa's parse of its message: a question the response
        selector answered (`faq`), a topic button (`choose_topic`), or `nlu_fallback`;
        None for every other turn."""
        intent = (parse.get("intent") or {}).get("name")
        topic: object = None
        if intent == FALLBACK_INTENT:
            return cls("unanswered")
        if intent == FAQ:
            selector = (parse.get("response_selector") or {}).get(FAQ) or {}
            key = str((selector.get("response") or {}).get("intent_response_key") or "")
            topic = key.removeprefix(FAQ + "/") if key.startswith(FAQ + "/") else None
        elif intent == CHOOSE_TOPIC:
            topic = next(
                (
                    e.get("value")
                    for e in parse.get("entities") or []
                    if e.get("entity") == FAQ_TOPIC
                ),
                None,
            )
        if isinstance(topic, str) and _TOPIC.fullmatch(topic):
            return cls("faq", topic)
        return None
