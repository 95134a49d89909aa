"""Station registry checks and routing by point and by name (demo registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mps import routing
from mps.registry import check_registry
from mps.routing import StationIndex, distance_km
from tests.conftest import DEMO_REGISTRY


def test_demo_registry_is_marked_and_large_enough() -> None:
    registry, problems = check_registry(DEMO_REGISTRY)
    assert problems == [] and registry is not None
    assert registry.demo is True
    assert len(registry.stations) >= 8
    assert {s.governorate for s in registry.stations} >= {"baghdad", "basra", "erbil"}
    assert registry.governorates["erbil"].region == "kurdistan"


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (44.428, 33.302, "BGD-KRD"),
        (44.462, 33.335, "BGD-NBG"),
        (47.700, 30.388, "BSR-ZBR"),
        (43.995, 36.235, "EBL-ANK"),
    ],
)
def test_point_inside_a_jurisdiction(
    index: StationIndex, lon: float, lat: float, code: str
) -> None:
    match = index.by_point(lon, lat)
    assert match is not None
    assert (match.code, match.how) == (code, "inside")


def test_point_outside_every_polygon_gets_the_nearest_with_distance(index: StationIndex) -> None:
    # Abu Ghraib, west of Baghdad: outside every demo polygon.
    match = index.by_point(44.10, 33.29)
    assert match is not None and match.how == "nearest"
    assert match.code.startswith("BGD-")
    assert match.distance_km is not None and 10 < match.distance_km < 40
    # Far out in the desert, between Baghdad and Basra: still an answer, far away.
    far = index.by_point(46.0, 31.9)
    assert far is not None and far.how == "nearest" and far.distance_km is not None
    assert far.distance_km > 100


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("which station covers Karrada", "BGD-KRD"),
        ("i live in karada", "BGD-KRD"),
        ("وين مركز شرطة الكراده", "BGD-KRD"),
        ("ساكن بالكرادة", "BGD-KRD"),
        ("بنکەی پۆلیسی کەرادە", "BGD-KRD"),
        ("zayona", "BGD-NBG"),
        ("زيونه", "BGD-NBG"),
        ("Ainkawa police", "EBL-ANK"),
        ("عنكاوه", "EBL-ANK"),
        ("Zubair", "BSR-ZBR"),
    ],
)
def test_place_names_in_any_language_and_spelling(
    index: StationIndex, text: str, code: str
) -> None:
    assert [m.code for m in index.by_name(text)] == [code]


def test_governorate_alone_is_ambiguous_and_lists_its_stations(index: StationIndex) -> None:
    matches = index.by_name("police stations in Erbil")
    assert {m.code for m in matches} == {"EBL-CTR", "EBL-ANK"}
    assert {m.how for m in matches} == {"governorate"}


@pytest.mark.parametrize("text", ["where is the nearest station", "Paris", "كربلاء", "hello"])
def test_no_place_named(index: StationIndex, text: str) -> None:
    assert index.by_name(text) == []


def test_distance_is_great_circle() -> None:
    baghdad, basra = (44.36, 33.31), (47.78, 30.51)
    assert 440 < distance_km(baghdad, basra) < 470


def test_bad_rows_are_all_reported_with_their_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        """\
demo: true
governorates:
  baghdad: {region: federal, name: {ar: بغداد, ckb: بەغدا, en: Baghdad}}
stations:
  - code: bgd-1
    name: {ar: أ, ckb: ب, en: A}
    governorate: baghdad
    address: {ar: أ, ckb: ب, en: A}
    hours: {ar: أ, ckb: ب, en: A}
    phone: "+964 1"
    units: [fcpu]
    location: [44.4, 33.3]
    jurisdiction: {type: Polygon, coordinates: [[[44.3, 33.2], [44.5, 33.2], [44.5, 33.4],
                   [44.3, 33.4], [44.3, 33.2]]]}
    areas: [{names: {ar: أ, ckb: ب, en: A}}]
  - code: BGD-2
    name: {ar: أ, ckb: ب}
    governorate: nineveh
    address: {ar: أ, ckb: ب, en: A}
    hours: {ar: أ, ckb: ب, en: A}
    phone: "+964 2"
    units: [swat]
    location: [44.4, 33.3]
    jurisdiction: {type: Polygon, coordinates: [[[44.3, 33.2], [44.5, 33.4], [44.5, 33.2],
                   [44.3, 33.4], [44.3, 33.2]]]}
    areas: [{names: {ar: ج, ckb: د, en: C}}]
  - code: BGD-3
    name: {ar: أ, ckb: ب, en: A}
    governorate: baghdad
    address: {ar: أ, ckb: ب, en: A}
    hours: {ar: أ, ckb: ب, en: A}
    phone: "+964 3"
    units: []
    location: [45.9, 33.3]
    jurisdiction: {type: Polygon, coordinates: [[[44.3, 33.2], [44.5, 33.2], [44.5, 33.4],
                   [44.3, 33.4], [44.3, 33.2]]]}
    areas: [{names: {ar: ه, ckb: و, en: E}}]
""",
        encoding="utf-8",
    )
    registry, problems = check_registry(bad)
    assert registry is None
    text = "\n".join(map(str, problems))
    assert "line 5 (bgd-1): code" in text
    assert "line 17 (BGD-2): name.en: Field required" in text
    assert "line 22 (BGD-2): units.0: Input should be 'fcpu'" in text
    assert "line 34 (BGD-3): location is outside the station's jurisdiction" in text
    assert len(problems) == 4, text


def _work(index: StationIndex, text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many (word run, place name) pairs `by_name` compares for `text`."""
    compared = 0
    real = routing._best_score

    def counting(grams: list[str], names: tuple[str, ...], cutoff: float) -> float:
        nonlocal compared
        compared += len(grams) * len(names)
        return real(grams, names, cutoff)

    monkeypatch.setattr(routing, "_best_score", counting)
    index.by_name(text)
    monkeypatch.setattr(routing, "_best_score", real)
    return compared


def test_a_long_message_costs_what_a_short_one_does(
    index: StationIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = [f"w{n:04d}x" for n in range(400)]  # all different: nothing repeats
    long_text = ("Karrada " + " ".join(words))[:2000]
    assert len(long_text) == 2000
    short_text = "Karrada " + " ".join(words[: routing.MAX_WORDS - 1])
    long_work = _work(index, long_text, monkeypatch)
    assert long_work == _work(index, short_text, monkeypatch)
    assert long_work == _work(index, long_text[:1000], monkeypatch)
    assert [m.code for m in index.by_name(long_text)] == ["BGD-KRD"]
