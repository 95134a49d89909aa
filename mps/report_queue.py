"""A station's queue as staff filter it: by status, category, unit and age, and each
report's age against the target time to acknowledge (data/report_routing.yml).

Pure: the reports come from mps.report_threads.open_queue (who may see what), so
the filters never widen what a viewer sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from mps.catalogue import Catalogue
from mps.formatting import digits
from mps.models import Report
from mps.report_rules import CATEGORIES, TRANSITIONS, UnitRules

# Age choices: older than one, three or seven days, or past the target to acknowledge.
OVERDUE = "overdue"
AGES = {"1d": dt.timedelta(days=1), "3d": dt.timedelta(days=3), "7d": dt.timedelta(days=7)}
OPEN_STATUSES = tuple(s for s in TRANSITIONS if s != "closed")


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: "" for any status, category, unit or age."""

    status: str = ""
    category: str = ""
    unit: str = ""
    age: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], units: tuple[str, ...]) -> QueueFilter:
        """The filter a GET form asked for; anything unknown means "any"."""

        def known(name: str, allowed: tuple[str, ...]) -> str:
            value = query.get(name, "")
            return value if value in allowed else ""

        return cls(
            status=known("status", OPEN_STATUSES),
            category=known("category", (*CATEGORIES, "callback")),
            unit=known("unit", units),
            age=known("age", (*AGES, OVERDUE)),
        )

    def keeps(self, report: Report, rules: UnitRules, now: dt.datetime) -> bool:
        """Whether the report passes every filter."""
        return (
            self.status in ("", report.status)
            and self.category in ("", report.category)
            and self.unit in ("", report.unit)
            and self._age_keeps(report, rules, now)
        )

    def _age_keeps(self, report: Report, rules: UnitRules, now: dt.datetime) -> bool:
        if not self.age:
            return True
        if self.age == OVERDUE:
            return overdue(report, rules, now)
        return now - report.created_at >= AGES[self.age]


def overdue(report: Report, rules: UnitRules, now: dt.datetime) -> bool:
    """A new report not acknowledged within its unit's target time."""
    return report.status == "new" and now - report.created_at > rules.acknowledge_within(
        report.unit
    )


def age_text(texts: Catalogue, report: Report, now: dt.datetime, language: str) -> str:
    """ "5 h old", or "3 d old" from two days on, in the reader's language and digits."""
    hours = int((now - report.created_at).total_seconds() // 3600)
    if hours < 48:
        return texts.get("age_hours", language, hours=digits(str(hours), language))
    return texts.get("age_days", language, days=digits(str(hours // 24), language))
