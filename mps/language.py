"""Per-message language detection for Arabic, Kurdish Sorani and English.

Short chat messages defeat statistical detectors, and none of them tells Iraqi
Arabic from Sorani reliably, so this scores what does tell them apart: the
script, letters only Sorani uses, letters only Arabic uses, and common words.
`detect_language` returns None when a message carries no signal ("ok", "سلام",
an emoji); the caller then keeps the user's remembered language.
"""

from __future__ import annotations

import re
from typing import Final

from mps.lexicon import words
from mps.text import normalize

LANGUAGES: Final = ("ar", "ckb", "en")

_SORANI_LETTERS = frozenset("ەۆێڕڵڤ")
_SORANI_LEANING = frozenset("کیھ")  # Persian-keyboard kaf/yeh/heh: Sorani writers mostly
_ARABIC_LETTERS = frozenset("ةىأإؤثذضظ")

# Words compared in normalised form (data/lexicon.yml).
_SORANI_WORDS = frozenset(words("sorani_words"))
_ARABIC_WORDS = frozenset(words("arabic_words"))
_ARABIZI_WORDS = frozenset(words("arabizi_words"))
_CODE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,}\b")
_ARABIZI_DIGIT = re.compile(r"[a-z][2356789]|[2356789][a-z]")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[a-zA-Z]")
_WORD = re.compile(r"\w+")


def _arabic_script_language(text: str) -> str | None:
    """Tell Sorani from Arabic in Arabic-script text, or None when unsure."""
    ckb = 3 * sum(c in _SORANI_LETTERS for c in text)
    ckb += sum(c in _SORANI_LEANING for c in text)
    ar = 2 * sum(c in _ARABIC_LETTERS for c in text)
    for word in _WORD.findall(normalize(text)):
        if word in _SORANI_WORDS:
            ckb += 2
        if word in _ARABIC_WORDS:
            ar += 2
        if word.startswith("ال") and len(word) > 3:
            ar += 2
    if ckb == ar == 0 and len(_WORD.findall(text)) >= 2:
        # Sorani writing almost always shows one of its own letters; a
        # sentence without any is Arabic.
        return "ar"
    if ckb == ar:
        return None
    return "ckb" if ckb > ar else "ar"


def _latin_language(text: str) -> str | None:
    """Tell Arabizi (Arabic in Latin letters) from English; None if too short."""
    # Booking codes and report references ("K7MX3P", "MPS-7K3F-Q9") are capitals
    # and digits; they are not Arabizi, whatever digits they hold.
    lowered = _CODE.sub(" ", text).lower()
    words = _WORD.findall(lowered)
    arabizi = sum(w in _ARABIZI_WORDS for w in words)
    arabizi += 2 * len(_ARABIZI_DIGIT.findall(lowered))
    if arabizi >= 2 or (arabizi and len(words) <= 2):
        return "ar"
    return "en" if len(_LATIN.findall(text)) >= 4 else None


def detect_language(text: str) -> str | None:
    """Return "ar", "ckb" or "en" for `text`, or None when it gives no signal."""
    arabic = len(_ARABIC_SCRIPT.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic == 0 and latin == 0:
        return None
    if arabic >= latin:
        return _arabic_script_language(text)
    return _latin_language(text)
