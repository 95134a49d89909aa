"""A scorecard (mps.scorecard) as the tables the page shows, each with its chart, and
the rows of its CSV export: one source, so the page and the file give the same figures.

A figure keeps its raw value (a count, seconds, a share, a mean rating) and its kind;
the page writes it for the reader (mps.formatting: Arabic-Indic digits for Arabic
and Sorani), the charts draw hours and percentages, the CSV keeps minutes, shares
and means as plain numbers with machine keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from mps.catalogue import Catalogue
from mps.faq import FaqTopic
from mps.formatting import digits
from mps.scorecard import Reports, Scorecard, StationLine, Times, Visits
from mps.stations import TRIAGE
from mps.surveys import MIN_ANSWERS, Satisfaction

Kind = Literal["count", "duration", "share", "rating"]
# Durations are written in minutes up to this many, then hours up to HOURS_UP_TO.
MINUTES_UP_TO, HOURS_UP_TO = 120, 48


@dataclass(frozen=True)
class Figure:
    """One number of a table: its raw value (None: none, or too few answers) and kind."""

    value: float | None
    kind: Kind = "count"

    def chart_value(self) -> float | None:
        """What a chart draws: hours for a duration, a percentage for a share."""
        if self.value is None:
            return None
        if self.kind == "duration":
            return round(self.value / 3600, 2)
        if self.kind == "share":
            return round(self.value * 100, 1)
        return self.value

    def csv_value(self) -> str:
        """What the CSV holds: minutes for a duration, the rest as it is ("" for none)."""
        if self.value is None:
            return ""
        if self.kind == "duration":
            return f"{self.value / 60:.1f}"
        if self.kind in ("share", "rating"):
            return f"{self.value:.3f}".rstrip("0").rstrip(".")
        return str(int(self.value))


@dataclass(frozen=True)
class Row:
    """A row: its machine key (a category, a topic, a station…), its label and figures."""

    key: str
    label: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: bar chart of some of its columns (`horizontal` for long
    labels), in the unit its figures are drawn in."""

    columns: tuple[int, ...]
    unit: Literal["count", "hours", "percent"] = "count"
    horizontal: bool = False


@dataclass(frozen=True)
class Table:
    """A section of the scorecard: title, columns (machine keys and headers) and rows."""

    key: str
    title: str
    column_keys: tuple[str, ...]
    headers: tuple[str, ...]
    rows: list[Row]
    chart: Chart | None = None
    note: str = ""

    def chart_data(self) -> dict[str, object] | None:
        """The chart as scorecard.js reads it; None without a chart or anything to draw."""
        if self.chart is None or not self.rows:
            return None
        series = [
            {
                "label": self.headers[1 + c],
                "data": [row.figures[c].chart_value() for row in self.rows],
            }
            for c in self.chart.columns
        ]
        if all(v is None for s in series for v in s["data"]):
            return None
        return {
            "id": self.key,
            "title": self.title,
            "labels": [row.label for row in self.rows],
            "series": series,
            "unit": self.chart.unit,
            "horizontal": self.chart.horizontal,
        }


class Writer:
    """Texts and figures in one reader's language."""

    def __init__(self, texts: Catalogue, language: str) -> None:
        self.texts = texts
        self.language = language

    def t(self, key: str, **values: object) -> str:
        """A text of the catalogue."""
        return self.texts.get(key, self.language, **values)

    def number(self, value: float, places: int = 0) -> str:
        """A number in the reader's digits."""
        text = f"{value:.{places}f}" if places else str(round(value))
        return digits(text, self.language)

    def figure(self, figure: Figure) -> str:
        """A figure as the page writes it ("—" for none)."""
        value = figure.value
        if value is None:
            return "—"
        if figure.kind == "duration":
            minutes = value / 60
            if minutes < MINUTES_UP_TO:
                return self.t("scorecard_minutes", value=self.number(minutes))
            if minutes < HOURS_UP_TO * 60:
                return self.t("scorecard_hours", value=self.number(minutes / 60, 1))
            return self.t("scorecard_days", value=self.number(minutes / 1440, 1))
        if figure.kind == "share":
            return self.t("scorecard_percent", value=self.number(value * 100))
        if figure.kind == "rating":
            return self.number(value, 1)
        return self.number(value)


def _counts(
    key: str, title: str, w: Writer, counts: dict[str, int], label: Callable[[str], str]
) -> Table:
    rows = [Row(k, label(k), (Figure(n),)) for k, n in counts.items()]
    return Table(
        key, w.t(title), ("item", "count"), ("", w.t("scorecard_count")), rows, Chart((0,))
    )


def _times(w: Writer, reports: Reports) -> Table:
    def row(key: str, label: str, times: Times) -> Row:
        return Row(
            key,
            w.t(label),
            (
                Figure(times.median, "duration"),
                Figure(times.p90, "duration"),
                Figure(times.reached),
                Figure(times.waiting),
            ),
        )

    return Table(
        "times",
        w.t("scorecard_times"),
        ("step", "median", "p90", "reached", "waiting"),
        (
            "",
            w.t("scorecard_median"),
            w.t("scorecard_p90"),
            w.t("scorecard_reached"),
            w.t("scorecard_waiting"),
        ),
        [
            row("acknowledge", "scorecard_acknowledge", reports.acknowledge),
            row("close", "scorecard_close", reports.close),
        ],
        Chart((0, 1), "hours"),
    )


