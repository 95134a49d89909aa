"""End to end: satisfaction surveys through the emulator with the real stack. A report
closed by staff (with her consent) brings exactly one survey, after the update that
it is closed, answered with the buttons and a comment and stored without her chat;
a checked-in visit brings one the next day (time moved in the database, as the
reminder tests do); a call-back closed by the unit brings none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mps.catalogue import Catalogue
from mps.contract import SurveyPress
from tests.e2e.stack_fixture import Stack, bot_log, buttons, new_user
from tests.e2e.test_reports import REFERENCE, file_report, label

TEXTS = Catalogue.load_dir()
BAGHDAD = ZoneInfo("Asia/Baghdad")
# Adhamiya's group and its officer; a Family and Child Protection officer of Karrada
# (her private chat), who receives call-backs.
ADH_GROUP, ADH_STAFF = -9400, 9401
UNIT_OFFICER = 9402
ADHAMIYA = "Adhamiya Police Station"
COMMENT = "The officer who called me back was polite and clear."


@pytest.fixture(scope="module")
def staff(stack: Stack) -> Iterator[None]:
    stack.enrol(ADH_STAFF, ADH_GROUP, "BGD-ADH")
    stack.enrol(UNIT_OFFICER, UNIT_OFFICER, "BGD-KRD", "fcpu")
    yield


def close_with_note(
    stack: Stack, officer: int, chat: int, card: dict[str, Any], note: str
) -> None:
    """Press Close on a card and reply to the prompt with the closing note."""
    stack.telegram.callback_answer(
        stack.telegram.press_by_title(officer, card, "Close", chat=chat)
    )
    prompt = stack.telegram.wait_for(
        chat, lambda m: m["text"].startswith("Reply to this message with the closing note")
    )
    stack.telegram.say(officer, note, chat=chat, reply_to=prompt["message_id"])


def is_survey(message: dict[str, Any]) -> bool:
    """A survey's question (or a message with survey buttons)."""
    return any(SurveyPress.decode(b["callback_data"]) for b in buttons(message)) or any(
        message["text"] == TEXTS.get(key, "en", station=ADHAMIYA)
        for key in ("survey_ask_report", "survey_ask_visit")
    )


