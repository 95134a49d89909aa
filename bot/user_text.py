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

import unicodedata

from mps.text import normalize

_KEPT_FORMAT = {"\u200c", "\u200d"}  # zero-width non-joiner and joiner


def _kept(char: str) -> bool:
    if 0xD800 <= ord(char) <= 0xDFFF:
        return False
    category = unicodedata.category(char)
    if category == "Cc":
        return char in "\n\t"
    return category != "Cf" or char in _KEPT_FORMAT


def clean_text(text: str) -> str:
    """Drop control and invisible format characters and lone surrogates; keep line breaks."""
    return "".join(c for c in text if _kept(c)).strip()


def plain_text(text: str) -> str:
    """The text without what would make Rasa read it as an intent payload."""
    while text and (text.startswith("/") or normalize(text).startswith("/")):
        text = text[1:].strip()
    return text
