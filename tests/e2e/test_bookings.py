"""End to end: find a station, book an Open House visit, get the ticket, list, move,
cancel, the reminder, and staff check-in, through the emulator with the real stack."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from mps.catalogue import Catalogue
from mps.tickets import qr_png
from tests.e2e.stack_fixture import Stack, buttons, new_user

ROOT = Path(__file__).resolve().parents[2]
TEXTS = Catalogue.load_dir()
BAGHDAD = ZoneInfo("Asia/Baghdad")


def next_weekday(weekday: int) -> dt.date:
    today = dt.datetime.now(BAGHDAD).date()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)


@pytest.fixture(scope="module")
def events(stack: Stack) -> Iterator[dict[str, int]]:
    """Open House events: Karrada next Saturday and the one after, Mansour on a Sunday at
    least two days away (so its day-before reminder is still ahead, whatever the hour)."""
    saturday = next_weekday(5)
    sunday = next_weekday(6)
    if sunday - dt.datetime.now(BAGHDAD).date() < dt.timedelta(days=2):
        sunday += dt.timedelta(days=7)
    made = {}
    for key, station, day, capacity in [
        ("krd1", "BGD-KRD", saturday, 30),
        ("krd2", "BGD-KRD", saturday + dt.timedelta(days=7), 30),
        ("mns", "BGD-MNS", sunday, 30),
        ("ank", "EBL-ANK", saturday, 30),
    ]:
        out = stack.admin(
            "events",
            "add",
            "--station",
            station,
            "--date",
            day.isoformat(),
            "--start",
            "09:00",
            "--end",
            "13:00",
            "--capacity",
            str(capacity),
        )
        made[key] = int(re.search(r"event (\d+):", out)[1])  # type: ignore[index]
    yield made


def seats_left(stack: Stack, event_id: int) -> int:
    [(capacity, taken)] = stack.sql(
        "SELECT capacity, seats_taken FROM events WHERE id = ?", event_id
    )
    return int(capacity - taken)


def test_find_station_by_shared_location(stack: Stack) -> None:
    user = new_user()
    sent = stack.telegram.send_media(user, "location", latitude=33.302, longitude=44.428)
    card, pin = stack.telegram.replies(user, sent, count=2)
    assert TEXTS["station_inside"]["en"] in card["text"]
    assert "Karrada Police Station" in card["text"]
    assert "Phone: +964 790 000 01" in card["text"]
    assert "Family and Child Protection" in card["text"]
    assert [b["text"] for b in buttons(card)] == [TEXTS["book_visit"]["en"]]
    assert pin["kind"] == "location"
    latitude, longitude = map(float, pin["media"].split(","))
    assert abs(latitude - 33.3) < 0.05 and abs(longitude - 44.43) < 0.05


def test_outside_every_area_the_nearest_station_and_its_distance(stack: Stack) -> None:
    user = new_user()
    sent = stack.telegram.send_media(user, "location", latitude=33.29, longitude=44.10)
    card, _pin = stack.telegram.replies(user, sent, count=2)
    found = re.search(r"The nearest station is (\d+) km away", card["text"])
    assert found is not None and 10 <= int(found[1]) <= 40
    assert "Police Station" in card["text"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("which police station covers karada", "Karrada Police Station"),
        ("وين مركز شرطة زيونه", "مركز شرطة بغداد الجديدة"),
        ("بنکەی پۆلیسی عەنکاوە لە کوێیە", "عەنکاوە"),
    ],
)
def test_find_station_by_name_with_misspellings_in_three_languages(
    stack: Stack, text: str, name: str
) -> None:
    user = new_user()
    card, _pin = stack.telegram.ask(user, text, count=2)
    assert name in card["text"]
    if text.startswith("وين"):
        assert "العنوان:" in card["text"] and "الهاتف:" in card["text"]


@pytest.mark.parametrize(
    ("text", "language", "place", "name"),
    [
        ("which police station covers Ghdeer", "en", "Ghadeer", "New Baghdad"),
        ("وين مركز شرطة العسار", "ar", "العشار", "مركز شرطة العشار"),
        ("بنکەی پۆلیسی شوعلێ لە کوێیە", "ckb", "شوعلە", "کازمییە"),
    ],
)
def test_a_near_miss_is_offered_as_did_you_mean(
    stack: Stack, text: str, language: str, place: str, name: str
) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, text)
    assert question["text"] == TEXTS["place_did_you_mean"][language]
    titles = [b["text"] for b in buttons(question)]
    assert titles == [place, TEXTS["place_none_of_these"][language]]
    card, _pin = stack.telegram.press_for_reply(user, question, place, count=2)
    assert name in card["text"]


def test_ambiguous_place_offers_buttons(stack: Stack) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, "police stations in Erbil")
    assert question["text"] == TEXTS["station_which"]["en"]
    titles = [b["text"] for b in buttons(question)]
    assert len(titles) == 2 and all("Erbil" in t or "Ankawa" in t for t in titles)
    card, _pin = stack.telegram.press_for_reply(user, question, "Ankawa", count=2)
    assert "Ankawa" in card["text"] and "Address:" in card["text"]


def test_book_from_free_text_with_a_correction_and_get_the_ticket(
    stack: Stack, events: dict[str, int]
) -> None:
    user = new_user()
    before = seats_left(stack, events["krd1"])
    [summary] = stack.telegram.ask(
        user, "I want to visit the Karrada station next Saturday with my 2 kids"
    )
    assert "Karrada Police Station" in summary["text"]
    assert "People: 3" in summary["text"]
    assert next_weekday(5).strftime("%A %-d %B") in summary["text"]
    [summary] = stack.telegram.ask(user, "no, 4 people")
    assert "People: 4" in summary["text"] and "Shall I book it?" in summary["text"]
    booked, ics, qr = stack.telegram.press_for_reply(
        user, summary, TEXTS["yes_book"]["en"], count=3
    )
    code = re.search(r"Your code is ([A-Z0-9]{6})", booked["text"])[1]  # type: ignore[index]
    assert ics["kind"] == "document" and ics["filename"] == f"open-house-{code}.ics"
    calendar = Calendar.from_ical(stack.telegram.file(ics["message_id"]))
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == dt.datetime.combine(next_weekday(5), dt.time(9), BAGHDAD)
    assert code in str(entry["description"])
    assert qr["kind"] == "photo" and code in qr["text"]
    assert stack.telegram.file(qr["message_id"]) == qr_png(code)
    assert seats_left(stack, events["krd1"]) == before - 4


def test_party_size_out_of_range_is_asked_again_in_arabic(
    stack: Stack, events: dict[str, int]
) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, "اريد احجز زيارة ليوم الابواب المفتوحة")
    assert question["text"] == TEXTS["ask_station"]["ar"]
    [choose_day] = stack.telegram.press_for_reply(user, question, "المنصور")
    assert "المنصور" in choose_day["text"]
    day_button = buttons(choose_day)[0]["text"]
    assert "مقاعد متبقية" in day_button and "٣٠" in day_button  # Arabic-Indic digits
    [ask_people] = stack.telegram.press_for_reply(user, choose_day, "٣٠")
    assert ask_people["text"] == TEXTS["ask_party_size"]["ar"]
    [refused] = stack.telegram.ask(user, "١٢")  # the refusal and the question again
    assert refused["text"].startswith(TEXTS["party_size_range"]["ar"])
    assert refused["text"].endswith(TEXTS["ask_party_size"]["ar"])
    [summary] = stack.telegram.ask(user, "٣")
    assert "عدد الأشخاص: ٣" in summary["text"]
    booked, _ics, _qr = stack.telegram.press_for_reply(
        user, summary, TEXTS["yes_book"]["ar"], count=3
    )
    assert "تم حجز زيارتك" in booked["text"]
    assert seats_left(stack, events["mns"]) == 27


@pytest.mark.parametrize(
    ("language", "start", "answer", "people"),
    [
        (
            "en",
            "I want to book a visit",
            "the open house on {day} {month} for 2 people",
            "People: 2",
        ),
        ("ar", "اريد احجز زيارة ليوم الابواب المفتوحة", "انا وزوجتي وولدين", "٤"),
        ("ckb", "دەمەوێت سەردانێک حجز بکەم", "من و براکەم", "٢"),
    ],
)
def test_party_size_from_a_whole_sentence(
    stack: Stack, events: dict[str, int], language: str, start: str, answer: str, people: str
) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, start)
    assert question["text"] == TEXTS["ask_station"][language]
    karrada = {"en": "Karrada", "ar": "الكرادة", "ckb": "کەڕادە"}[language]
    [choose_day] = stack.telegram.press_for_reply(user, question, karrada)
    [ask_people] = stack.telegram.press_for_reply(user, choose_day, buttons(choose_day)[0]["text"])
    assert ask_people["text"] == TEXTS["ask_party_size"][language]
    saturday = next_weekday(5)
    text = answer.format(day=saturday.day, month=saturday.strftime("%B"))
    [summary] = stack.telegram.ask(user, text)
    assert people in summary["text"]
    assert len(buttons(summary)) == 2  # Yes / No: the summary, not a question again


def test_list_move_and_cancel_a_booking(stack: Stack, events: dict[str, int]) -> None:
    user = new_user()
    [summary] = stack.telegram.ask(user, "book a visit to Ankawa station on saturday for 2 people")
    booked, _ics, _qr = stack.telegram.press_for_reply(
        user, summary, TEXTS["yes_book"]["en"], count=3
    )
    code = re.search(r"Your code is ([A-Z0-9]{6})", booked["text"])[1]  # type: ignore[index]
    assert seats_left(stack, events["ank"]) == 28
    [item] = stack.telegram.ask(user, "show my bookings")
    assert code in item["text"] and "People: 2" in item["text"]
    [choose] = stack.telegram.press_for_reply(user, item, TEXTS["move_booking"]["en"])
    assert choose["text"] == TEXTS["move_none"]["en"].format(
        name="Ankawa Police Station", party=2
    )  # Ankawa has no other open day
    stranger = new_user()
    [nothing] = stack.telegram.ask(stranger, "show my bookings")
    assert nothing["text"] == TEXTS["no_bookings"]["en"]
    cancelled = stack.telegram.press_for_reply(user, item, TEXTS["cancel_booking"]["en"])
    assert cancelled[0]["text"] == TEXTS["booking_cancelled"]["en"].format(code=code)
    assert seats_left(stack, events["ank"]) == 30
    [empty] = stack.telegram.ask(user, "show my bookings")
    assert empty["text"] == TEXTS["no_bookings"]["en"]


def test_move_to_another_day_keeps_the_code(stack: Stack, events: dict[str, int]) -> None:
    user = new_user()
    [summary] = stack.telegram.ask(user, "book the open house at Karrada next saturday, 2 people")
    booked, _ics, _qr = stack.telegram.press_for_reply(
        user, summary, TEXTS["yes_book"]["en"], count=3
    )
    code = re.search(r"Your code is ([A-Z0-9]{6})", booked["text"])[1]  # type: ignore[index]
    first, second = seats_left(stack, events["krd1"]), seats_left(stack, events["krd2"])
    [item] = stack.telegram.ask(user, f"I want to cancel or change booking {code}")
    [choose] = stack.telegram.press_for_reply(user, item, TEXTS["move_booking"]["en"])
    later = (next_weekday(5) + dt.timedelta(days=7)).strftime("%a %-d %b")
    moved, _ics2, _qr2 = stack.telegram.press_for_reply(user, choose, later, count=3)
    assert f"Booking {code} is now on" in moved["text"]
    assert seats_left(stack, events["krd1"]) == first + 2
    assert seats_left(stack, events["krd2"]) == second - 2


def book_mansour(stack: Stack, user: int) -> str:
    """Book Mansour's Open House for one person; the booking code."""
    [summary] = stack.telegram.ask(user, "book a visit to Mansour station for 1 person")
    if "Shall I book it?" not in summary["text"]:  # the form asked for the day
        [summary] = stack.telegram.press_for_reply(user, summary, "Sun")
    booked, _ics, _qr = stack.telegram.press_for_reply(
        user, summary, TEXTS["yes_book"]["en"], count=3
    )
    return re.search(r"Your code is ([A-Z0-9]{6})", booked["text"])[1]  # type: ignore[index]


