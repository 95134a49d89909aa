"""Telegram file ids: the only thing a report's photo may be.

A file id is URL-safe base64 (letters, digits, `-` and `_`). Anything else in
the photo entity (a URL, a path, text) was not made by the bot's photo
handler, and would let someone choose what Telegram fetches into staff chats.
"""

from __future__ import annotations

import re

_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,200}")


def is_file_id(value: object) -> bool:
    """Whether `value` has the shape of a Telegram file id."""
    return isinstance(value, str) and _FILE_ID.fullmatch(value) is not None
