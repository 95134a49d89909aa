"""Which station serves a point or a place name.

By point: the station whose jurisdiction polygon covers it (shapely, through an
STRtree), else the nearest station by great-circle distance. By name: every
district, alias, station and governorate name is normalised like the NLU
(`mps.text.normalize`) and compared with the words of the message (rapidfuzz),
so misspellings and Arabic/Kurdish variants still match.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from mps.text import normalize

EARTH_RADIUS_KM = 6371.0
# Attached Arabic prepositions and the article: "بالكرادة" → "كراده".
_ARABIC_PREFIX = re.compile(r"^(?:وبال|بال|وال|فال|كال|لل|ال)(?=\w{3})")
_WORD = re.compile(r"\w+")
# Words of a message compared with place names: a place is named early in a
# message, and the cost of a 2,000-character message stays that of 40 words.
MAX_WORDS = 40
# Ordinary words that must never be read as a place, whatever they resemble.
_NOT_PLACES = frozenset(
    normalize(w)
    for w in (
        "station police nearest near where which area the and for with visit book open house "
        "day days people person kids children next this today tomorrow please want need "
        "مركز شرطة اقرب وين اين منطقة زيارة حجز اريد يوم الجاي بكرة اليوم السبت "
        "بنکە پۆلیس نزیکترین کوێ ناوچە سەردان ڕۆژ دەمەوێ"
    ).split()
)


@dataclass(frozen=True)
class StationPlace:
    """What routing needs to know about one station."""

    code: str
    governorate: str
    location: tuple[float, float]  # lon, lat
    polygon: BaseGeometry
    names: tuple[str, ...]  # normalised place and station names
    governorate_names: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """A routing result: the station, and how it was found."""

    code: str
    how: str  # "inside", "nearest", "name", "governorate"
    distance_km: float | None = None
    score: float = 100.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def fold_place(text: str) -> str:
    """A place name as compared: normalised, words only, Arabic prefixes dropped."""
    words = [_ARABIC_PREFIX.sub("", w) for w in _WORD.findall(normalize(text))]
    return " ".join(w for w in words if w not in {"al", "el"})


@dataclass
class StationIndex:
    """Routing over a set of stations; build once, query many times."""

    stations: list[StationPlace]
    _tree: STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tree = STRtree([s.polygon for s in self.stations])

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> StationIndex:
        """Build from station dicts shaped like the registry or the `stations` table."""
        places = []
        for row in rows:
            names = {*(row["name"].values())}
            for area in row["areas"]:
                names.update(area["names"].values())
                names.update(area.get("aliases", []))
            places.append(
                StationPlace(
                    code=row["code"],
                    governorate=row["governorate"],
                    location=(float(row["location"][0]), float(row["location"][1])),
                    polygon=shape(row["jurisdiction"]),
                    names=tuple(sorted({fold_place(n) for n in names} - {""})),
                    governorate_names=tuple(
                        sorted({fold_place(n) for n in row["governorate_name"].values()})
                    ),
                )
            )
        return cls(places)

    def by_point(self, lon: float, lat: float) -> Match | None:
        """The station covering the point, else the nearest one with its distance."""
        if not self.stations:
            return None
        point = Point(lon, lat)
        for index in self._tree.query(point, predicate="intersects"):
            station = self.stations[int(index)]
            return Match(station.code, "inside", distance_km(station.location, (lon, lat)))
        nearest = min(self.stations, key=lambda s: distance_km(s.location, (lon, lat)))
        return Match(nearest.code, "nearest", distance_km(nearest.location, (lon, lat)))

    def by_name(self, text: str, cutoff: float = 84.0) -> list[Match]:
        """Stations whose places the text names, best first; several means ambiguous.

        A place name wins over a governorate name; a governorate alone returns
        all of its stations.
        """
        grams = _ngrams(" ".join(fold_place(text).split()[:MAX_WORDS]))
        if not grams:
            return []
        best: dict[str, float] = {}
        for station in self.stations:
            score = _best_score(grams, station.names, cutoff)
            if score:
                best[station.code] = score
        if best:
            top = max(best.values())
            close = [code for code, score in best.items() if score >= top - 4]
            return [Match(code, "name", score=best[code]) for code in sorted(close)]
        governorates = {
            s.governorate
            for s in self.stations
            if _best_score(grams, s.governorate_names, cutoff + 4)
        }
        return [
            Match(s.code, "governorate", score=100.0)
            for s in self.stations
            if s.governorate in governorates
        ]


def _ngrams(folded: str, longest: int = 3) -> list[str]:
    """Runs of 1 to `longest` words, without runs made only of ordinary words."""
    words = folded.split()
    grams = []
    for size in range(1, longest + 1):
        for start in range(len(words) - size + 1):
            run = words[start : start + size]
            if all(w in _NOT_PLACES for w in run):
                continue
            grams.append(" ".join(run))
    return grams


def _best_score(grams: list[str], names: tuple[str, ...], cutoff: float) -> float:
    """The best similarity between any gram and any name, 0 under the cutoff."""
    best = 0.0
    for name in names:
        for gram in grams:
            if abs(len(gram) - len(name)) > max(3, len(name) // 3):
                continue
            if len(name) <= 4 or len(gram) <= 4:
                score = 100.0 if gram == name else 0.0
            else:
                score = fuzz.ratio(gram, name, score_cutoff=cutoff)
            best = max(best, score)
    return best
