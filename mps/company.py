"""How many people a list of companions makes: "with my wife" is 2, "me and my brother"
2, "my wife and our three kids" 5, in Arabic, Kurdish Sorani and English.

`count_company` reads normalised words (`mps.text.normalize`). The writer counts
once, said ("me", "انا", "من و") or not (someone who answers "how many?" with a
list of relatives comes along). Each relative named counts one, a dual (ولدين,
بنتين) or "parents" two, and a number before a companion word counts that many
("two sisters", "ثلاث اطفال", "سێ منداڵەکەمان"). A plural without a number ("my
kids", "اطفالي", "منداڵەکانم") cannot be counted. A relative addressed ("شكرا
اخي", "thanks dear") is not company.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mps.lexicon import words
from mps.text import normalize


def _words(name: str) -> frozenset[str]:
    return frozenset(words(name))


# Words of data/lexicon.yml: addressing a relative ("thanks"), tying one to the party
# ("and", "with", "my"), standing between a number and its companions ("of", "little").
_ADDRESS = _words("address")
_LINKS = _words("links")
_BETWEEN = _words("between")
# Companion words: one person each, two ("parents", duals) or several ("kids").
_ONE = _words("companion_one")
_TWO = _words("companion_two")
_SEVERAL = _words("companion_several")
# Relatives Iraqis also call out to ("ابني شلون احجز"): company only after "and"/"with"
# or a number, never as the first of a list.
_VOCATIVE = _words("vocative")
_AND = _words("and")
_ARTICLES = _words("articles")
# Attached "and", "and for", "for" before a relative: وزوجتي, ولزوجتي, للمدام.
_ATTACHED = ("ولل", "ول", "وال", "و", "لل", "ل")
# Kurdish kin words are a stem and suffixes: براکەم "my brother", منداڵەکانم "my
# children". With a plural suffix and no number they cannot be counted.
_KURDISH_STEMS = tuple(words("kurdish_kin_stems"))
_KURDISH_ONE = tuple(normalize(s) for s in ("", "م", "مان", "ەکەم", "ەکەمان", "کەم", "کەمان"))
_KURDISH_MANY = tuple(normalize(s) for s in ("ەکانم", "ەکانمان", "کانم", "کانمان", "ان"))


@dataclass(frozen=True)
class Company:
    """The people a message names besides the writer."""

    others: int
    uncounted: bool  # a plural without a number ("my kids")

    @property
    def size(self) -> int | None:
        """The party size with the writer, or None when it cannot be told."""
        if self.uncounted or not self.others:
            return None
        return self.others + 1


def count_company(words: list[str], number: Callable[[str], int | None]) -> Company:
    """The company named by normalised words; `number` reads a number word or digits."""
    others = 0
    uncounted = False
    used: set[int] = set()
    for i, raw in enumerate(words):
        word = _without_and(raw)
        value = number(word) if i not in used else None
        if value is not None:
            target = _companion_after(words, i)
            article = word in _ARTICLES and not (i and words[i - 1] in _LINKS)
            if target is not None and not article:  # "with a friend", not "as a child"
                others += value
                used.add(target)
            continue
        kind = _kind(word)
        if kind is None or i in used or not _in_party(words, i, raw != word):
            continue
        after = _number_after(words, i, number)
        if after is not None:  # "اطفالي الاثنين", my two children
            others += after
            used.add(i + 1)
        elif kind == "one":
            others += 1
        elif kind == "two":
            others += 2
        else:
            uncounted = True
    return Company(others, uncounted)


def _in_party(words: list[str], at: int, attached: bool) -> bool:
    """Whether the relative at `at` is one of the party, not someone talked about or
    to: tied to it by an attached "and"/"for" or a word before ("and", "with", "my");
    else, unless it is a word people call out with, by the message being this and
    at most one more word, or in Arabic and Sorani by "and" after it ("زوجتي وانا")."""
    before = words[at - 2 : at] if at >= 2 else words[:at]
    if any(w in _ADDRESS for w in before):
        return False
    if attached or (before and before[-1] in _LINKS):
        return True
    if _without_and(words[at]) in _VOCATIVE:
        return len(words) == 1
    if len(words) <= 2:
        return True
    if words[at].isascii():
        return False  # English says "my wife", "with a friend"
    following = words[at + 1] if at + 1 < len(words) else ""
    return following in _AND or following != _without_and(following)


def _number_after(words: list[str], at: int, number: Callable[[str], int | None]) -> int | None:
    """An Arabic number after its noun, with the article ("ولدي الاثنين")."""
    if at + 1 < len(words) and words[at + 1].startswith("ال"):
        return number(words[at + 1].removeprefix("ال"))
    return None


def is_companion(word: str) -> bool:
    """Whether a normalised word names someone coming along ("اطفالي", "my" is not)."""
    return _kind(_without_and(word)) is not None


def _without_and(word: str) -> str:
    """A relative or number without an attached "and" or "for" (وزوجتي → زوجتي,
    ولحفيدي → حفيدي, و٣ → ٣); other words as they are."""
    for prefix in _ATTACHED:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) > 1 and (rest.isdigit() or _kind(rest)):
            return rest
    return word


def _companion_after(words: list[str], at: int) -> int | None:
    """The index of the companion word a number at `at` counts, if any."""
    for j in range(at + 1, min(at + 4, len(words))):
        word = _without_and(words[j])
        if _kind(word) is not None:
            return None if word in _VOCATIVE else j  # "٢ ابني": "two, son"
        if word not in _BETWEEN:
            return None
    return None


def _kind(word: str) -> str | None:
    """ "one", "two" or "several" for a companion word, else None."""
    if word in _ONE:
        return "one"
    if word in _TWO:
        return "two"
    if word in _SEVERAL:
        return "several"
    for stem in _KURDISH_STEMS:
        if word.startswith(stem):
            suffix = word[len(stem) :]
            if suffix in _KURDISH_ONE:
                return "one"
            if suffix in _KURDISH_MANY:
                return "several"
    return None
