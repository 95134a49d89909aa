"""End to end: non-emergency reports, the staff side, the outbox under faults and
restarts, duplicate updates, and the discreet call-back reaching unit staff only."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mps.catalogue import Catalogue
from mps.formatting import day_text
from tests.e2e.stack_fixture import Stack, buttons

TEXTS = Catalogue.load_dir()
REFERENCE = re.compile(r"MPS-[A-Z0-9]{4}-[A-Z0-9]{2}")
BAGHDAD = ZoneInfo("Asia/Baghdad")
_users = itertools.count(8000)

# Staff: Karrada's group and its member, Mansour's, the triage queue's, and a
# Karrada officer marked for Family and Child Protection (her private chat).
KRD_GROUP, KRD_STAFF = -9100, 9101
MNS_GROUP, MNS_STAFF = -9200, 9201
TRIAGE_GROUP, TRIAGE_STAFF = -9300, 9301
FCPU_OFFICER = 9102


def label(key: str) -> str:
    return str(TEXTS[key]["en"])


def bot_messages(stack: Stack, chat: int) -> list[dict[str, Any]]:
    return [m for m in stack.telegram.transcript(chat) if m["sender"] == "bot"]


def wait_for(
    stack: Stack, chat: int, match: Callable[[dict[str, Any]], bool], timeout: float = 60
) -> dict[str, Any]:
    """The first bot message in `chat` that matches, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in bot_messages(stack, chat) if match(m)]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no matching message in chat {chat}: {bot_messages(stack, chat)}")


def turn(stack: Stack, user: int, text: str) -> dict[str, Any]:
    """Say something; the bot's last reply of the turn."""
    replies = stack.telegram.replies(user, stack.telegram.say(user, text))
    time.sleep(0.3)
    after = [m for m in bot_messages(stack, user) if m["message_id"] > replies[0]["message_id"]]
    return after[-1] if after else replies[0]


def press(stack: Stack, user: int, message: dict[str, Any], title: str, chat: int | None = None):
    """Press a button by its title; the callback query id."""
    button = next(b for b in buttons(message) if title in b["text"])
    return stack.telegram.press(user, message["message_id"], button["callback_data"], chat=chat)


def press_and_reply(stack: Stack, user: int, message: dict[str, Any], title: str) -> dict:
    before = max([m["message_id"] for m in stack.telegram.transcript(user)], default=0)
    press(stack, user, message, title)
    wait_for(stack, user, lambda m: m["message_id"] > before)
    time.sleep(0.3)
    return [m for m in bot_messages(stack, user) if m["message_id"] > before][-1]