def _values(
    key: str, title: str, w: Writer, items: list[tuple[str, str, Figure]], note: str = ""
) -> Table:
    """A table of single figures, one a row: (row key, label key, figure)."""
    rows = [Row(k, w.t(label), (figure,)) for k, label, figure in items]
    return Table(key, w.t(title), ("item", "value"), ("", ""), rows, note=note)


def _summary(w: Writer, reports: Reports) -> Table:
    return _values(
        "reports",
        "scorecard_reports",
        w,
        [
            ("filed", "scorecard_filed", Figure(reports.filed)),
            ("rerouted", "scorecard_rerouted", Figure(reports.rerouted)),
            (
                "rerouted_share",
                "scorecard_rerouted_share",
                Figure(reports.rerouted_share, "share"),
            ),
        ],
    )


def _visits(w: Writer, visits: Visits) -> Table:
    def row(key: str, label: str, bookings: int, people: int | None) -> Row:
        return Row(key, w.t(label), (Figure(bookings), Figure(people)))

    return Table(
        "visits",
        w.t("scorecard_visits"),
        ("item", "bookings", "people"),
        ("", w.t("scorecard_bookings"), w.t("scorecard_people")),
        [
            row("booked", "scorecard_booked", visits.bookings, visits.people),
            row("attended", "scorecard_attended", visits.attended, visits.attended_people),
            row("no_shows", "scorecard_no_shows", visits.no_shows, visits.no_show_people),
            row("upcoming", "scorecard_upcoming", visits.upcoming, None),
            row("cancelled", "scorecard_cancelled", visits.cancelled, None),
        ],
        Chart((0,)),
        w.t(
            "scorecard_visits_note",
            events=w.number(visits.events),
            seats=w.number(visits.seats),
        ),
    )


def _satisfaction(w: Writer, figures: Satisfaction) -> Table:
    return _values(
        "satisfaction",
        "scorecard_satisfaction",
        w,
        [
            ("sent", "scorecard_sent", Figure(figures.sent)),
            ("answered", "scorecard_answered", Figure(figures.answered)),
            ("response_rate", "scorecard_response_rate", Figure(figures.response_rate, "share")),
            ("mean_rating", "scorecard_mean_rating", Figure(figures.mean_rating, "rating")),
            (
                "respected_share",
                "scorecard_respected_share",
                Figure(figures.respected_share, "share"),
            ),
        ],
        w.t("scorecard_too_few", least=w.number(MIN_ANSWERS)),
    )


def station_label(w: Writer, code: str, names: Callable[[str], str]) -> str:
    """A station's name, or the central triage queue's."""
    return w.t("scorecard_triage") if code == TRIAGE else names(code)


def _comparison(w: Writer, lines: list[StationLine], names: Callable[[str], str]) -> Table:
    rows = [
        Row(
            line.station,
            station_label(w, line.station, names),
            (
                Figure(line.reports.filed),
                Figure(line.reports.acknowledge.median, "duration"),
                Figure(line.reports.close.median, "duration"),
                Figure(line.reports.rerouted_share, "share"),
                Figure(line.visits.attended),
                Figure(line.visits.no_shows),
                Figure(line.satisfaction.mean_rating, "rating"),
            ),
        )
        for line in lines
    ]
    return Table(
        "stations",
        w.t("scorecard_comparison"),
        (
            "station",
            "filed",
            "acknowledge_median",
            "close_median",
            "rerouted_share",
            "attended",
            "no_shows",
            "mean_rating",
        ),
        (
            w.t("scorecard_station"),
            w.t("scorecard_filed"),
            w.t("scorecard_acknowledge_median"),
            w.t("scorecard_close_median"),
            w.t("scorecard_rerouted_share"),
            w.t("scorecard_attended"),
            w.t("scorecard_no_shows"),
            w.t("scorecard_mean_rating"),
        ),
        rows,
        Chart((1,), "hours", horizontal=True),
    )


def tables(
    card: Scorecard,
    w: Writer,
    names: Callable[[str], str],
    topics: dict[str, FaqTopic],
) -> list[Table]:
    """Every section of the scorecard, in the page's order."""
    reports = card.reports
    found = [
        _summary(w, reports),
        _counts(
            "categories",
            "scorecard_by_category",
            w,
            reports.by_category,
            lambda c: w.texts.choice("category", c, w.language),
        ),
        _counts(
            "units",
            "scorecard_by_unit",
            w,
            reports.by_unit,
            lambda u: w.texts.choice("unit", u, w.language),
        ),
        _times(w, reports),
        _visits(w, card.visits),
        _satisfaction(w, card.satisfaction),
        _counts(
            "faq",
            "scorecard_faq",
            w,
            dict(card.faq_topics),
            lambda k: getattr(topics[k].title, w.language) if k in topics else k,
        ),
        _counts(
            "unanswered",
            "scorecard_unanswered",
            w,
            card.unanswered,
            lambda lang: w.texts.get("language_name", lang),
        ),
    ]
    if card.lines:
        found.append(_comparison(w, card.lines, names))
    return found


def csv_rows(scope: str, period: str, sections: list[Table]) -> Iterator[list[str]]:
    """The CSV's rows (after its header): period, scope, section, row, column, value, and
    the row's label in the reader's language."""
    for table in sections:
        for row in table.rows:
            for column, figure in zip(table.column_keys[1:], row.figures, strict=True):
                yield [period, scope, table.key, row.key, column, figure.csv_value(), row.label]
