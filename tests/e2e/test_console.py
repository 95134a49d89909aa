"""End to end in a browser: the staff console on the real stack (emulator, web,
Rasa, bot), driven by Playwright in Debian's headless Chromium.

A staff member gets the /console link through the emulator, signs in and sees the
report a citizen just filed; acknowledges it in the console; the citizen hears of
it in Telegram and the Telegram card shows the new status; another station's staff
get 403 for the report's URL. Screenshots go to results/console/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.stack_fixture import Stack, new_user
from tests.e2e.test_reports import file_report

CHROMIUM = "/usr/bin/chromium"
# The screenshots each run takes (kept out of git, like the other results).
SHOTS = Path(__file__).resolve().parents[2] / "results" / "console"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/console/login/[A-Za-z0-9_-]+")
# Staff in their private chats: Karrada's (who works the report) and Mansour's.
KRD_OFFICER, MNS_OFFICER = 9501, 9502


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def console_link(stack: Stack, user: int) -> str:
    """/console in the user's private chat: the link the bot sends back."""
    [reply] = stack.telegram.ask(user, "/console")
    found = LINK.search(reply["text"])
    assert found is not None, reply["text"]
    assert found[0].startswith(stack.web_url)
    return found[0]


def sign_in(browser: Browser, link: str) -> Page:
    """A fresh browser window that follows the link and presses its button."""
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(link)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_url(re.compile(r".*/console/queue$"))
    return page


def test_staff_work_a_new_report_in_the_console(stack: Stack, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = SHOTS
    stack.enrol(KRD_OFFICER, KRD_OFFICER, "BGD-KRD")
    stack.enrol(MNS_OFFICER, MNS_OFFICER, "BGD-MNS")
    citizen = new_user()
    # The link is for staff, in a private chat only.
    [refused] = stack.telegram.ask(citizen, "/console")
    assert "only for station staff" in refused["text"]
    [in_group] = stack.telegram.ask(KRD_OFFICER, "/console", chat=-9500)
    assert "only in a private chat" in in_group["text"] and "/login/" not in in_group["text"]

    reference = file_report(
        stack,
        citizen,
        "i want to report noise in Karrada",
        "A generator next to the bakery runs all night and nobody can sleep.",
    )
    card = stack.telegram.wait_for(
        KRD_OFFICER, lambda m: m["text"].startswith(f"Report {reference}")
    )
    assert "Status: received" in card["text"]

    link = console_link(stack, KRD_OFFICER)
    page = sign_in(browser, link)
    assert reference in page.inner_text("table")
    page.screenshot(path=str(shots / "queue.png"), full_page=True)
    page.get_by_role("link", name=reference).click()
    assert "A generator next to the bakery" in page.inner_text("article")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(r".*\?done=acknowledged$"))
    assert "acknowledged by the station" in page.inner_text("main")
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    # The same page in Arabic, right to left, for this session.
    page.select_option("select[name=lang]", "ar")
    page.get_by_role("button", name="Switch").click()
    assert page.get_attribute("html", "dir") == "rtl"
    assert "اطّلع عليه المركز" in page.inner_text("article")
    page.screenshot(path=str(shots / "report-ar.png"), full_page=True)

    # The citizen hears of it in Telegram, through the outbox.
    update = stack.telegram.wait_for(
        citizen, lambda m: reference in m["text"] and "acknowledged by the station" in m["text"]
    )
    assert update["sender"] == "bot"

    # The bot redraws the Telegram card: the new status, who changed it, no Acknowledge.
    def card_now() -> dict[str, Any] | None:
        now = stack.telegram.message(KRD_OFFICER, card["message_id"])
        return now if "Status: acknowledged by the station" in now["text"] else None

    redrawn = stack.telegram.wait_until(card_now, what="the card redrawn")
    assert "Last change:" in redrawn["text"]
    titles = [b["text"] for row in redrawn["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("Acknowledge" in t for t in titles)

    # Mansour's staff may not open Karrada's report.
    other = sign_in(browser, console_link(stack, MNS_OFFICER))
    refused_page = other.goto(f"{stack.web_url}/console/reports/{reference}")
    assert refused_page is not None and refused_page.status == 403
    assert "A generator" not in other.content()
    other.screenshot(path=str(shots / "forbidden.png"))

    # The link worked once; logging out ends the session.
    again = browser.new_context().new_page()
    spent = again.goto(link)
    assert spent is not None and spent.status == 410
    page.get_by_role("button", name="تسجيل الخروج").click()
    page.wait_for_url(re.compile(r".*/console/login\?lang=ar$"))
    page.goto(f"{stack.web_url}/console/queue")
    assert page.url.endswith("/console/login")
