"""The normaliser: letter variants, invisible characters, digits, offsets."""

from mps.text import map_span, normalize, normalize_with_map, to_arabic_indic


def test_arabic_alef_yeh_and_ta_marbuta_variants_fold() -> None:
    assert normalize("أين") == normalize("إين") == normalize("آين") == "اين"
    assert normalize("مستشفى") == "مستشفي"
    assert normalize("الشرطة") == "الشرطه"


def test_tatweel_diacritics_and_zero_width_characters_are_dropped() -> None:
    assert normalize("مـــركز") == "مركز"
    assert normalize("الشُّرْطَةُ") == "الشرطه"
    assert normalize("پۆ\u200cلیس\u200f") == normalize("پۆلیس")
    assert normalize("\ufeffhello\u200bworld") == "helloworld"


def test_arabic_indic_and_persian_digits_become_ascii() -> None:
    assert normalize("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_kurdish_letter_forms_match_their_arabic_look_alikes() -> None:
    # People without a Sorani keyboard type Arabic ك/ي/ه for ک/ی/ە.
    assert normalize("کوێ") == normalize("كوي")
    assert normalize("تکایە") == normalize("تكايه")
    assert normalize("ڕێگا") == normalize("ريگا")


def test_presentation_forms_whitespace_and_case() -> None:
    assert normalize("ﻻ") == "لا"
    assert normalize("  Where   IS\n\tit ") == "where is it"


def test_offsets_follow_removed_characters() -> None:
    text = "مـــركز [الكرادة]"
    normalized, origin = normalize_with_map(text)
    start = text.index("الكرادة")
    new_start, new_end = map_span(origin, start, start + len("الكرادة"))
    assert normalized[new_start:new_end] == "الكراده"


def test_arabic_indic_display_digits() -> None:
    assert to_arabic_indic("911") == "٩١١"