def remind_now(stack: Stack, code: str) -> None:
    """Move time forward for a booking: its reminder is due now."""
    stack.sql("UPDATE bookings SET remind_at = '2000-01-01 00:00:00.000000' WHERE code = ?", code)


def test_reminder_comes_once_even_across_a_restart(stack: Stack, events: dict[str, int]) -> None:
    user = new_user()
    code = book_mansour(stack, user)
    before = stack.telegram.latest(user)
    remind_now(stack, code)
    [reminder] = stack.telegram.replies(user, before)
    assert reminder["text"].startswith("Reminder: your visit")
    assert code in reminder["text"] and "Mansour" in reminder["text"]
    assert [b["text"] for b in buttons(reminder)] == [TEXTS["menu_bookings"]["en"]]
    reminded = "SELECT reminded_at FROM bookings WHERE code = ?"
    stack.telegram.wait_until(lambda: stack.sql(reminded, code)[0][0], what="the reminder marked")
    stack.restart_bot()
    # Someone else's reminder, due after the restart: a reminder round has run since.
    other = new_user()
    remind_now(stack, book_mansour(stack, other))
    stack.telegram.wait_for(other, lambda m: m["text"].startswith("Reminder:"))
    texts = [m["text"] for m in stack.telegram.bot_messages(user, after=before)]
    assert sum(t.startswith("Reminder:") for t in texts) == 1


