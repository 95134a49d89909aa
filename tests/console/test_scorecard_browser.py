"""The scorecard in a real browser: Debian's headless Chromium, driven by Playwright
(the system browser, nothing downloaded). A headquarters analyst signs in with the
bot's one-time link and sees the national view with its charts drawn, and no
report's words anywhere; a screenshot goes to var/screenshots/."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from mps.database import Database
from mps.models import Event, Survey
from mps.question_counts import count_question
from mps.scorecard import Period
from mps.stations import TRIAGE
from tests.console.conftest import Console, enrol, link_for
from tests.test_scorecard import add_booking, add_report, change

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WORDS = "Ali Hassan from the blue house keeps shouting at night"
# Reports of last week: (station, category, unit, minutes to acknowledge, to close).
REPORTS = [
    ("BGD-KRD", "noise", "community_policing", 25, 240),
    ("BGD-KRD", "noise", "community_policing", 40, None),
    ("BGD-KRD", "theft", "community_policing", 90, 1500),
    ("BGD-KRD", "online_harassment", "fcpu", 15, 300),
    ("BGD-KRD", "vandalism", "community_policing", None, None),
    ("BGD-MNS", "traffic", "community_policing", 180, 2900),
    ("BGD-MNS", "noise", "community_policing", 60, None),
    ("BGD-MNS", "lost_found", "community_policing", 300, 600),
    ("BGD-ADH", "suspicious", "community_policing", 45, 700),
    ("BGD-ADH", "theft", "community_policing", None, None),
    ("BSR-ASH", "noise", "community_policing", 120, 1440),
    ("EBL-CTR", "other", "community_policing", 35, 200),
    (TRIAGE, "other", "community_policing", None, None),
]
QUESTIONS = {"opening_hours": 9, "clearance_certificate": 6, "lost_documents": 4, "cybercrime": 2}
UNANSWERED = {"ar": 5, "ckb": 3, "en": 1}


async def seed_last_week(database: Database, week: Period) -> None:
    """Hand-made figures for last week: reports and their histories, an Open House
    Day with visitors, surveys and the questions people asked."""
    monday = dt.datetime.combine(week.first, dt.time(9), dt.UTC)
    async with database.sessions.begin() as session:
        for i, (station, category, unit, ack, close) in enumerate(REPORTS):
            report = add_report(
                session, station, monday + dt.timedelta(hours=5 * i), category, unit
            )
            report.description = WORDS
            await session.flush()
            if station == "BGD-ADH":  # placed by the central triage team first
                change(session, report, 10, station, kind="reroute", before=TRIAGE)
            if ack is not None:
                change(session, report, ack, "acknowledged", before="new")
            if close is not None:
                change(session, report, close, "closed", before="acknowledged")
        event = Event(
            station_code="BGD-KRD",
            day=week.first + dt.timedelta(days=2),
            start=dt.time(9),
            end=dt.time(12),
            capacity=20,
            seats_taken=0,
        )
        session.add(event)
        await session.flush()
        for n, (party, came) in enumerate([(2, True), (3, True), (1, False), (3, True)]):
            add_booking(session, event, f"SEED{n}", party, checked_in=came)
        for rating in (5, 4, 4, 2, 5, 4):
            session.add(
                Survey(
                    kind="report",
                    station_code="BGD-KRD",
                    status="answered",
                    asked_on=week.first + dt.timedelta(days=3),
                    rating=rating,
                    respected=rating > 2,
                    comment="Officer Karim was kind",
                )
            )
        for kind, counts in (("faq", QUESTIONS), ("unanswered", UNANSWERED)):
            for key, times in counts.items():
                for _ in range(times):
                    await count_question(session, week.first, kind, key)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def signed_in_page(
    browser: Browser, console: Console, user_id: int, station: str | None, language: str = "en"
) -> Page:
    """A page of a new browser context, signed in with a one-time link the real way: a
    station's staff member, or (station None) a headquarters analyst."""
    role = "hq" if station is None else "station"
    await enrol(console.database, user_id, station, role=role)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(base_url(console) + await link_for(console.database, user_id, language))
    await page.locator("main form button").click()
    await page.wait_for_load_state()
    return page


def base_url(console: Console) -> str:
    return str(console.server.make_url("")).rstrip("/")


async def test_an_hq_analyst_sees_the_charts_and_no_report_words(
    console: Console, browser: Browser
) -> None:
    week = Period.of("week", console.clock().today).previous()
    await seed_last_week(console.database, week)
    await console.file(description=WORDS)  # this week's, too
    page = await signed_in_page(browser, console, 900, station=None)
    base = base_url(console)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{base}/console/scorecard?period={week.name}")
    await page.wait_for_selector("canvas[data-drawn]")
    assert await page.title() == f"Scorecard · All stations · {await period_text(page)}"
    canvases = page.locator("canvas")
    count = await canvases.count()
    assert count == await page.locator("canvas[data-drawn]").count() >= 6
    for i in range(count):  # each canvas has pixels drawn on it, not just a blank box
        assert await canvases.nth(i).evaluate(PAINTED), await canvases.nth(i).get_attribute("id")
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "scorecard.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    # No report's words, no comment, anywhere headquarters can go.
    for path in (
        f"/console/scorecard?period={week.name}",
        "/console/scorecard",
        f"/console/scorecard?station=BGD-KRD&period={week.name}",
        f"/console/scorecard.csv?period={week.name}",
        "/console/queue",
        "/console",
    ):
        response = await page.request.get(base + path)
        body = await response.text()
        assert WORDS not in body and "Ali Hassan" not in body and "Karim" not in body, path
    assert (await page.request.get(base + "/console/queue")).status == 403


async def period_text(page: Page) -> str:
    return await page.locator("p.period strong").inner_text()


# True when the canvas has at least a few hundred pixels that are not transparent.
PAINTED = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
  return painted > 300;
}"""


async def test_charts_are_drawn_right_to_left_for_arabic_readers(
    console: Console, browser: Browser
) -> None:
    week = Period.of("week", console.clock().today).previous()
    await seed_last_week(console.database, week)
    page = await signed_in_page(browser, console, 510, "BGD-KRD", "ar")
    base = base_url(console)
    await page.goto(f"{base}/console/scorecard?period={week.name}")
    await page.wait_for_selector("canvas[data-drawn]")
    assert await page.locator("html").get_attribute("dir") == "rtl"
    assert await page.locator("canvas").count() == await page.locator("canvas[data-drawn]").count()
    assert "٥" in await page.locator("#reports").inner_text()  # five reports, in its digits
    await page.screenshot(path=str(SCREENSHOTS / "scorecard-ar.png"), full_page=True)
