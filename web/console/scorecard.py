"""The scorecard page and its CSV (GET /console/scorecard, /console/scorecard.csv).

Station staff see their own station (asking for another one is 403); headquarters
analysts see the national view, every station compared, and may pick one station
(`?station=ALL|CODE`). `?period=2026-W48` or `?period=2026-11` picks an ISO week or
a calendar month (the current week by default) from a plain GET form: no
JavaScript is needed except to draw the charts, and every chart has its table.

A scorecard holds counts and times only (mps.scorecard), so neither role sees any
personal data here. Survey comments are free text a citizen wrote and may name
people: they are not shown, to either role.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from aiohttp import web

from mps.faq import load_faq
from mps.formatting import day_text, digits, month_text
from mps.scorecard import Period, Scorecard, scorecard
from mps.stations import TRIAGE
from web.console.auth import Viewer, viewer
from web.console.pages import render, station_name
from web.console.scorecard_tables import Table, Writer, csv_rows, station_label, tables
from web.context import context

ALL = "ALL"
# The periods the picker offers: this many weeks and months back from the current one.
PICKER_LENGTH = 12
FAQ_DIR = Path(__file__).resolve().parents[2] / "data" / "faq"
CSV_HEADER = ("period", "scope", "section", "row", "column", "value", "label")


def routes(app: web.Application) -> None:
    """Add the page and its CSV."""
    app.router.add_get("/console/scorecard", page)
    app.router.add_get("/console/scorecard.csv", export)


def scope_of(request: web.Request, v: Viewer) -> str:
    """The station asked for (`ALL` for the national view), if this viewer may see it:
    staff their own station only (403 for another), headquarters any station (404 for
    one that does not exist)."""
    asked = request.query.get("station", "")
    if v.role == "station":
        assert v.station_code is not None
        if asked not in ("", v.station_code):
            raise web.HTTPForbidden()
        return v.station_code
    if asked in ("", ALL):
        return ALL
    if asked != TRIAGE and asked not in context(request).store.stations:
        raise web.HTTPNotFound()
    return asked


def period_of(request: web.Request) -> Period:
    """The period asked for; the current week when none (or no valid one) is."""
    asked = Period.parse(request.query.get("period", ""))
    return asked or Period.of("week", context(request).store.clock().today)


async def card_for(request: web.Request, v: Viewer) -> tuple[str, Scorecard]:
    """The scope and the scorecard this request asks for (after the viewer's rights)."""
    scope = scope_of(request, v)
    store = context(request).store
    stations = None if scope == ALL else {scope}
    async with store.database.sessions() as session:
        card = await scorecard(
            session, period_of(request), store.clock(), stations, compare=scope == ALL
        )
    return scope, card


def sections(request: web.Request, card: Scorecard, language: str) -> list[Table]:
    """The scorecard's tables in `language`."""
    topics = {t.topic: t for t in load_faq(FAQ_DIR)}
    names = lambda code: station_name(request, code, language)  # noqa: E731
    return tables(card, Writer(context(request).texts, language), names, topics)


def period_name(period: Period, w: Writer) -> str:
    """ "Week 48 of 2026 (23 Nov – 29 Nov)" or "November 2026", in the reader's words."""
    if period.kind == "month":
        return month_text(period.first, w.language)
    year, week, _ = period.first.isocalendar()
    return w.t(
        "scorecard_week_name",
        week=w.number(week),
        year=w.number(year),
        first=day_text(period.first, w.language, short=True),
        last=day_text(period.last, w.language, short=True),
    )


def choices(request: web.Request, w: Writer) -> dict[str, list[tuple[str, str]]]:
    """The picker's options: recent weeks and months, and (for headquarters) stations."""
    today = context(request).store.clock().today
    weeks, months = [Period.of("week", today)], [Period.of("month", today)]
    for _ in range(PICKER_LENGTH - 1):
        weeks.append(weeks[-1].previous())
        months.append(months[-1].previous())
    stations = [(ALL, w.t("scorecard_national"))] + [
        (code, station_label(w, code, lambda c: station_name(request, c, w.language)))
        for code in [*sorted(context(request).store.stations), TRIAGE]
    ]
    return {
        "weeks": [(p.name, period_name(p, w)) for p in weeks],
        "months": [(p.name, period_name(p, w)) for p in months],
        "stations": stations,
    }


async def page(request: web.Request) -> web.Response:
    """The scorecard of a station or the national view, as tables and charts."""
    v = await viewer(request)
    scope, card = await card_for(request, v)
    w = Writer(context(request).texts, v.language)
    found = sections(request, card, v.language)
    charts = [data for data in (table.chart_data() for table in found) if data is not None]
    here = {"station": scope} if v.role == "hq" else {}
    return await render(
        request,
        "scorecard.html",
        card=card,
        scope=scope,
        scope_name=w.t("scorecard_national")
        if scope == ALL
        else station_label(w, scope, lambda c: station_name(request, c, v.language)),
        period_name=period_name(card.period, w),
        tables=found,
        figure=w.figure,
        charts=script_json(
            {
                "charts": charts,
                "locale": LOCALES[v.language],
                "rtl": v.language != "en",
                "axes": {
                    "count": w.t("scorecard_count"),
                    "hours": w.t("scorecard_axis_hours"),
                    "percent": w.t("scorecard_axis_percent"),
                },
            }
        ),
        picker=choices(request, w),
        link=lambda period: _link(period, here),
        csv_link=_link(card.period, here, "/console/scorecard.csv"),
        digits=lambda text: digits(text, v.language),
        texts={
            "title": w.t("scorecard_title"),
            "period": w.t("scorecard_period"),
            "weeks": w.t("scorecard_weeks"),
            "months": w.t("scorecard_months"),
            "station": w.t("scorecard_station"),
            "show": w.t("scorecard_show"),
            "previous": w.t("scorecard_previous"),
            "next": w.t("scorecard_next"),
            "csv": w.t("scorecard_csv"),
            "none": w.t("scorecard_none"),
            "questions_note": w.t("scorecard_questions_note"),
            "charts_note": w.t("scorecard_charts_note"),
            "times_note": w.t("scorecard_times_note"),
        },
    )


# Chart.js writes its axis numbers with Intl.NumberFormat: these give the product's
# digits (Arabic-Indic for Arabic and Sorani).
LOCALES = {"en": "en-GB", "ar": "ar-IQ", "ckb": "ckb-IQ"}


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` that could end it."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _link(period: Period, here: dict[str, str], path: str = "/console/scorecard") -> str:
    """The address of a period (and the station headquarters picked)."""
    query = "&".join(f"{k}={v}" for k, v in {"period": period.name, **here}.items())
    return f"{path}?{query}"


async def export(request: web.Request) -> web.Response:
    """The same figures as a CSV file (UTF-8 with a BOM, for spreadsheets)."""
    v = await viewer(request)
    scope, card = await card_for(request, v)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(scope, card.period.name, sections(request, card, v.language)))
    name = f"scorecard-{scope}-{card.period.name}.csv"
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
