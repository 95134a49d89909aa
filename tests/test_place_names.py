"""Place names as Iraqis type them: the matcher's precision and recall on the lists in
tests/data (scripts/place_names.py prints the figures), and "did you mean" for a near
miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from mps.place_spelling import skeleton
from mps.routing import Lookup, StationIndex
from mps.text import normalize
from scripts.place_names import LISTS, score

TUNING, HOLDOUT, FRESH = LISTS


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # ee/i, iya/iyya/ia, ou/u/oo, k/q, dh/z/th in English and Arabizi
        ("Jadreeya", "BGD-KRD"),
        ("Harthiyya", "BGD-MNS"),
        ("Waziria", "BGD-ADH"),
        ("Yarmook", "BGD-MNS"),
        ("Qarrada", "BGD-KRD"),
        ("Azamiyah", "BGD-ADH"),
        ("Kathmiya", "BGD-KDH"),
        ("i live in kerada", "BGD-KRD"),
        ("Zubeir", "BSR-ZBR"),
        ("7arthiya", "BGD-MNS"),
        ("el sho3la", "BGD-KDH"),
        ("3ankawa", "EBL-ANK"),
        ("a3thamiya", "BGD-ADH"),
        # ظ/ض/ز, ة/ه/ا, ا/أ/إ, ي/ى, س/ص and Iraqi گ for ق in Arabic
        ("الكاضمية", "BGD-KDH"),
        ("الاعضميه", "BGD-ADH"),
        ("الإعظمية", "BGD-ADH"),
        ("الكرادا", "BGD-KRD"),
        ("الجادرىة", "BGD-KRD"),
        ("المنسور", "BGD-MNS"),
        ("البصرة الگديمة", "BSR-ASH"),
        ("الذبير", "BSR-ZBR"),
        # Sorani on an Arabic keyboard (ك ي ه for ک ی ە) and without ڕ ڵ ێ
        ("كەڕادە", "BGD-KRD"),
        ("كازمييه", "BGD-KDH"),
        ("قەلای هەولێر", "EBL-CTR"),
        ("زوبیر", "BSR-ZBR"),
    ],
)
def test_common_misspellings_are_accepted(index: StationIndex, text: str, code: str) -> None:
    assert [m.code for m in index.by_name(text)] == [code]


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (["Kadhimiya", "Kazimiyah", "kathimiya"], False),  # th is not dh: close, not equal
        (["Harthiya", "Harthiyya", "Harthia", "Hartheya", "7arthiyye"], True),
        (["Zubair", "Zubeir", "Zubayr"], True),
        (["Mansour", "Mansoor", "Mansur"], True),
        (["الكاظمية", "الكاضمية", "الكازمية", "كاظميه"], True),
        (["کەڕادە", "كهراده", "الكرادا"], True),
    ],
)
def test_spelling_variants_share_a_skeleton(words: list[str], same: bool) -> None:
    skeletons = {skeleton(normalize(w).removeprefix("ال")) for w in words}
    assert (len(skeletons) == 1) is same


def test_a_near_miss_is_offered_not_accepted(index: StationIndex) -> None:
    # One wrong letter in a short Arabic name, a keyboard slip: not sure enough to route.
    lookup = index.lookup("العسار")
    assert lookup.matches == []
    assert [(m.code, m.how) for m in lookup.suggestions] == [("BSR-ASH", "suggestion")]
    assert lookup.suggestions[0].area == 0  # Ashar, the station's first area
    shula = index.lookup("el shi3la").suggestions
    assert [m.code for m in shula] == ["BGD-KDH"] and shula[0].area == 1  # Shula


@pytest.mark.parametrize("text", ["Karbala", "كربلاء", "کەربەلا", "Hay al Jihad", "الكرامة"])
def test_other_places_are_not_ours(index: StationIndex, text: str) -> None:
    assert index.by_name(text) == []


@pytest.mark.parametrize("text", ["thank you so much", "السلام عليكم", "سوپاس", "marhaba"])
def test_ordinary_words_are_not_even_near(index: StationIndex, text: str) -> None:
    assert index.lookup(text) == Lookup([], [])


def test_an_accepted_place_offers_no_suggestions(index: StationIndex) -> None:
    assert index.lookup("Karrada").suggestions == []


def test_precision_and_recall_on_the_tuning_list(index: StationIndex) -> None:
    figures, misses = score(index, TUNING)
    total = figures["all"]
    assert total.precision >= 0.99, misses
    assert total.recall >= 0.95, misses
    for language in ("en", "ar", "ckb", "arabizi"):
        assert figures[language].recall >= 0.9, (language, misses)
    # What is not accepted is mostly offered as "did you mean".
    assert total.did_you_mean >= 0.85, misses
    assert total.noise <= 0.15, misses


@pytest.mark.parametrize("path", [HOLDOUT, FRESH], ids=["holdout", "fresh"])
def test_precision_and_recall_on_lists_not_tuned_on(index: StationIndex, path: Path) -> None:
    figures, misses = score(index, path)
    assert figures["all"].precision >= 0.99, misses
    assert figures["all"].recall >= 0.95, misses