def utc_text(moment: dt.datetime) -> str:
    """A time as the SQLite database stores it (UTC)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def test_a_closed_report_brings_one_survey_after_its_update_stored_without_her_chat(
    stack: Stack, staff: None
) -> None:
    citizen, stranger = new_user(), new_user()
    reference = file_report(
        stack,
        citizen,
        "I want to report vandalism",
        "Someone smashed the glass of the bus stop.",
        place="Adhamiya",
        when="today",
    )
    card = stack.telegram.wait_for(
        ADH_GROUP, lambda m: m["text"].startswith(f"Report {reference}")
    )
    assert not [m for m in stack.telegram.bot_messages(citizen) if is_survey(m)]
    close_with_note(stack, ADH_STAFF, ADH_GROUP, card, "The glass was replaced.")
    closed = stack.telegram.wait_for(citizen, lambda m: "The glass was replaced." in m["text"])
    survey = stack.telegram.wait_for(citizen, is_survey)
    assert survey["message_id"] > closed["message_id"]  # after the update, never before
    assert survey["text"] == TEXTS.get("survey_ask_report", "en", station=ADHAMIYA)
    ratings = buttons(survey)
    assert [b["text"] for b in ratings] == ["1", "2", "3", "4", "5"]

    # Her buttons do nothing for anyone else: pressed by another user in her chat, or
    # their data sent from another chat.
    query = stack.telegram.press(
        stranger, survey["message_id"], ratings[0]["callback_data"], citizen
    )
    assert stack.telegram.callback_answer(query)["text"] == TEXTS.get("not_your_button", "en")
    [hello] = stack.telegram.ask(stranger, "hello")
    forged = stack.telegram.press(stranger, hello["message_id"], ratings[0]["callback_data"])
    assert stack.telegram.callback_answer(forged)["text"] == TEXTS.get("not_your_button", "en")

    # She answers: 4, treated with respect, then a comment as her next message.
    stack.telegram.callback_answer(stack.telegram.press_by_title(citizen, survey, "4"))
    respect = stack.telegram.wait_for(
        citizen,
        lambda m: (
            m["message_id"] == survey["message_id"]
            and m["text"] == TEXTS.get("survey_ask_respect", "en")
        ),
    )
    again = stack.telegram.press_by_title(citizen, survey, "2")  # the old rating button
    assert stack.telegram.callback_answer(again)["text"] == TEXTS.get("survey_already", "en")
    stack.telegram.callback_answer(stack.telegram.press_by_title(citizen, respect, "Yes"))
    stack.telegram.wait_for(
        citizen,
        lambda m: (
            m["message_id"] == survey["message_id"]
            and m["text"] == TEXTS.get("survey_ask_comment", "en")
        ),
    )
    [thanks] = stack.telegram.ask(citizen, COMMENT)
    assert thanks["text"] == TEXTS.get("survey_comment_thanks", "en")

    rows = stack.sql(
        "SELECT kind, station_code, language, status, rating, respected, comment, answered_on, "
        "chat_id, token, message_id, after_outbox_id, due_at FROM surveys WHERE comment = ?",
        COMMENT,
    )
    [(kind, station, language, status, rating, respected, comment, answered, *traces)] = rows
    assert (kind, station, language, status, rating, respected) == (
        "report",
        "BGD-ADH",
        "en",
        "answered",
        4,
        1,
    )
    assert answered == dt.datetime.now(BAGHDAD).date().isoformat()
    assert traces == [None] * 5  # no chat, no token, nothing that leads to her
    late = stack.telegram.press(citizen, survey["message_id"], ratings[4]["callback_data"])
    assert stack.telegram.callback_answer(late)["text"] == TEXTS.get("survey_closed", "en")
    # Exactly one survey: one row for the station, one message in her chat.
    assert stack.sql(
        "SELECT count(*) FROM surveys WHERE station_code = 'BGD-ADH' AND kind = 'report'"
    ) == [(1,)]
    after_update = stack.telegram.bot_messages(citizen, closed["message_id"])
    assert [m["message_id"] for m in after_update] == [survey["message_id"], thanks["message_id"]]
    assert not buttons(after_update[0])  # its Skip button went with her comment
    assert COMMENT not in bot_log(stack)


def test_a_checked_in_visit_brings_a_survey_the_next_day(stack: Stack, staff: None) -> None:
    day = dt.datetime.now(BAGHDAD).date() + dt.timedelta(days=3)
    stack.admin(
        "events", "add", "--station", "BGD-ADH", "--date", day.isoformat(),
        "--start", "09:00", "--end", "13:00", "--capacity", "20",
    )  # fmt: skip
    visitor = new_user()
    [summary] = stack.telegram.ask(visitor, "book a visit to Adhamiya station for 1 person")
    if "Shall I book it?" not in summary["text"]:  # the form asked for the day
        [summary] = stack.telegram.press_for_reply(visitor, summary, buttons(summary)[0]["text"])
    booked, _ics, _qr = stack.telegram.press_for_reply(
        visitor, summary, TEXTS["yes_book"]["en"], count=3
    )
    code = booked["text"].split("Your code is ", 1)[1][:6]
    # The day comes: the event is today, and the visitor is checked in at the door.
    today = dt.datetime.now(BAGHDAD).date()
    stack.sql(
        "UPDATE events SET day = ? WHERE id = (SELECT event_id FROM bookings WHERE code = ?)",
        today.isoformat(),
        code,
    )
    [checked] = stack.telegram.ask(ADH_STAFF, f"/checkin {code}", chat=ADH_GROUP)
    assert checked["text"].startswith(f"Checked in: {code}")
    # Her survey waits for the next day at 10:00.
    [(survey_id, status, due)] = stack.sql(
        "SELECT s.id, s.status, s.due_at FROM surveys s WHERE s.kind = 'visit' "
        "AND s.station_code = 'BGD-ADH' AND s.chat_id = ?",
        visitor,
    )
    tomorrow_ten = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10), BAGHDAD)
    assert status == "waiting" and due == utc_text(tomorrow_ten)
    assert not [m for m in stack.telegram.bot_messages(visitor) if is_survey(m)]
    # The next day comes (time moved in the database, as for the reminders).
    before = stack.telegram.latest(visitor)
    stack.sql(
        "UPDATE surveys SET due_at = ? WHERE id = ?",
        utc_text(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)),
        survey_id,
    )
    [survey] = stack.telegram.replies(visitor, before)
    assert survey["text"] == TEXTS.get("survey_ask_visit", "en", station=ADHAMIYA)
    stack.telegram.callback_answer(stack.telegram.press_by_title(visitor, survey, "5"))
    respect = stack.telegram.wait_for(
        visitor, lambda m: m["text"] == TEXTS.get("survey_ask_respect", "en")
    )
    stack.telegram.callback_answer(stack.telegram.press_by_title(visitor, respect, "Yes"))
    comment = stack.telegram.wait_for(
        visitor, lambda m: m["text"] == TEXTS.get("survey_ask_comment", "en")
    )
    stack.telegram.callback_answer(stack.telegram.press_by_title(visitor, comment, "Skip"))
    stack.telegram.wait_for(visitor, lambda m: m["text"] == TEXTS.get("survey_thanks", "en"))
    assert stack.sql(
        "SELECT status, rating, respected, comment, chat_id FROM surveys WHERE id = ?", survey_id
    ) == [("answered", 5, 1, None, None)]


def test_a_closed_call_back_brings_no_survey(stack: Stack, staff: None) -> None:
    woman = new_user()
    question = stack.telegram.turn(
        woman, "my husband hits me, zebracorn marker, i am not safe at home"
    )
    where = stack.telegram.press_for_reply(woman, question, "No")[-1]
    contacts = stack.telegram.press_for_reply(woman, where, "Baghdad")[-1]
    offer = stack.telegram.press_for_reply(woman, contacts, "A call at a time that suits you")[-1]
    ask_phone = stack.telegram.press_for_reply(woman, offer, "Yes")[-1]
    assert ask_phone["text"] == label("callback_ask_phone")
    ask_window = stack.telegram.turn(woman, "0770 123 4567")
    stack.telegram.press_by_title(woman, ask_window, "Morning")
    card = stack.telegram.wait_for(UNIT_OFFICER, lambda m: "Safe call-back" in m["text"])
    reference = REFERENCE.search(card["text"])[0]  # type: ignore[index]
    surveys = stack.sql("SELECT count(*) FROM surveys")
    close_with_note(stack, UNIT_OFFICER, UNIT_OFFICER, card, "Called her back; she is safe.")
    stack.telegram.wait_for(
        UNIT_OFFICER,
        lambda m: m["message_id"] == card["message_id"] and "Status: closed" in m["text"],
    )
    # Closed in the same transaction that would have scheduled a survey: none was.
    assert stack.sql("SELECT status FROM reports WHERE reference = ?", reference) == [("closed",)]
    assert stack.sql("SELECT count(*) FROM surveys") == surveys
    assert not [m for m in stack.telegram.bot_messages(woman) if is_survey(m)]
