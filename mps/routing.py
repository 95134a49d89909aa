"""Which station serves a point or a place name.

By point: the station whose jurisdiction polygon covers it (shapely, through an
STRtree), else the nearest station by great-circle distance. By name: every
district, alias, station and governorate name is normalised like the NLU
(`mps.text.normalize`) and compared with runs of the message's words (rapidfuzz),
as written and as spelling skeletons (`mps.place_spelling`), so transliterations,
misspellings and Arabic/Kurdish variants still match. A near miss under the
accept cutoff is offered as "did you mean" (`StationIndex.lookup`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from mps import lexicon
from mps.place_spelling import skeleton
from mps.text import normalize

EARTH_RADIUS_KM = 6371.0
# Name matching (`similarity`, 0-100): a place is accepted at ACCEPT, offered as
# "did you mean" from SUGGEST; both chosen on tests/data/place_names.yml
# (scripts/place_names.py prints precision and recall).
ACCEPT = 84.0
SUGGEST = 75.0
MAX_SUGGESTIONS = 3
# Letters of a short skeleton: Arabic script writes no short vowels.
SHORT_LATIN, SHORT_ARABIC = 4, 3
FIRST_SOUND = 8.0  # penalty when skeletons start differently
# Attached Arabic prepositions and the article: "بالكرادة" → "كراده".
_ARABIC_PREFIX = re.compile(r"^(?:وبال|بال|وال|فال|كال|لل|ال)(?=\w{3})")
_WORD = re.compile(r"\w+")
_ARTICLES = frozenset(lexicon.words("arabizi_articles"))
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
# Words of a message compared with place names: a place is named early in a
# message, and the cost of a 2,000-character message stays that of 40 words.
MAX_WORDS = 40


@dataclass(frozen=True)
class StationPlace:
    """What routing needs to know about one station."""

    code: str
    governorate: str
    location: tuple[float, float]  # lon, lat
    polygon: BaseGeometry
    names: tuple[str, ...]  # normalised place and station names
    governorate_names: tuple[str, ...]
    # For each name, the index of its area in the station's areas (None: the station).
    areas: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class Match:
    """A routing result: the station, and how it was found."""

    code: str
    how: str  # "inside", "nearest", "name", "governorate"; "suggestion" for a near miss
    distance_km: float | None = None
    score: float = 100.0
    area: int | None = None  # the area whose name matched (None: the station's own name)


@dataclass(frozen=True)
class Lookup:
    """What a text names: accepted matches, else near misses to offer ("did you mean")."""

    matches: list[Match]
    suggestions: list[Match]


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
    return " ".join(w for w in words if w not in _ARTICLES)


# Ordinary words that must never be read as a place, whatever they resemble
# (data/lexicon.yml); names in the index are compared without them.
_NOT_PLACES = frozenset(fold_place(" ".join(lexicon.words("not_places"))).split())


def _place_words(name: str) -> str:
    """A folded name without its ordinary words ("Karrada Police Station" → "karrada")."""
    kept = [w for w in name.split() if w not in _NOT_PLACES]
    return " ".join(kept) if kept else name


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
            names: dict[str, int | None] = {
                _place_words(fold_place(n)): None for n in row["name"].values()
            }
            for number, area in enumerate(row["areas"]):
                for name in (*area["names"].values(), *area.get("aliases", [])):
                    names[_place_words(fold_place(name))] = number
            names.pop("", None)
            ordered = sorted(names)
            places.append(
                StationPlace(
                    code=row["code"],
                    governorate=row["governorate"],
                    location=(float(row["location"][0]), float(row["location"][1])),
                    polygon=shape(row["jurisdiction"]),
                    names=tuple(ordered),
                    governorate_names=tuple(
                        sorted({fold_place(n) for n in row["governorate_name"].values()})
                    ),
                    areas=tuple(names[n] for n in ordered),
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

    def by_name(self, text: str, cutoff: float = ACCEPT) -> list[Match]:
        """Stations whose places the text names, best first; several means ambiguous.

        A place name wins over a governorate name; a governorate alone returns
        all of its stations.
        """
        return self.lookup(text, cutoff).matches

    def lookup(self, text: str, cutoff: float = ACCEPT, floor: float = SUGGEST) -> Lookup:
        """`by_name`'s matches; without any, the stations whose names score between
        `floor` and `cutoff` (at most three, best first), to offer as "did you mean"."""
        grams = _ngrams(" ".join(fold_place(text).split()[:MAX_WORDS]))
        if not grams:
            return Lookup([], [])
        best: dict[str, float] = {}
        for station in self.stations:
            score = _best_score(grams, station.names, floor)
            if score:
                best[station.code] = score
        accepted = {code: score for code, score in best.items() if score >= cutoff}
        if accepted:
            top = max(accepted.values())
            close = sorted(code for code, score in accepted.items() if score >= top - 4)
            return Lookup([self._match(code, "name", best[code], grams) for code in close], [])
        governorates = {
            s.governorate
            for s in self.stations
            if _best_score(grams, s.governorate_names, cutoff + 4)
        }
        if governorates:
            matches = [
                Match(s.code, "governorate", score=100.0)
                for s in self.stations
                if s.governorate in governorates
            ]
            return Lookup(matches, [])
        near = sorted(best, key=lambda code: (-best[code], code))[:MAX_SUGGESTIONS]
        near = [code for code in near if best[code] >= best[near[0]] - 5] if near else []
        return Lookup([], [self._match(code, "suggestion", best[code], grams) for code in near])

    def _match(self, code: str, how: str, score: float, grams: list[str]) -> Match:
        """A name match, with the area whose name scored best."""
        station = next(s for s in self.stations if s.code == code)
        best = int(_score_table(grams, station.names).max(axis=0).argmax())
        return Match(code, how, score=score, area=station.areas[best])


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


@lru_cache(maxsize=4096)
def _spelled(text: str) -> str:
    """The spelling skeleton of a folded text, word by word."""
    return " ".join(skeleton(word) for word in text.split())


def similarity(gram: str, name: str) -> float:
    """How alike a run of words and a place name are, 0 to 100 (see `_score_table`)."""
    return float(_score_table([gram], (name,))[0, 0])


def _score_table(grams: list[str], names: tuple[str, ...]) -> np.ndarray:
    """Similarity of every gram (rows) with every name (columns): the better of their
    folded forms' and their spelling skeletons' `fuzz.ratio`, less FIRST_SOUND when
    the skeletons start differently (misspellings keep the first sound); 100 when the
    skeletons are equal, 0 when their lengths are far apart. A short name (four
    letters or fewer, three in Arabic script) is never accepted on a near miss, only
    suggested."""
    spelled = [_spelled(g) for g in grams]
    table = _name_table(names)
    scores = np.maximum(
        process.cdist(grams, names, scorer=fuzz.ratio, dtype=np.float32),
        process.cdist(spelled, table.spelled, scorer=fuzz.ratio, dtype=np.float32),
    )
    lengths = np.array([len(g) for g in spelled])[:, None]
    first = np.array([g[:1] for g in spelled])[:, None]
    scores -= FIRST_SOUND * (first != table.first)
    short = np.minimum(lengths, table.lengths) <= table.short
    scores = np.where(short, np.minimum(scores, ACCEPT - 1), scores)
    far = np.abs(lengths - table.lengths) > table.slack
    scores = np.where(far, 0.0, scores)
    return np.where(np.array(spelled)[:, None] == table.spelled, 100.0, scores)


@dataclass(frozen=True)
class _Names:
    """The names of a station as the score table needs them, one column each."""

    spelled: tuple[str, ...]
    lengths: np.ndarray
    first: np.ndarray
    short: np.ndarray
    slack: np.ndarray


@lru_cache(maxsize=256)
def _name_table(names: tuple[str, ...]) -> _Names:
    spelled = tuple(_spelled(n) for n in names)
    lengths = np.array([len(n) for n in spelled])
    return _Names(
        spelled=spelled,
        lengths=lengths[None, :],
        first=np.array([n[:1] for n in spelled])[None, :],
        short=np.array(
            [SHORT_ARABIC if _ARABIC_LETTER.match(n) else SHORT_LATIN for n in spelled]
        )[None, :],
        slack=np.maximum(3, lengths // 3)[None, :],
    )


def _best_score(grams: list[str], names: tuple[str, ...], cutoff: float) -> float:
    """The best similarity between any gram and any name, 0 under the cutoff."""
    if not grams or not names:
        return 0.0
    best = float(_score_table(grams, names).max())
    return best if best >= cutoff else 0.0
