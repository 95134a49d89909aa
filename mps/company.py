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


# Words after which a relative is addressed, not brought along ("thank you my brother").
_ADDRESS = _words("thanks thank you dear يا شكرا شكراً مشكور تسلم عاشت سوپاس")
# Words that tie a relative to the party: "and", "with", "my" (English has no vocative
# "my wife"), the Kurdish "و".
_LINKS = _words("and with plus my our و مع ويا وياي ويايه ويانا لەگەڵ لەگەل w wiya wyaya ma3")
# Words that may stand between a number and its companions ("two of my little kids").
_BETWEEN = _words("of my our little young small other من الصغار الصغيرين")
# One person each (English, then Arabic and Iraqi forms, then Arabizi).
_ONE = _words(
    "wife husband mother mom mum mama father dad baba brother sister son daughter friend "
    "child kid baby toddler grandmother grandma granny grandfather grandpa uncle aunt "
    "auntie cousin neighbour neighbor fiance fiancee partner spouse colleague nephew "
    "niece boyfriend girlfriend boy girl grandson granddaughter "
    "زوجتي زوجي مرتي المدام مدام رجلي امي ماما والدي والدتي ابوي بابا اخوي اخي اختي خيتي "
    "ابني بنتي ابنتي صديقي صديقتي صاحبي صاحبتي جدتي جدي بيبيتي حبوبتي عمي عمتي خالي خالتي "
    "طفلي طفلتي ولدي حفيدي حفيدتي حفيدنا جاري جارتي خطيبي خطيبتي زوجه زوج طفل طفله ولد "
    "بنت ابن صديق "
    "zawjti zoji zawji marti rajli ummi ommi umi abuya abooy abuy a5oya akhoya a5oy akhooy "
    "o5ti ukhti okhti ibni ebni binti bnti sadeeqi sadiqi sdeeqi sa7bi 9a7bi jaddati "
    "khalti 5alti 3ammi 5ali khali"
)
# Relatives Iraqis also call out to ("ابني شلون احجز", "عمي دزلي"): company only after
# "and"/"with" or a number, never as the first of a list.
_VOCATIVE = _words(
    "ابني بنتي اخي اختي اخوي خيتي عمي عمتي خالي خالتي ابوي حبيبي ibni binti a5oya 3ammi"
)
# Two people each.
_TWO = _words(
    "parents twins couple ولدين بنتين طفلين ابنين اخوين اختين صديقين صديقتين والداي "
    "توأم توام waladain waladein bintain bintein tiflain"
)
# Several, counted only with a number (before, or after in Arabic: "اطفالي الاثنين").
_SEVERAL = _words(
    "kids children sons daughters brothers sisters friends cousins boys girls babies "
    "grandchildren nephews nieces relatives family "
    "اطفال اطفالي اولاد اولادي بنات بناتي اخوة اخوتي اخوان اخواني خوات خواتي اصدقاء "
    "اصدقائي جهال جهالي صغار ابناء ابنائي احفادي عائلتي عائله العائله اهلي خێزان "
    "jahal jahali atfal atfali awlad awladi banat banati a5wati ikhwati"
)
_AND = _words("and و w")
_ARTICLES = _words("a an")
# Attached "and", "and for", "for" before a relative: وزوجتي, ولزوجتي, للمدام.
_ATTACHED = ("ولل", "ول", "وال", "و", "لل", "ل")
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
