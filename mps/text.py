"""Normalisation of Arabic, Kurdish Sorani and English text for matching.

The normalised form is for features and look-ups, never for display: it folds
letter variants (أ/إ/آ→ا, ى/ی→ي, ة→ه, ک→ك), drops tatweel, diacritics and
invisible format characters, and turns Arabic-Indic and Persian digits into
ASCII digits. `normalize_with_map` also returns, for every output character,
the index of the input character it came from, so entity offsets can follow.

`clean_text` is for display: what is left of text someone typed (in Telegram, or
sent by an Open311 partner) before staff read it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

_FOLD = {
    # Arabic alef and yeh variants
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    # Kurdish Sorani letter forms and their Arabic look-alikes
    "ی": "ي",
    "ێ": "ي",
    "ک": "ك",
    "ە": "ه",
    "ھ": "ه",
    "ۆ": "و",
    "ڕ": "ر",
    "ڵ": "ل",
    # Arabic punctuation
    "،": ",",
    "؟": "?",
    "؛": ";",
}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {
    chr(0x06F0 + i): str(i) for i in range(10)
}
_DROP = re.compile(
    "[\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _fold_char(char: str) -> str:
    """Return the normalised form of one input character (possibly empty)."""
    if _DROP.match(char):
        return ""
    if char in _DIGITS:
        return _DIGITS[char]
    if char in _FOLD:
        return _FOLD[char]
    compat = unicodedata.normalize("NFKC", char)
    if compat != char:
        return "".join(_fold_char(c) if c != char else c for c in compat).lower()
    if unicodedata.category(char) == "Cc" or char.isspace():
        return " "
    return char.lower()


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise text and map each output character to its input index."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            if folded == " " and (not out or out[-1] == " "):
                continue
            out.append(folded)
            origin.append(index)
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def normalize(text: str) -> str:
    """Return the normalised form of `text` (see the module docstring)."""
    return normalize_with_map(text)[0]


def map_span(origin: list[int], start: int, end: int) -> tuple[int, int]:
    """Translate an input span [start, end) into the normalised text's indices."""
    return bisect_left(origin, start), bisect_left(origin, end)


def phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """One regex matching any phrase, in normalised form, on word boundaries.

    Longer phrases come first so that the longest match wins; None when
    there are no phrases. Search it in `normalize(text)`.
    """
    folded = sorted({normalize(p) for p in phrases if p.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(re.escape(p) for p in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


_ASCII_TO_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def to_arabic_indic(text: str) -> str:
    """Write ASCII digits as Arabic-Indic digits (for Arabic and Kurdish display)."""
    return text.translate(_ASCII_TO_ARABIC_INDIC)


# Kept by clean_text: Kurdish and Persian spelling and emoji need them.
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
