"""The scorecard page and its CSV: a station's own figures for its staff (another
station's is 403), the national view for headquarters with no personal data, the
week and month picker without JavaScript, and the same figures in the CSV."""

from __future__ import annotations

import csv
import io
import json
import re

from mps.question_counts import count_question
from mps.reports import change_status
from mps.scorecard import Period
from tests.console.conftest import KARRADA, MANSOUR, Console, login

DESCRIPTION = "Ali Hassan from the blue house keeps shouting at night"
PHONE = "07701234567"
CHARTS = re.compile(r'<script type="application/json" id="scorecard-charts">(.*?)</script>', re.S)


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def figure(rows: list[dict[str, str]], scope: str, section: str, row: str, column: str) -> str:
    [found] = [
        r["value"]
        for r in rows
        if (r["scope"], r["section"], r["row"], r["column"]) == (scope, section, row, column)
    ]
    return found


async def test_staff_see_their_stations_week(console: Console) -> None:
    report = await console.file(description=DESCRIPTION)
    assert report.reference is not None
    await login(console.client, console.database, 501, station=KARRADA)
    async with console.database.sessions.begin() as session:
        await change_status(session, report.reference, 501, "acknowledged", console.clock())
    page = await console.client.get("/console/scorecard")
    assert page.status == 200
    html = await page.text()
    assert "Scorecard: Karrada Police Station" in html
    week = Period.of("week", console.clock().today)
    assert f'<option value="{week.name}" selected>' in html
    for title in (
        "Reports by category",
        "Time to acknowledge and to close",
        "Open House Day visits",
        "Satisfaction",
        "Most asked questions (FAQ topics)",
        "What the assistant could not answer, by language",
    ):
        assert title in html
    assert "Stations compared" not in html  # the national view is headquarters'
    assert '<select name="station">' not in html
    assert DESCRIPTION not in html and report.reference not in html
    charts = json.loads(CHARTS.search(html)[1])  # type: ignore[index]
    drawn = {c["id"]: c for c in charts["charts"]}
    assert drawn["categories"]["labels"] == ["Noise"]
    assert drawn["categories"]["series"][0]["data"] == [1]
    assert "times" in drawn  # acknowledged: its time is drawn
    assert '<script src="/console/static/vendor/chart.umd.min.js">' in html


async def test_another_stations_scorecard_is_403_for_staff(console: Console) -> None:
    await login(console.client, console.database, 502, station=KARRADA)
    assert (await console.client.get(f"/console/scorecard?station={KARRADA}")).status == 200
    for path in ("/console/scorecard", "/console/scorecard.csv"):
        refused = await console.client.get(f"{path}?station={MANSOUR}")
        assert refused.status == 403
        assert "not open to you" in await refused.text()
        assert (await console.client.get(f"{path}?station=ALL")).status == 403


async def test_without_a_session_the_scorecard_sends_to_the_login_page(console: Console) -> None:
    page = await console.client.get("/console/scorecard", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"] == "/console/login"


async def test_headquarters_see_the_national_view_and_no_personal_data(console: Console) -> None:
    await console.file(description=DESCRIPTION)
    await console.file(description=DESCRIPTION, category="online_harassment", contact_phone=PHONE)
    async with console.database.sessions.begin() as session:
        day = console.clock().today
        await count_question(session, day, "faq", "cybercrime")
    await login(console.client, console.database, 900, role="hq")
    page = await console.client.get("/console/scorecard")
    html = await page.text()
    assert page.status == 200
    assert "Scorecard: All stations" in html
    assert "Stations compared" in html and "Central triage" in html
    assert '<select name="station">' in html
    assert '<th scope="row">Online crime</th><td>1</td>' in html
    export = await console.client.get("/console/scorecard.csv")
    rows = csv_rows(await export.read())
    for text in (html, json.dumps(rows, ensure_ascii=False)):
        for personal in (DESCRIPTION, "Ali Hassan", PHONE, "33.30", "44.42", "p-citizen"):
            assert personal not in text
    assert figure(rows, "ALL", "reports", "filed", "value") == "2"
    assert figure(rows, "ALL", "stations", KARRADA, "filed") == "2"
    assert figure(rows, "ALL", "stations", MANSOUR, "filed") == "0"
    assert figure(rows, "ALL", "units", "fcpu", "count") == "1"
    assert figure(rows, "ALL", "faq", "cybercrime", "count") == "1"
    # One station, picked by headquarters; one that does not exist is 404.
    one = await console.client.get(f"/console/scorecard?station={MANSOUR}")
    assert one.status == 200 and "Scorecard: Mansour Police Station" in await one.text()
    assert (await console.client.get("/console/scorecard?station=NOPE")).status == 404


async def test_the_csv_has_the_pages_figures_for_the_period_picked(console: Console) -> None:
    await console.file()
    await login(console.client, console.database, 503, station=KARRADA)
    month = Period.of("month", console.clock().today)
    page = await console.client.get(f"/console/scorecard?period={month.name}")
    html = await page.text()
    assert f'<option value="{month.name}" selected>' in html
    assert f'href="/console/scorecard.csv?period={month.name}"' in html
    export = await console.client.get(f"/console/scorecard.csv?period={month.name}")
    assert export.status == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    assert f"scorecard-{KARRADA}-{month.name}.csv" in export.headers["Content-Disposition"]
    rows = csv_rows(await export.read())
    assert set(rows[0]) == {"period", "scope", "section", "row", "column", "value", "label"}
    assert {r["period"] for r in rows} == {month.name}
    assert figure(rows, KARRADA, "reports", "filed", "value") == "1"
    assert figure(rows, KARRADA, "categories", "noise", "count") == "1"
    assert figure(rows, KARRADA, "times", "acknowledge", "waiting") == "1"
    assert figure(rows, KARRADA, "times", "acknowledge", "median") == ""  # none yet
    assert figure(rows, KARRADA, "satisfaction", "mean_rating", "value") == ""
    # The page shows the same: one noise report, in its table.
    assert re.search(r"<th scope=\"row\">Noise</th><td>1</td>", html)
    # A period that is not one shows the current week.
    odd = await console.client.get("/console/scorecard?period=2026-W99")
    week = Period.of("week", console.clock().today)
    assert f'<option value="{week.name}" selected>' in await odd.text()


async def test_arabic_reads_right_to_left_with_arabic_indic_digits(console: Console) -> None:
    await console.file()
    await login(console.client, console.database, 504, station=KARRADA, language="ar")
    html = await (await console.client.get("/console/scorecard")).text()
    assert '<html lang="ar" dir="rtl">' in html
    assert "بطاقة الأداء" in html
    assert "<td>١</td>" in html and "<td>1</td>" not in html
    charts = json.loads(CHARTS.search(html)[1])  # type: ignore[index]
    assert charts["rtl"] is True and charts["locale"] == "ar-IQ"
    assert charts["axes"]["count"] == "العدد"


async def test_the_charts_script_is_served(console: Console) -> None:
    await login(console.client, console.database, 505, station=KARRADA)
    script = await console.client.get("/console/static/scorecard.js")
    assert script.status == 200 and "new window.Chart(" in await script.text()
