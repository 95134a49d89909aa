"""Short codes people read aloud and type: no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes."""

from __future__ import annotations

import re
import secrets

from mps.text import normalize

ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
BOOKING_CODE_LENGTH = 6
_TYPED = re.compile(r"[\s\-_.]")


def new_code(length: int = BOOKING_CODE_LENGTH) -> str:
    """A random code from the unambiguous alphabet (about 27 bits for 6 characters)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def clean_code(text: str) -> str:
    """A code as typed (any case, spaces or dashes, Arabic-Indic digits) in canonical form."""
    return _TYPED.sub("", normalize(text)).upper()


def looks_like_code(text: str, length: int = BOOKING_CODE_LENGTH) -> bool:
    """Whether `text` is a well-formed code of `length` characters."""
    code = clean_code(text)
    return len(code) == length and all(c in ALPHABET for c in code)


def find_code(text: str, length: int = BOOKING_CODE_LENGTH) -> str | None:
    """The first well-formed code among the words of `text`."""
    for word in re.findall(r"[A-Za-z0-9\u0660-\u0669\u06f0-\u06f9]+(?:-[A-Za-z0-9]+)*", text):
        if looks_like_code(word, length) and any(c.isalpha() for c in clean_code(word)):
            return clean_code(word)
    return None
