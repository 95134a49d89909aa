"""Report categories, statuses, references and which unit a report goes to.

Pure rules, no database: the report service and its tests use them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mps.report_errors import IllegalTransition
from mps.text import normalize, phrase_pattern

CATEGORIES = (
    "noise",
    "theft",
    "vandalism",
    "lost_found",
    "traffic",
    "suspicious",
    "online_harassment",
    "other",
)
# Allowed status changes; re-routing keeps the status and is allowed until closed.
TRANSITIONS = {
    "new": {"acknowledged", "in_progress", "closed"},
    "acknowledged": {"in_progress", "closed"},
    "in_progress": {"closed"},
    "closed": set(),
}
# What happened, in the citizen's words (Telegram's form and Open311 alike).
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000
ROUTING_FILE = Path(__file__).resolve().parents[1] / "data" / "report_routing.yml"
REFERENCE = re.compile(r"\bMPS-[A-Z0-9]{4}-[A-Z0-9]{2}\b", re.IGNORECASE)


def check_transition(current: str, new: str, reference: str = "") -> None:
    """Raise IllegalTransition unless `current` → `new` is allowed."""
    if new not in TRANSITIONS.get(current, set()):
        raise IllegalTransition(reference, current)


def find_reference(text: str) -> str | None:
    """The first reference in `text`, upper-cased."""
    found = REFERENCE.search(normalize(text))
    return found[0].upper() if found else None


@dataclass(frozen=True)
class UnitRules:
    """Category → unit, with description words that override it."""

    default_unit: str
    categories: dict[str, str]
    overrides: dict[str, re.Pattern[str]]
    keywords: tuple[tuple[str, re.Pattern[str]], ...] = ()
    sensitive_units: frozenset[str] = frozenset({"fcpu", "juvenile"})
    sensitive_categories: frozenset[str] = frozenset({"online_harassment", "callback"})
    # The words of `keywords`, as written (Open311 lists them with each service).
    keyword_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Hours to acknowledge a new report, by unit; "default" for the others.
    acknowledge_hours: dict[str, float] = field(default_factory=lambda: {"default": 24.0})

    @classmethod
    def load(cls, path: Path = ROUTING_FILE) -> UnitRules:
        """Read data/report_routing.yml."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        targets = data.get("acknowledge_within_hours") or {"default": 24}
        overrides = {}
        for unit, words in (data.get("overrides") or {}).items():
            pattern = phrase_pattern([normalize(str(w)) for w in words])
            if pattern is not None:
                overrides[str(unit)] = pattern
        keywords, keyword_words = [], []
        for category, words in (data.get("keywords") or {}).items():
            pattern = phrase_pattern([normalize(str(w)) for w in words])
            if pattern is not None and category in CATEGORIES:
                keywords.append((str(category), pattern))
                keyword_words.append((str(category), tuple(str(w) for w in words)))
        return cls(
            str(data["default_unit"]),
            dict(data["categories"]),
            overrides,
            tuple(keywords),
            frozenset(str(u) for u in data.get("sensitive_units", ("fcpu", "juvenile"))),
            frozenset(
                str(c) for c in data.get("sensitive_categories", ("online_harassment", "callback"))
            ),
            tuple(keyword_words),
            {str(unit): float(hours) for unit, hours in targets.items()},
        )

    def is_sensitive(self, category: str, unit: str) -> bool:
        """Whether a report is for its unit's eyes only (family, children, blackmail)."""
        return unit in self.sensitive_units or category in self.sensitive_categories

    def acknowledge_within(self, unit: str) -> dt.timedelta:
        """The target time to acknowledge a new report of `unit`."""
        hours = self.acknowledge_hours.get(unit, self.acknowledge_hours.get("default", 24.0))
        return dt.timedelta(hours=hours)

    def words_for(self, category: str) -> tuple[str, ...]:
        """The words that name a category, as data/report_routing.yml writes them."""
        return dict(self.keyword_words).get(category, ())

    def public_categories(self) -> list[str]:
        """The categories whose reports are not sensitive whatever their words
        (Open311 offers these, and only these, as services)."""
        return [c for c in CATEGORIES if not self.is_sensitive(c, self.unit_for(c))]

    def category_in(self, text: str) -> str | None:
        """The category a text names ("my bike was stolen" → theft), if any."""
        folded = normalize(text)
        for category, pattern in self.keywords:
            if pattern.search(folded):
                return category
        return None

    def unit_for(self, category: str, description: str = "") -> str:
        """The unit that handles a report of this category and description."""
        text = normalize(description)
        for unit in ("fcpu", "juvenile"):
            pattern = self.overrides.get(unit)
            if pattern is not None and pattern.search(text):
                return unit
        return self.categories.get(category, self.default_unit)
