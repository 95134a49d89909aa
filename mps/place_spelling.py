"""The spelling skeleton of a place name: what its usual misspellings share.

Iraqi place names reach us in Arabic, in Kurdish Sorani on Kurdish or Arabic
keyboards, in English transliterations and in Arabizi. `skeleton` folds one
already normalised word (`mps.text.normalize`) to a form in which the usual
variants meet, so that the fuzzy scorer compares sounds and not spellings:

- Arabic script: ظ ض ذ ز as one letter (Iraqi speech merges ظ and ض, Kurdish
  writes ز for both); ث ص س as one (Kurdish writes س); ط as ت; ق گ ك as one
  (Iraqi ق is said g); ئ and ؤ as their vowels; a final ا or ى as the final ه
  of ة (الكرادا, الكرادة); medial ه dropped (it is the Kurdish vowel ە, which
  Arabic does not write); doubled letters once (وو, یی).
- Latin script: Arabizi digits as letters (3 ع, 7 ح, 5 خ, 6 ط, 9 ص, 8 غ/ق, 2 ء,
  3' غ, 6' ظ); ع dropped as English transliterations drop it; an attached
  article (al-, el-, 2l) dropped; dh/zh/z, th/t, q/k/c/ck, kh/5, gh/g as one;
  ee/i, oo/ou/u, e/a, ei/ai/ay, doubled letters once; the ending iya/iyya/
  iyah/ia/ieh/eya as one; a final h after a vowel dropped.
"""

from __future__ import annotations

import re

# Arabic-script letters that people swap for one another in place names.
_ARABIC = str.maketrans(
    {
        "ظ": "ز",
        "ض": "ز",
        "ذ": "ز",
        "ص": "س",
        "ط": "ت",
        "ق": "ك",
        "گ": "ك",
        "ئ": "ا",
        "ؤ": "و",
        "ء": None,
    }
)
_ARABIC_FINAL = re.compile(r"[اى]$")
_ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")
# Arabizi: a digit between letters (or at a word's edge) stands for a letter.
_ARABIZI = (
    ("3'", "g"),
    ("6'", "z"),
    ("9'", "z"),
    ("3", ""),
    ("7", "h"),
    ("5", "kh"),
    ("6", "t"),
    ("9", "s"),
    ("8", "g"),
    ("2", ""),
)
_LATIN_VOWELS = (
    (re.compile(r"(?<=[^aeiouy])(?:[ie]+y*|y+)[ae]h?$"), "iya"),  # the nisba ending
    (re.compile(r"ee|ie"), "i"),
    (re.compile(r"oo|ou|o"), "u"),
)
_LATIN = (
    (re.compile(r"^(?:al|el|il|ul|l)(?=[a-z]{4})"), ""),  # attached article
    (re.compile(r"ck|c|q"), "k"),
    (re.compile(r"kh"), "x"),
    (re.compile(r"gh|g"), "k"),
    (re.compile(r"dh|zh"), "z"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ei|ay|ey|aiy"), "ai"),
    (re.compile(r"e"), "a"),
    (re.compile(r"(?<=[aiu])h$"), ""),
)
_DOUBLE = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """The skeleton of one normalised word (see the module docstring)."""
    if _ARABIC_LETTERS.search(word):
        return _arabic(word)
    return _latin(word)


def _arabic(word: str) -> str:
    folded = word.translate(_ARABIC)
    folded = _ARABIC_FINAL.sub("ه", folded) if len(folded) > 3 else folded
    if len(folded) > 2:
        folded = folded[0] + folded[1:-1].replace("ه", "") + folded[-1]
    return _DOUBLE.sub(r"\1", folded)


def _latin(word: str) -> str:
    if not any(c.isalpha() for c in word):
        return word
    folded = word
    if any(c.isdigit() for c in word):
        for digit, letters in _ARABIZI:
            folded = folded.replace(digit, letters)
    for pattern, replacement in _LATIN_VOWELS:
        folded = pattern.sub(replacement, folded)
    folded = _DOUBLE.sub(r"\1", folded)
    for pattern, replacement in _LATIN:
        folded = pattern.sub(replacement, folded)
    return _DOUBLE.sub(r"\1", folded)
