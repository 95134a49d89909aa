"""What is left of a user's message before anyone reads it.

`clean_text` drops what no one should see: control characters, lone
surrogates, and the invisible format characters that can reorder or hide text
in a staff card (bidi overrides, zero-width spaces). It keeps the zero-width
joiner and non-joiner: Kurdish and Persian spelling and emoji need them.

`plain_text` makes sure Rasa reads typed text as words. Rasa takes any message
that starts with `/` (after stripping spaces, and after our own normaliser has
dropped invisible characters or folded a full-width `／`) as
`/intent{"entity": "value"}` and skips the language model; only the bot's own
buttons may do that.
"""

from __future__ import annotations

from mps.text import clean_text, normalize

__all__ = ["clean_text", "plain_text"]  # clean_text lives in mps.text (Open311 uses it too)


def plain_text(text: str) -> str:
    """The text without what would make Rasa read it as an intent payload."""
    while text and (text.startswith("/") or normalize(text).startswith("/")):
        text = text[1:].strip()
    return text