def sql(stack: Stack, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    path = stack.database_url.split("///", 1)[1]
    with sqlite3.connect(path, timeout=30) as db:
        return db.execute(statement, args).fetchall()


def cards(stack: Stack, chat: int, reference: str) -> list[dict[str, Any]]:
    return [
        m for m in bot_messages(stack, chat)
        if m["kind"] == "text" and m["text"].startswith(f"Report {reference}")
    ]  # fmt: skip


def join(stack: Stack, user: int, chat: int, station: str, *unit: str) -> None:
    out = stack.admin(
        "staff", "invite", "--station", station, *(a for u in unit for a in ("--unit", u))
    )
    code = out.split()[0]
    stack.telegram.say(user, f"/join {code}", chat=chat)
    wait_for(stack, chat, lambda m: "is now the staff chat of" in m["text"])


@pytest.fixture(scope="module")
def staff(stack: Stack) -> Iterator[None]:
    join(stack, KRD_STAFF, KRD_GROUP, "BGD-KRD")
    join(stack, MNS_STAFF, MNS_GROUP, "BGD-MNS")
    join(stack, TRIAGE_STAFF, TRIAGE_GROUP, "TRIAGE")
    join(stack, FCPU_OFFICER, FCPU_OFFICER, "BGD-KRD", "fcpu")
    yield


def file_report(
    stack: Stack,
    user: int,
    first: str,
    description: str,
    place: str | None = None,
    consent: bool = True,
    when: str = "yesterday",
) -> str:
    """Go through the form (first message, description, [place, day,] no photo,
    consent, send); the reference the bot gives. `place` and `when` answer their
    questions if the first message did not."""
    reply = turn(stack, user, first)
    assert reply["text"] == label("report_ask_description")
    reply = turn(stack, user, description)
    if place is not None:
        assert reply["text"] == label("report_ask_place")
        reply = turn(stack, user, place)
    if reply["text"].endswith(label("report_ask_when")):
        reply = turn(stack, user, when)
    assert reply["text"] == label("report_ask_photo")
    reply = press_and_reply(stack, user, reply, label("report_no_photo"))
    assert reply["text"] == label("report_ask_consent")
    choice = label("report_consent_yes") if consent else label("report_consent_no")
    summary = press_and_reply(stack, user, reply, choice)
    assert summary["text"].startswith("Please check your report:")
    filed = press_and_reply(stack, user, summary, label("report_send"))
    found = REFERENCE.search(filed["text"])
    assert found is not None, filed["text"]
    return found[0]


def status_of(stack: Stack, reference: str) -> str:
    [(status,)] = sql(stack, "SELECT status FROM reports WHERE reference = ?", reference)
    return str(status)


def test_citizen_files_staff_work_it_and_the_citizen_sees_each_step(
    stack: Stack, staff: None
) -> None:
    citizen = next(_users)
    reply = turn(stack, citizen, "someone stole my bike in Karrada yesterday")
    # Category, place and day came from the first message; what happened is asked.
    assert reply["text"] == label("report_ask_description")
    reply = turn(stack, citizen, "A blue bike locked outside the bakery; the lock was cut.")
    assert reply["text"] == label("report_ask_photo")
    sent = stack.telegram.send_media(citizen, "photo", file_id="photo-bike-1")
    [reply] = stack.telegram.replies(citizen, sent)
    assert reply["text"] == label("report_ask_consent")
    summary = press_and_reply(stack, citizen, reply, label("report_consent_yes"))
    yesterday = dt.datetime.now(BAGHDAD).date() - dt.timedelta(days=1)
    for part in ("Theft (after the fact)", "blue bike", "Karrada", day_text(yesterday, "en"),
                 "Photo: attached", "Updates: yes"):  # fmt: skip
        assert part in summary["text"]
    # A correction at the summary: it happened today, not yesterday.
    summary = turn(stack, citizen, "no, it happened today")
    assert day_text(dt.datetime.now(BAGHDAD).date(), "en") in summary["text"]
    filed = press_and_reply(stack, citizen, summary, label("report_send"))
    reference = REFERENCE.search(filed["text"])[0]  # type: ignore[index]
    assert "Karrada" in filed["text"] and f"/status {reference}" in filed["text"]
    assert "48 hours" in filed["text"]

    # The station's group gets the photo and the card.
    card = wait_for(stack, KRD_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    photo = wait_for(stack, KRD_GROUP, lambda m: m["kind"] == "photo" and reference in m["text"])
    assert photo["media"] == "photo-bike-1"
    assert "blue bike" in card["text"] and "Status: received" in card["text"]
    assert [b["text"] for b in buttons(card)] == [
        TEXTS[k]["en"] for k in ("btn_ack", "btn_progress", "btn_route", "btn_ask", "btn_close")
    ]

    # Someone who is not Karrada's staff presses a button: refused, nothing changes.
    query = press(stack, MNS_STAFF, card, "Acknowledge", chat=KRD_GROUP)
    answer = stack.telegram.callback_answer(query)
    assert answer == {"text": TEXTS["not_station_staff"]["en"], "show_alert": True}
    assert status_of(stack, reference) == "new"
    assert (
        next(m for m in bot_messages(stack, KRD_GROUP) if m["message_id"] == card["message_id"])[
            "edited"
        ]
        == 0
    )

    # Staff acknowledge: the card shows it, the citizen hears of it.
    stack.telegram.callback_answer(press(stack, KRD_STAFF, card, "Acknowledge", chat=KRD_GROUP))
    update = wait_for(stack, citizen, lambda m: "acknowledged by the station" in m["text"])
    assert update["text"].startswith(f"Update on your report {reference}")
    assert status_of(stack, reference) == "acknowledged"
    redrawn = next(
        m for m in bot_messages(stack, KRD_GROUP) if m["message_id"] == card["message_id"]
    )
    assert "Status: acknowledged by the station" in redrawn["text"]
    assert TEXTS["btn_ack"]["en"] not in [b["text"] for b in buttons(redrawn)]

    # The queue lists it with its status; /report shows its card again.
    asked = stack.telegram.say(KRD_STAFF, "/queue", chat=KRD_GROUP)
    queue = wait_for(stack, KRD_GROUP, lambda m: m["message_id"] > asked)
    assert queue["text"].startswith("Open reports for Karrada")
    assert f"{reference} · Theft (after the fact) · acknowledged by the station" in queue["text"]
    asked = stack.telegram.say(KRD_STAFF, f"/report {reference.lower()}", chat=KRD_GROUP)
    shown = wait_for(stack, KRD_GROUP, lambda m: m["message_id"] > asked)
    assert shown["text"].startswith(f"Report {reference}") and "blue bike" in shown["text"]

    # Staff ask a question; the citizen answers by replying; it comes back under the card.
    stack.telegram.callback_answer(
        press(stack, KRD_STAFF, redrawn, "Ask the citizen", chat=KRD_GROUP)
    )
    prompt = wait_for(
        stack,
        KRD_GROUP,
        lambda m: m["text"].startswith("Reply to this message with your question"),
    )
    stack.telegram.say(
        KRD_STAFF, "What colour was the lock?", chat=KRD_GROUP, reply_to=prompt["message_id"]
    )
    wait_for(stack, KRD_GROUP, lambda m: m["text"] == TEXTS["ask_sent"]["en"])
    question = wait_for(stack, citizen, lambda m: "What colour was the lock?" in m["text"])
    assert question["text"].startswith(f"The station has a question about your report {reference}")
    stack.telegram.say(citizen, "It was a red lock.", reply_to=question["message_id"])
    wait_for(stack, citizen, lambda m: m["text"] == TEXTS["answer_passed"]["en"])
    answer_card = wait_for(stack, KRD_GROUP, lambda m: "It was a red lock." in m["text"])
    assert answer_card["reply_to"] == card["message_id"]  # in the card's thread

    # Staff close with a note; the card loses its buttons; the citizen reads the note.
    stack.telegram.callback_answer(press(stack, KRD_STAFF, redrawn, "Close", chat=KRD_GROUP))
    prompt = wait_for(
        stack,
        KRD_GROUP,
        lambda m: m["text"].startswith("Reply to this message with the closing note"),
    )
    stack.telegram.say(
        KRD_STAFF, "Bike found and returned to you.", chat=KRD_GROUP, reply_to=prompt["message_id"]
    )
    closed = wait_for(stack, citizen, lambda m: "Bike found and returned" in m["text"])
    assert "closed" in closed["text"]
    assert status_of(stack, reference) == "closed"
    final = next(
        m for m in bot_messages(stack, KRD_GROUP) if m["message_id"] == card["message_id"]
    )
    assert "Status: closed" in final["text"] and not buttons(final)

    # Every change is recorded: who, from, to, note.
    rows = sql(
        stack,
        "SELECT e.kind, e.actor, e.from_value, e.to_value, e.note FROM report_events e "
        "JOIN reports r ON r.id = e.report_id WHERE r.reference = ? ORDER BY e.id",
        reference,
    )
    by_staff = f"staff:{KRD_STAFF}"
    assert [(k, a) for k, a, *_ in rows] == [
        ("status", "citizen"), ("status", by_staff), ("question", by_staff),
        ("answer", "citizen"), ("status", by_staff),
    ]  # fmt: skip
    assert rows[-1][2:] == ("acknowledged", "closed", "Bike found and returned to you.")

    # /status shows the history to its owner only.
    history = turn(stack, citizen, f"/status {reference}")
    assert history["text"].startswith(f"Report {reference} (Theft (after the fact)), now: closed.")
    for step in ("received", "acknowledged by the station", "the station asked you a question",
                 "you answered", "Bike found and returned"):  # fmt: skip
        assert step in history["text"]
    stranger = next(_users)
    assert turn(stack, stranger, f"/status {reference}")["text"] == label("status_not_found")

    # The queue no longer lists it.
    asked = stack.telegram.say(KRD_STAFF, "/queue", chat=KRD_GROUP)
    queue = wait_for(stack, KRD_GROUP, lambda m: m["message_id"] > asked)
    assert queue["text"].startswith(("Open reports for Karrada", "No open reports for Karrada"))
    assert reference not in queue["text"]


def test_wrong_station_is_rerouted_and_unplaceable_goes_to_triage(
    stack: Stack, staff: None
) -> None:
    citizen = next(_users)
    reference = file_report(
        stack, citizen, "i want to report noise in Mansour",
        "Loud generator running all night next to our house.",
    )  # fmt: skip
    card = wait_for(stack, MNS_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    assert "Station: Mansour" in card["text"]
    stack.telegram.callback_answer(press(stack, MNS_STAFF, card, "Re-route", chat=MNS_GROUP))
    choose = wait_for(stack, MNS_GROUP, lambda m: m["text"].startswith(f"Re-route {reference}"))
    assert choose["reply_to"] == card["message_id"]
    query = press(stack, MNS_STAFF, choose, "Karrada", chat=MNS_GROUP)
    assert "re-routed to Karrada" in stack.telegram.callback_answer(query)["text"]
    new_card = wait_for(stack, KRD_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    assert "Loud generator" in new_card["text"] and buttons(new_card)
    old = next(m for m in bot_messages(stack, MNS_GROUP) if m["message_id"] == card["message_id"])
    assert not buttons(old)  # Mansour can no longer act on it
    wait_for(stack, citizen, lambda m: reference in m["text"] and "passed to Karrada" in m["text"])
    query = press(stack, MNS_STAFF, card, "Acknowledge", chat=MNS_GROUP)  # an old, forged press
    assert stack.telegram.callback_answer(query)["text"] == TEXTS["not_station_staff"]["en"]
    assert sql(stack, "SELECT station_code FROM reports WHERE reference = ?", reference) == [
        ("BGD-KRD",)
    ]

    lost = next(_users)
    reference = file_report(
        stack, lost, "i want to report suspicious activity",
        "A car without plates parks by the school every night.", place="zzqx wadi far away",
    )  # fmt: skip
    triage = wait_for(stack, TRIAGE_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    tell = [m for m in bot_messages(stack, lost) if label("report_place_triage") in m["text"]]
    assert tell, "the citizen is told the report goes to the central team"
    assert "Central triage" in triage["text"] and "zzqx wadi far away" in triage["text"]


def test_emergency_mid_form_gives_the_numbers_and_files_nothing(stack: Stack, staff: None) -> None:
    citizen = next(_users)
    before = sql(stack, "SELECT count(*) FROM reports")[0][0]
    question = turn(stack, citizen, "i want to report a problem")
    assert question["text"] == label("report_ask_category")
    reply = press_and_reply(stack, citizen, question, TEXTS.choice("category", "noise", "en"))
    assert reply["text"] == label("report_ask_description")
    numbers = turn(stack, citizen, "he is attacking my neighbour with a knife right now")
    assert "911" in numbers["text"]
    assert sql(stack, "SELECT count(*) FROM reports")[0][0] == before
    # The form is gone: the next message is not taken as a description.
    assert turn(stack, citizen, "hello")["text"] == TEXTS["utter_greet"]["en"]


def test_outbox_survives_429_then_500_and_delivers_once(stack: Stack, staff: None) -> None:
    stack.telegram.fault("sendMessage", 429, KRD_GROUP, retry_after=1)
    stack.telegram.fault("sendMessage", 500, KRD_GROUP)
    citizen = next(_users)
    reference = file_report(
        stack, citizen, "report vandalism in Karrada today", "Someone sprayed graffiti on a wall."
    )
    wait_for(stack, KRD_GROUP, lambda m: m["text"].startswith(f"Report {reference}"), timeout=90)
    time.sleep(3)
    assert len(cards(stack, KRD_GROUP, reference)) == 1
    [(attempts, error, sent)] = sql(
        stack, "SELECT o.attempts, o.last_error, o.sent_at FROM outbox o JOIN reports r "
               "ON r.id = o.report_id WHERE r.reference = ? AND o.kind = 'staff_card'", reference,
    )  # fmt: skip
    assert attempts == 2 and sent is not None and error != "429 Too Many Requests"


def test_bot_killed_after_filing_delivers_once_after_restart(stack: Stack, staff: None) -> None:
    # The outbox waits an hour between rounds: the report is filed but not forwarded.
    stack.restart_bot(OUTBOX_INTERVAL_SECONDS="3600")
    citizen = next(_users)
    reference = file_report(
        stack, citizen, "i want to report cars blocking the street in Karrada today",
        "Cars park on the pavement and block the school gate.",
    )  # fmt: skip
    time.sleep(2)
    assert cards(stack, KRD_GROUP, reference) == []
    stack.restart_bot(kill=True, OUTBOX_INTERVAL_SECONDS="0.3")
    wait_for(stack, KRD_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    stack.restart_bot()
    time.sleep(3)
    assert len(cards(stack, KRD_GROUP, reference)) == 1


def test_a_duplicate_update_is_processed_once(stack: Stack, staff: None) -> None:
    citizen = next(_users)
    update_id = stack.telegram.say_update(citizen, "hello")
    wait_for(stack, citizen, lambda m: True)
    time.sleep(1)
    assert len(bot_messages(stack, citizen)) == 1
    stack.telegram.repeat(update_id)
    time.sleep(3)
    assert len(bot_messages(stack, citizen)) == 1
    # The bot still answers new updates.
    stack.telegram.say(citizen, "thanks")
    wait_for(stack, citizen, lambda m: m["text"] == TEXTS["utter_thank"]["en"])


def test_safe_callback_reaches_only_unit_staff(stack: Stack, staff: None) -> None:
    woman = next(_users)
    question = turn(stack, woman, "my husband hits me, zebracorn marker, i am not safe at home")
    where = press_and_reply(stack, woman, question, "No")
    contacts = press_and_reply(stack, woman, where, "Baghdad")
    offer = press_and_reply(stack, woman, contacts, "A call at a time that suits you")
    assert offer["text"] == label("callback_ask_consent")
    assert [b["text"] for b in buttons(offer)] == ["Yes", "No", "Exit"]
    ask_phone = press_and_reply(stack, woman, offer, "Yes")
    assert ask_phone["text"] == label("callback_ask_phone")
    bad = turn(stack, woman, "12345")
    assert bad["text"] == label("callback_ask_phone")  # asked again after the explanation
    ask_window = turn(stack, woman, "0770 123 4567")
    assert ask_window["text"] == label("callback_ask_window")
    before = max(m["message_id"] for m in stack.telegram.transcript(woman))
    press(stack, woman, ask_window, "Morning")
    recorded = wait_for(stack, woman, lambda m: m["message_id"] > before)
    # Recorded, not promised: nobody has said an officer will call yet.
    assert recorded["text"].startswith("Your request is recorded: a call to 07701234567")
    assert "will call" not in recorded["text"]
    assert [b["text"] for b in buttons(recorded)] == ["Exit"]

    card = wait_for(stack, FCPU_OFFICER, lambda m: "Safe call-back" in m["text"])
    told = wait_for(stack, woman, lambda m: m["message_id"] > recorded["message_id"])
    assert told["text"].startswith(
        "An officer of the Family and Child Protection Unit has your request and will call "
        "07701234567"
    )
    reference = REFERENCE.search(card["text"])[0]  # type: ignore[index]
    assert "+9647701234567" in card["text"] and "09:00–12:00" in card["text"]
    assert "Family and Child Protection" in card["text"]
    for word in ("husband", "zebracorn", "hits", "safe at home"):
        assert word not in card["text"]  # no word of the chat
    time.sleep(2)
    assert not [m for m in bot_messages(stack, KRD_GROUP) if reference in m["text"]]
    # A Karrada staff member not marked for the unit: refused, even with a forged press.
    query = press(stack, KRD_STAFF, card, "Acknowledge", chat=FCPU_OFFICER)
    assert stack.telegram.callback_answer(query)["text"] == TEXTS["not_station_staff"]["en"]
    stack.telegram.say(KRD_STAFF, f"/report {reference}", chat=KRD_GROUP)
    wait_for(
        stack,
        KRD_GROUP,
        lambda m: m["text"] == TEXTS["report_unknown"]["en"].format(reference=reference),
    )
    # The unit officer can.
    stack.telegram.callback_answer(press(stack, FCPU_OFFICER, card, "Acknowledge"))
    assert status_of(stack, reference) == "acknowledged"
    [(description, owner_chat, owner)] = sql(
        stack, "SELECT description, chat_id, owner FROM reports WHERE reference = ?", reference
    )
    assert description == "" and owner_chat is None  # nothing of her words, no chat id
    assert owner.startswith("sealed:")  # and no pseudonym that leads to her


def test_a_report_in_arabic_reads_right_to_left_with_arabic_indic_digits(
    stack: Stack, staff: None
) -> None:
    citizen = next(_users)
    ar = {key: value["ar"] for key, value in TEXTS.entries()}
    reply = turn(stack, citizen, "انسرقت دراجتي في الكرادة البارحة")
    assert reply["text"] == ar["report_ask_description"]
    reply = turn(stack, citizen, "كانت دراجة زرقاء مقفلة امام المخبز وقطعوا القفل")
    assert reply["text"] == ar["report_ask_photo"]
    reply = press_and_reply(stack, citizen, reply, ar["report_no_photo"])
    assert reply["text"] == ar["report_ask_consent"]
    summary = press_and_reply(stack, citizen, reply, ar["report_consent_yes"])
    yesterday = dt.datetime.now(BAGHDAD).date() - dt.timedelta(days=1)
    assert ar["category.theft"] in summary["text"] and day_text(yesterday, "ar") in summary["text"]
    date_line = next(line for line in summary["text"].splitlines() if line.startswith("التاريخ"))
    assert not re.search(r"[0-9]", date_line) and re.search(r"[٠-٩]", date_line)
    filed = press_and_reply(stack, citizen, summary, ar["report_send"])
    assert filed["text"].startswith("تم إرسال بلاغك إلى")
    reference = REFERENCE.search(filed["text"])[0]  # type: ignore[index]
    card = wait_for(stack, KRD_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    assert "دراجة زرقاء" in card["text"]  # her words, as she wrote them


def test_an_update_after_exit_is_not_posted_into_the_wiped_chat(stack: Stack, staff: None) -> None:
    citizen = next(_users)
    reference = file_report(
        stack, citizen, "I want to report vandalism", "Someone broke the bus stop glass.",
        place="Karrada", when="today",
    )  # fmt: skip
    card = wait_for(stack, KRD_GROUP, lambda m: m["text"].startswith(f"Report {reference}"))
    [(linked,)] = sql(stack, "SELECT chat_id FROM reports WHERE reference = ?", reference)
    assert linked == citizen  # updates would go to her chat
    stack.telegram.say(citizen, "/exit")
    deadline = time.monotonic() + 30
    while not all(m["deleted"] for m in stack.telegram.transcript(citizen)):
        assert time.monotonic() < deadline, "the chat was not wiped"
        time.sleep(0.2)
    # The chat is forgotten: the staff's next step reaches the card, not her.
    deadline = time.monotonic() + 30
    while sql(stack, "SELECT chat_id FROM reports WHERE reference = ?", reference) != [(None,)]:
        assert time.monotonic() < deadline, "the report still points at her chat"
        time.sleep(0.2)
    stack.telegram.callback_answer(press(stack, KRD_STAFF, card, "Acknowledge", chat=KRD_GROUP))
    wait_for(
        stack, KRD_GROUP,
        lambda m: m["message_id"] == card["message_id"] and "acknowledged" in m["text"],
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while sql(
        stack, "SELECT count(*) FROM outbox o JOIN reports r ON r.id = o.report_id "
               "WHERE r.reference = ? AND o.sent_at IS NULL", reference,
    ) != [(0,)]:  # fmt: skip
        assert time.monotonic() < deadline, "the outbox did not finish"
        time.sleep(0.2)
    assert all(m["deleted"] for m in stack.telegram.transcript(citizen))
    assert status_of(stack, reference) == "acknowledged"
