"""The buttons a text of texts/ carries: FAQ topics (`topic_buttons`), then its own.

One function for `nlu/build.py` (Rasa responses) and the actions (catalogue
texts), so a text has the same buttons whichever way it is said.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mps.contract import topic_payload
from mps.localized import Localized

# The topics of `topic_buttons: main`; `all` is every topic, in data/faq/'s order.
MAIN_TOPICS = (
    "opening_hours",
    "clearance_certificate",
    "lost_documents",
    "family_protection",
    "open_house_days",
    "emergency_numbers",
)


def text_buttons(
    entry: Mapping[str, Any], titles: Mapping[str, Localized], language: str
) -> list[dict[str, str]]:
    """The buttons of a texts/ entry in `language`: its FAQ topics (titled from
    `titles`, topic by topic), then its own `buttons`."""
    chosen = entry.get("topic_buttons")
    topics = () if not chosen else MAIN_TOPICS if chosen == "main" else tuple(titles)
    buttons = [{"title": titles[t].get(language), "payload": topic_payload(t)} for t in topics]
    for button in entry.get("buttons", []):
        title = button["title"]
        buttons.append({"title": title.get(language, title["en"]), "payload": button["payload"]})
    return buttons
