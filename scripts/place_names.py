"""Precision and recall of the place-name matcher on lists of misspelt place names.

    .venv/bin/python scripts/place_names.py [list.yml ...]

Without arguments it scores, against the demo registry, tests/data/place_names.yml
(the tuning list), tests/data/place_names_holdout.yml (written before tuning, its
misses looked at once) and tests/data/place_names_fresh.yml (written after tuning,
never looked at miss by miss), and prints one line per list and language; the
misses too with --misses.

An answer is a non-empty result of `StationIndex.by_name`. Precision is the
share of answers that contain the right station (an answer to a negative is
wrong); recall is the share of positives answered with the right station alone.
`did_you_mean` is the share of the unanswered positives whose grey-zone
suggestions hold the right station, `noise` the share of negatives that get
suggestions.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mps.registry import check_registry  # noqa: E402
from mps.routing import StationIndex  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO_REGISTRY = ROOT / "data" / "stations" / "demo.yml"
LISTS = tuple(
    ROOT / "tests" / "data" / f"place_names{part}.yml" for part in ("", "_holdout", "_fresh")
)


@dataclass(frozen=True)
class Case:
    """One text of a list: the station it names (None for a negative)."""

    text: str
    language: str
    station: str | None


@dataclass
class Figures:
    """Counts for one list, or one language of it."""

    positives: int = 0
    negatives: int = 0
    answered: int = 0  # non-empty answers, positives and negatives
    right_answers: int = 0  # answers holding the right station
    found: int = 0  # positives answered with the right station alone
    unanswered: int = 0  # positives without an answer
    suggested: int = 0  # of those, with the right station among the suggestions
    noisy: int = 0  # negatives with suggestions

    @property
    def precision(self) -> float:
        return self.right_answers / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 1.0

    @property
    def did_you_mean(self) -> float:
        return self.suggested / self.unanswered if self.unanswered else 1.0

    @property
    def noise(self) -> float:
        return self.noisy / self.negatives if self.negatives else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name}: precision={self.precision:.3f} recall={self.recall:.3f} "
            f"did_you_mean={self.did_you_mean:.3f} noise={self.noise:.3f} "
            f"(positives={self.positives} negatives={self.negatives})"
        )


def demo_index() -> StationIndex:
    """The routing index over the demo registry."""
    registry, problems = check_registry(DEMO_REGISTRY)
    assert registry is not None, problems
    rows = []
    for station in registry.stations:
        row = station.model_dump()
        row["governorate_name"] = registry.governorates[station.governorate].name.model_dump()
        rows.append(row)
    return StationIndex.from_rows(rows)


def cases(path: Path) -> Iterator[Case]:
    """The texts of a list, positives first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for code, districts in data["positives"].items():
        for languages in districts.values():
            for language, texts in languages.items():
                for text in texts:
                    yield Case(str(text), language, code)
    for language, texts in data["negatives"].items():
        for text in texts:
            yield Case(str(text), language, None)


def score(index: StationIndex, path: Path) -> tuple[dict[str, Figures], list[str]]:
    """Figures for the list ("all" and per language) and its misses, one line each."""
    figures: dict[str, Figures] = {}
    misses = []
    for case in cases(path):
        lookup = index.lookup(case.text)
        codes = [m.code for m in lookup.matches]
        suggested = [m.code for m in lookup.suggestions]
        for key in ("all", case.language):
            f = figures.setdefault(key, Figures())
            if case.station is None:
                f.negatives += 1
                f.answered += bool(codes)
                f.noisy += bool(suggested)
                continue
            f.positives += 1
            f.answered += bool(codes)
            f.right_answers += case.station in codes
            f.found += codes == [case.station]
            f.unanswered += not codes
            f.suggested += not codes and case.station in suggested
        if codes != ([case.station] if case.station else []):
            misses.append(f"{case.language} {case.station} {case.text!r} -> {codes} ?{suggested}")
    return figures, misses


def main(argv: list[str]) -> None:
    show_misses = "--misses" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or list(LISTS)
    index = demo_index()
    for path in paths:
        figures, misses = score(index, path)
        for key in ("all", "en", "ar", "ckb", "arabizi"):
            if key in figures:
                print(figures[key].line(f"{path.stem} {key}"))
        if show_misses:
            print("\n".join(misses))


if __name__ == "__main__":
    main(sys.argv[1:])
