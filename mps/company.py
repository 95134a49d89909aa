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

from mps.text import normalize


def _words(text: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in text.split())


# Words after which a relative is addressed, not brought along.
_ADDRESS = _words("thanks thank dear يا شكرا شكراً مشكور تسلم عاشت سوپاس")
# Words that may stand between a number and its companions ("two of my little kids").
_BETWEEN = _words("of my our little young small other من الصغار الصغيرين")
# One person each (English, then Arabic and Iraqi forms, with or without "my").
_ONE = _words(
    "wife husband mother mom mum mama father dad baba brother sister son daughter friend "
    "child kid baby toddler grandmother grandma granny grandfather grandpa uncle aunt "
    "auntie cousin neighbour neighbor fiance fiancee partner spouse colleague nephew "
    "niece boyfriend girlfriend boy girl "
    "زوجتي زوجي مرتي رجلي امي ماما ابوي ابي بابا والدي والدتي اخوي اخي اختي خيتي ابني "
    "بنتي ابنتي صديقي صديقتي صاحبي صاحبتي جدتي جدي بيبيتي حبوبتي عمي عمتي خالي خالتي "
    "طفلي طفلتي ولدي جاري جارتي خطيبي خطيبتي زوجه زوج طفل طفله ولد بنت ابن اخ اخت صديق "
    # Arabizi
    "zawjti zoji zawji marti rajli ummi ommi umi abuya abooy abuy a5oya akhoya a5oy akhooy "
    "o5ti ukhti okhti ibni ebni binti bnti sadeeqi sadiqi sdeeqi sa7bi 9a7bi jaddati "
    "khalti 5alti 3ammi 5ali khali"
)
# Two people each.
_TWO = _words(
    "parents twins couple ولدين بنتين طفلين ابنين اخوين اختين صديقين صديقتين والداي "
    "توأم توام waladain waladein bintain bintein tiflain"
)
# Several, counted only with a number before them.
_SEVERAL = _words(
    "kids children sons daughters brothers sisters friends cousins boys girls babies "
    "grandchildren nephews nieces relatives "
    "اطفال اطفالي اولاد اولادي بنات بناتي اخوة اخوتي اخوان اخواني خوات خواتي اصدقاء "
    "اصدقائي جهال جهالي صغار ابناء ابنائي "
    "jahal jahali atfal atfali awlad awladi banat banati a5wati ikhwati"
)
# Kurdish kin words are a stem and suffixes: براکەم "my brother", منداڵەکانم "my
# children". With a plural suffix and no number they cannot be counted.
_KURDISH_STEMS = tuple(
    normalize(w)
    for w in (
        "برا خوشک ژن مێرد دایک باوک کوڕ کچ هاوسەر هاوڕێ منداڵ نەنک داپیر باپیر "
        "مام خاڵ پوور ئامۆزا کچە کوڕە خێزان"
    ).split()
)
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
            if target is not None:
                others += value
                used.add(target)
            continue
        if i in used or (i and words[i - 1] in _ADDRESS):
            continue
        kind = _kind(word)
        after = _number_after(words, i, number) if kind is not None else None
        if after is not None:  # "اطفالي الاثنين", my two children
            others += after
            used.add(i + 1)
        elif kind == "one":
            others += 1
        elif kind == "two":
            others += 2
        elif kind == "several":
            uncounted = True
    return Company(others, uncounted)


def _number_after(words: list[str], at: int, number: Callable[[str], int | None]) -> int | None:
    """An Arabic number after its noun, with the article ("ولدي الاثنين")."""
    if at + 1 < len(words) and words[at + 1].startswith("ال"):
        return number(words[at + 1].removeprefix("ال"))
    return None


def is_companion(word: str) -> bool:
    """Whether a normalised word names someone coming along ("اطفالي", "my" is not)."""
    return _kind(_without_and(word)) is not None


def _without_and(word: str) -> str:
    """An Arabic word without its attached "and" (وزوجتي → زوجتي, و٣ → ٣)."""
    if word.startswith("و") and len(word) > 1:
        rest = word[1:]
        if rest.isdigit() or _kind(rest) is not None:
            return rest
    return word


def _companion_after(words: list[str], at: int) -> int | None:
    """The index of the companion word a number at `at` counts, if any."""
    for j in range(at + 1, min(at + 4, len(words))):
        word = _without_and(words[j])
        if _kind(word) is not None:
            return j
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
