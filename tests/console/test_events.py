"""The console's Open House pages, signed in the real way, on SQLite and PostgreSQL:
staff list their station's events, add and change one under the rules of
`bot.admin events add` (refusals said in the viewer's language, nothing saved), see
who booked, and check a visitor in with the bot's own check-in. Only their own
station's staff: other stations and headquarters get 403."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from mps.bookings import add_event, book
from mps.codes import new_code
from mps.models import Booking, Event
from tests.console.conftest import KARRADA, MANSOUR, SETTINGS, Client, Console, csrf_of, login

ARABIC_INDIC = re.compile("[٠-٩]")
ELEVEN_DAYS = dt.timedelta(days=11)


def _today() -> dt.date:
    return SETTINGS.clock().today


async def _event(
    console: Console, days: int = 10, station: str = KARRADA, capacity: int = 30
) -> int:
    """An event `days` ahead, 09:00–13:00, added as `bot.admin events add` adds it."""
    async with console.database.sessions.begin() as session:
        event = await add_event(
            session,
            station,
            _today() + dt.timedelta(days=days),
            dt.time(9),
            dt.time(13),
            capacity,
            SETTINGS.clock(),
        )
    return event.id


async def _today_event(console: Console, station: str = KARRADA, visitors: int = 2) -> int:
    """An event today, all day, with `visitors` bookings made earlier (two people each)."""
    now = SETTINGS.clock().now
    async with console.database.sessions.begin() as session:
        event = Event(
            station_code=station,
            day=_today(),
            start=dt.time(0, 0),
            end=dt.time(23, 59),
            capacity=20,
            seats_taken=2 * visitors,
        )
        session.add(event)
        await session.flush()
        for i in range(visitors):
            session.add(
                Booking(
                    code=new_code(),
                    event_id=event.id,
                    owner=f"p-visitor-{i}",
                    party_size=2,
                    language="ar",
                    status="active",
                    created_at=now - dt.timedelta(days=2),
                    chat_id=987_654_000 + i,
                    remind_at=now - dt.timedelta(days=1),
                    reminded_at=now - dt.timedelta(days=1),
                )
            )
        return event.id


async def _codes(console: Console, event_id: int) -> list[str]:
    async with console.database.sessions() as session:
        rows = await session.scalars(
            select(Booking.code).where(Booking.event_id == event_id).order_by(Booking.id)
        )
        return list(rows.all())


async def _stored(console: Console, event_id: int) -> tuple[dt.date, dt.time, dt.time, int]:
    async with console.database.sessions() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event.day, event.start, event.end, event.capacity


async def _count_events(console: Console) -> int:
    async with console.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


def _schedule(day: dt.date, start: str = "10:00", end: str = "12:00", seats: str = "25") -> dict:
    return {"day": day.isoformat(), "start": start, "end": end, "capacity": seats}


async def _post(client: Client, path: str, fields: dict[str, str], page: str) -> tuple[int, str]:
    """POST a form of `page` with its CSRF token; the status and text of the answer."""
    csrf = await csrf_of(client, page)
    answer = await client.post(path, data={"csrf": csrf, **fields})
    return answer.status, await answer.text()


async def test_staff_see_their_stations_events_upcoming_first_then_past(
    console: Console,
) -> None:
    later, sooner = await _event(console, 20), await _event(console, 3)
    today = await _today_event(console, visitors=1)
    await _event(console, 5, station=MANSOUR)
    async with console.database.sessions.begin() as session:
        past = Event(
            station_code=KARRADA,
            day=_today() - dt.timedelta(days=30),
            start=dt.time(9),
            end=dt.time(13),
            capacity=15,
            seats_taken=0,
        )
        session.add(past)
    await login(console.client, console.database, 601)
    page = await console.client.get("/console/events")
    text = await page.text()
    assert page.status == 200
    links = re.findall(r'href="/console/events/(\d+)"', text)
    assert links == [str(i) for i in (today, sooner, later, past.id)]
    upcoming, past_part = text.split("Past events")
    # Seats booked of the capacity: today's visitor, the empty ones, the past one.
    assert "2 of 20" in upcoming and upcoming.count("0 of 30") == 2 and "0 of 15" in past_part


async def test_a_new_event_is_added_with_the_rules_of_the_admin_command(
    console: Console,
) -> None:
    await login(console.client, console.database, 602)
    day = _today() + ELEVEN_DAYS
    answer = await console.client.post(
        "/console/events",
        data={"csrf": await csrf_of(console.client, "/console/events"), **_schedule(day)},
    )
    assert answer.status == 200 and answer.url.path.startswith("/console/events/")
    assert "The event is added. Citizens can book it now." in await answer.text()
    event_id = int(answer.url.path.rsplit("/", 1)[1])
    assert await _stored(console, event_id) == (day, dt.time(10), dt.time(12), 25)


async def test_refused_new_events_say_why_and_save_nothing(console: Console) -> None:
    await login(console.client, console.database, 603)
    day = _today() + ELEVEN_DAYS
    await _event(console, 11)  # 09:00 that day
    refusals = {
        "The event must end after it starts.": _schedule(day, "12:00", "10:00"),
        "That date and time have already passed.": _schedule(_today() - dt.timedelta(days=1)),
        "Please give the date as year-month-day": _schedule(day) | {"day": "next Friday"},
        "Please give the start and end times": _schedule(day, "ten"),
        "a whole number from 1 to 10000": _schedule(day, seats="0"),
        "already has an event starting at that date and time": _schedule(day, "09:00"),
    }
    for message, fields in refusals.items():
        status, text = await _post(console.client, "/console/events", fields, "/console/events")
        assert status == 400 and message in text, (message, text[-2000:])
    assert await _count_events(console) == 1
    # Without its CSRF token the form does nothing.
    forged = await console.client.post("/console/events", data=_schedule(day, "15:00", "17:00"))
    assert forged.status == 403 and await _count_events(console) == 1


async def test_refusals_are_said_in_the_viewers_language_right_to_left(console: Console) -> None:
    await login(console.client, console.database, 604, language="ar")
    day = _today() + ELEVEN_DAYS
    status, text = await _post(
        console.client, "/console/events", _schedule(day, "١٢:٠٠", "١٠:٠٠"), "/console/events"
    )
    assert status == 400
    assert 'dir="rtl"' in text and 'lang="ar"' in text
    assert "يجب أن ينتهي اليوم بعد وقت بدايته." in text
    # Arabic-Indic digits are read too: this one is saved.
    arabic = _schedule(day, "١٠:٠٠", "١٢:٠٠", "٢٥")
    status, text = await _post(console.client, "/console/events", arabic, "/console/events")
    assert status == 200 and "أُضيف اليوم" in text
    assert ARABIC_INDIC.search(text.split("<main>", 1)[1])  # its figures in the reader's digits
    assert await _count_events(console) == 1


async def test_an_edit_saves_or_says_why_not_and_keeps_what_visitors_booked(
    console: Console,
) -> None:
    event_id = await _event(console, 10, capacity=30)
    await login(console.client, console.database, 605, language="ckb")
    page = f"/console/events/{event_id}"
    day = _today() + dt.timedelta(days=12)
    status, text = await _post(console.client, page, _schedule(day, "08:30", "11:00", "40"), page)
    assert status == 200 and "گۆڕانکارییەکان پاشەکەوت کران." in text
    assert await _stored(console, event_id) == (day, dt.time(8, 30), dt.time(11), 40)
    async with console.database.sessions.begin() as session:
        await book(session, event_id, "p-citizen-1", 4, "en", SETTINGS.clock())
        await book(session, event_id, "p-citizen-2", 3, "en", SETTINGS.clock())
    fewer = _schedule(day, "08:30", "11:00", "6")
    status, text = await _post(console.client, page, fewer, page)
    assert status == 400 and "کورسییە حجزکراوەکان (٧) لەوە زیاترن" in text
    moved = _schedule(day + dt.timedelta(days=1), "08:30", "11:00", "40")
    status, text = await _post(console.client, page, moved, page)
    assert status == 400 and "بەروار و کاتەکەی وەک لە بلیتەکانیاندا ماوەتەوە" in text
    assert await _stored(console, event_id) == (day, dt.time(8, 30), dt.time(11), 40)
    status, _ = await _post(console.client, page, _schedule(day, "08:30", "11:00", "7"), page)
    assert status == 200 and (await _stored(console, event_id))[3] == 7


async def test_the_visitors_list_shows_tickets_and_check_ins_and_no_telegram_ids(
    console: Console,
) -> None:
    event_id = await _today_event(console, visitors=3)
    first, second, third = await _codes(console, event_id)
    await login(console.client, console.database, 606)
    page = f"/console/events/{event_id}"
    status, text = await _post(console.client, f"{page}/checkin", {"code": first.lower()}, page)
    assert status == 200 and f"Checked in: {first}, 2 people. Welcome them!" in text
    status, text = await _post(console.client, f"{page}/checkin", {"code": first}, page)
    assert status == 409 and f"Booking {first} is already checked in." in text
    text = await (await console.client.get(page)).text()
    assert "3 bookings, 6 people of 20 seats; 2 people checked in." in text
    for code in (first, second, third):
        assert code in text
    assert text.count("checked in ·") == 1
    assert "987654" not in text and "p-visitor" not in text  # no chat ids, no pseudonyms
    async with console.database.sessions() as session:
        arrived = await session.scalar(select(Booking).where(Booking.code == first))
        waiting = await session.scalar(select(Booking).where(Booking.code == second))
    assert arrived is not None and arrived.checked_in_at is not None
    assert waiting is not None and waiting.checked_in_at is None


async def test_check_in_refuses_as_the_bot_does(console: Console) -> None:
    ours = await _today_event(console, visitors=1)
    theirs = await _today_event(console, station=MANSOUR, visitors=1)
    [elsewhere] = await _codes(console, theirs)
    later = await _event(console, 4)
    async with console.database.sessions.begin() as session:
        booking = await book(session, later, "p-citizen-3", 2, "en", SETTINGS.clock())
    await login(console.client, console.database, 607)
    page = f"/console/events/{ours}"
    told = {
        elsewhere: f"Booking {elsewhere} is for another station, not this one.",
        "ACDEFH": "No booking has the code ACDEFH.",
        booking.code: f"Booking {booking.code} is for ",  # not today
    }
    for code, message in told.items():
        status, text = await _post(console.client, f"{page}/checkin", {"code": code}, page)
        assert status == 409 and message in text, (code, text[-1500:])
    async with console.database.sessions() as session:
        other = await session.scalar(select(Booking).where(Booking.code == elsewhere))
    assert other is not None and other.checked_in_at is None
    # An event days away has no check-in form yet.
    assert (
        "Visitors are checked in on the day"
        in await (await console.client.get(f"/console/events/{later}")).text()
    )


async def test_only_the_stations_own_staff_reach_its_events(console: Console) -> None:
    ours = await _today_event(console, visitors=1)
    [code] = await _codes(console, ours)
    before = await _stored(console, ours)
    # Not signed in: the login page.
    signed_out = await console.client.get(f"/console/events/{ours}")
    assert signed_out.url.path == "/console/login"
    # Another station's staff: 403 for the page, the change and the check-in.
    await login(console.client, console.database, 608, station=MANSOUR)
    page = f"/console/events/{ours}"
    assert (await console.client.get(page)).status == 403
    csrf = await csrf_of(console.client, "/console/events")
    change = await console.client.post(page, data={"csrf": csrf, **_schedule(_today())})
    assert change.status == 403
    checkin = await console.client.post(f"{page}/checkin", data={"csrf": csrf, "code": code})
    assert checkin.status == 403 and "belongs to another station" in await checkin.text()
    assert (await console.client.get("/console/events/999999")).status == 404
    assert await _stored(console, ours) == before
    async with console.database.sessions() as session:
        booking = await session.scalar(select(Booking).where(Booking.code == code))
    assert booking is not None and booking.checked_in_at is None
    # Headquarters analysts: 403 on the list and on the visitors.
    analyst = await console.browser()
    await login(analyst, console.database, 609, role="hq")
    assert (await analyst.get("/console/events")).status == 403
    assert (await analyst.get(page)).status == 403


async def test_every_form_posts_with_its_csrf_token_and_no_script(console: Console) -> None:
    event_id = await _today_event(console, visitors=1)
    await login(console.client, console.database, 610)
    for path in ("/console/events", f"/console/events/{event_id}"):
        text = await (await console.client.get(path)).text()
        forms = re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S)
        assert len(forms) >= 3, path  # language, logout and the page's own
        for form in forms:
            assert 'method="post"' in form and 'name="csrf" value="' in form, form
        assert "<script" not in text
