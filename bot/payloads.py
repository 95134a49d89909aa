"""Button payloads as Rasa receives them, with the user's language added.

Rasa handles `/intent{"entity": "value"}` messages without running the NLU
pipeline, so the language the pipeline would add must travel in the payload
itself. Topic buttons carry `topic:<name>` (Rasa responses cannot hold braces)
and become `/choose_topic{"faq_topic": "<name>"}` here. Both forms are built and
parsed by mps.contract.
"""

from __future__ import annotations

from mps.contract import parse_intent_payload, parse_topic, topic_intent


def to_rasa(payload: str, language: str) -> str:
    """The message to send to Rasa for a pressed button (anything else unchanged)."""
    topic = parse_topic(payload)
    parsed = topic_intent(topic) if topic is not None else parse_intent_payload(payload)
    if parsed is None:
        return payload
    return parsed.with_entities(language=language).encode()
