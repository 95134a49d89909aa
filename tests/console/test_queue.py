"""The queue page: the station's open reports, oldest first, filtered, with the age
flagged against the target time to acknowledge; the same permission as Telegram."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from mps.models import Report
from tests.console.conftest import MANSOUR, Console, login

BAGHDAD_NOISE = "A generator runs all night next to the market."


async def _age(console: Console, report: Report, hours: float) -> None:
    """Make a report `hours` old."""
    async with console.database.sessions.begin() as session:
        await session.execute(
            update(Report)
            .where(Report.id == report.id)
            .values(created_at=console.clock().now - dt.timedelta(hours=hours))
        )


async def _references(console: Console, query: str = "") -> list[str]:
    page = await console.client.get(f"/console/queue{query}")
    assert page.status == 200
    html = await page.text()
    return [part.split('"', 1)[0] for part in html.split('href="/console/reports/')[1:]]


async def test_the_station_sees_its_open_reports_oldest_first(console: Console) -> None:
    newer = await console.file()
    older = await console.file(category="theft", description="My bicycle was taken at night.")
    await _age(console, older, 3)
    elsewhere = await console.file(station=MANSOUR)
    await login(console.client, console.database, 601)
    assert await _references(console) == [older.reference, newer.reference]
    assert elsewhere.reference not in await _references(console)


async def test_sensitive_reports_only_for_unit_staff(console: Console) -> None:
    plain = await console.file()
    sensitive = await console.file(
        category="online_harassment", description="Someone threatens to post my photos online."
    )
    await login(console.client, console.database, 602)
    assert await _references(console) == [plain.reference]
    unit = await console.browser()
    await login(unit, console.database, 603, units=("fcpu",))
    page = await (await unit.get("/console/queue")).text()
    assert str(sensitive.reference) in page and str(plain.reference) in page


async def test_filters_by_status_category_unit_and_age(console: Console) -> None:
    noise = await console.file()
    theft = await console.file(category="theft", description="My bicycle was taken at night.")
    old = await console.file(category="vandalism", description="Someone broke the bus stop glass.")
    await _age(console, old, 80)
    await login(console.client, console.database, 604)
    assert await _references(console, "?category=theft") == [theft.reference]
    assert await _references(console, "?age=3d") == [old.reference]
    assert await _references(console, "?age=1d&category=noise") == []
    assert set(await _references(console, "?unit=community_policing")) == {
        noise.reference,
        theft.reference,
        old.reference,
    }
    assert await _references(console, "?status=acknowledged") == []
    # Nonsense in the query means "any", never an error.
    assert len(await _references(console, "?status=x&category=%00&age=9")) == 3


async def test_a_new_report_past_its_target_is_flagged(console: Console) -> None:
    late = await console.file()
    await _age(console, late, 30)  # community policing: 24 hours to acknowledge
    fresh = await console.file(category="theft", description="My bicycle was taken at night.")
    await login(console.client, console.database, 605)
    html = await (await console.client.get("/console/queue")).text()
    assert html.count("not acknowledged within 24 h") == 1
    flagged = html.split('class="overdue"')[1].split("</tr>")[0]
    assert str(late.reference) in flagged and str(fresh.reference) not in flagged
    assert await _references(console, "?age=overdue") == [late.reference]


async def test_the_queue_in_arabic_uses_arabic_indic_digits(console: Console) -> None:
    late = await console.file()
    await _age(console, late, 30)
    await login(console.client, console.database, 606, language="ar")
    html = await (await console.client.get("/console/queue")).text()
    assert "منذ ٣٠ ساعة" in html and "لم يُستلم خلال ٢٤ ساعة" in html


async def test_headquarters_has_no_queue(console: Console) -> None:
    await console.file()
    await login(console.client, console.database, 607, role="hq")
    page = await console.client.get("/console/queue")
    assert page.status == 403
    assert BAGHDAD_NOISE not in await page.text()
