"""Staffed hours (mps/handoff_hours.py and the registry's `staffed_hours`): whether staff
answer now, when they next will, how a reader sees them, and a bad period refused with
its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.admin import main
from mps.handoff_hours import hours_text, next_opening, periods, staffed_at
from mps.registry import check_registry
from tests.conftest import BAGHDAD, DEMO_REGISTRY

WEEK = periods(
    [
        {"days": ["sun", "mon", "tue", "wed", "thu"], "start": "08:00", "end": "14:00"},
        {"days": ["sat"], "start": "20:00", "end": "24:00"},
    ]
)


def at(text: str) -> dt.datetime:
    """A Baghdad wall-clock time, "YYYY-MM-DD HH:MM" (2026-11-26 is a Thursday)."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BAGHDAD)


@pytest.mark.parametrize(
    ("moment", "staffed", "opening"),
    [
        ("2026-11-26 08:00", True, "2026-11-28 20:00"),  # Thursday, the first minute
        ("2026-11-26 13:59", True, "2026-11-28 20:00"),
        ("2026-11-26 14:00", False, "2026-11-28 20:00"),  # the end is not staffed
        ("2026-11-27 10:00", False, "2026-11-28 20:00"),  # Friday
        ("2026-11-28 23:59", True, "2026-11-29 08:00"),  # "24:00" ends Saturday
        ("2026-11-29 07:59", False, "2026-11-29 08:00"),
    ],
)
def test_staffed_now_and_the_next_opening(moment: str, staffed: bool, opening: str) -> None:
    assert staffed_at(WEEK, at(moment)) is staffed
    assert next_opening(WEEK, at(moment)) == at(opening)


def test_no_hours_listed_means_sunday_to_thursday_eight_to_two() -> None:
    default = periods([])
    assert staffed_at(default, at("2026-11-29 09:00"))  # Sunday
    assert not staffed_at(default, at("2026-11-28 09:00"))  # Saturday
    assert hours_text(default, "en") == "Sunday - Thursday 08:00-14:00"


def test_hours_read_in_each_language_and_its_digits() -> None:
    assert hours_text(WEEK, "en") == "Sunday - Thursday 08:00-14:00; Saturday 20:00-24:00"
    assert hours_text(WEEK, "ar") == "الأحد - الخميس ٠٨:٠٠-١٤:٠٠؛ السبت ٢٠:٠٠-٢٤:٠٠"
    assert hours_text(WEEK, "ckb") == "یەکشەممە - پێنجشەممە ٠٨:٠٠-١٤:٠٠؛ شەممە ٢٠:٠٠-٢٤:٠٠"


def test_the_demo_registry_gives_each_station_its_hours() -> None:
    registry, problems = check_registry(DEMO_REGISTRY)
    assert registry is not None, problems
    hours = {s.code: s.staffed_hours for s in registry.stations}
    assert hours["BGD-KRD"][0].end == "18:00"
    assert [p.days for p in hours["BSR-ZBR"]] == [["sun", "mon", "tue", "wed", "thu"], ["sat"]]


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ('{days: [sun], start: "25:00", end: "14:00"}', "HH:MM"),
        ('{days: [sun], start: "14:00", end: "08:00"}', "end must come after start"),
        ('{days: [sunday], start: "08:00", end: "14:00"}', "days.0"),
        ('{days: [], start: "08:00", end: "14:00"}', "days"),
    ],
)
def test_a_bad_period_is_refused_with_its_line(tmp_path: Path, period: str, message: str) -> None:
    text = DEMO_REGISTRY.read_text(encoding="utf-8")
    first = text.index("    staffed_hours:")
    line = text[:first].count("\n") + 2
    end = text.index("\n", text.index("\n", first) + 1)
    bad = tmp_path / "bad.yml"
    bad.write_text(text[:first] + f"    staffed_hours:\n      - {period}" + text[end:], "utf-8")
    registry, problems = check_registry(bad)
    assert registry is None
    assert [p.line for p in problems] == [line] and message in problems[0].message, problems


def test_the_console_prints_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/admin.db")
    assert main(["stations", "import", str(DEMO_REGISTRY)]) == 0
    capsys.readouterr()
    assert main(["handoffs", "figures", "--station", "bgd-krd", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("opened 0, taken 0, closed 0")
    assert "median time to take -, to close -" in out