def test_staff_join_attendees_and_check_in(stack: Stack, events: dict[str, int]) -> None:
    visitor = new_user()
    [summary] = stack.telegram.ask(visitor, "book Karrada open house next saturday for 2 people")
    booked, _ics, _qr = stack.telegram.press_for_reply(
        visitor, summary, TEXTS["yes_book"]["en"], count=3
    )
    code = re.search(r"Your code is ([A-Z0-9]{6})", booked["text"])[1]  # type: ignore[index]

    staff, outsider, group = new_user(), new_user(), -100_500
    invite = stack.admin("staff", "invite", "--station", "BGD-KRD").split()[0]

    def say(user: int, text: str) -> str:
        return str(stack.telegram.ask(user, text, chat=group)[0]["text"])

    assert say(outsider, "/attendees") == TEXTS["staff_not_bound"]["en"]
    assert "now the staff chat of Karrada Police Station" in say(staff, f"/join {invite}")
    assert say(outsider, f"/join {invite}") == TEXTS["join_used"]["en"]
    assert say(outsider, "/attendees") == TEXTS["staff_only"]["en"]
    listing = say(staff, "/attendees")
    assert code in listing and "expected" in listing
    assert say(staff, f"/checkin {code}").startswith(f"Booking {code} is for ")  # not today

    # The day comes: move this event to today.
    today = dt.datetime.now(BAGHDAD).date().isoformat()
    [(event_id,)] = stack.sql("SELECT event_id FROM bookings WHERE code = ?", code)
    stack.sql(
        "UPDATE events SET day = ?, start = '00:00:00.000000', \"end\" = '23:59:00.000000' "
        "WHERE id = ?",
        today,
        event_id,
    )
    assert say(staff, f"/checkin {code.lower()}") == f"Checked in: {code}, 2 people. Welcome them!"
    assert say(staff, f"/checkin {code}") == f"Booking {code} is already checked in."
    assert say(staff, "/checkin ACDEFH") == "No booking has the code ACDEFH."
    assert "checked in" in say(staff, "/attendees")
