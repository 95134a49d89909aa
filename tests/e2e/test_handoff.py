"""End to end: talking to a person. The hand-off in staffed hours in three languages
and outside them, two staff pressing Take at once, messages both ways (a photo and a
location too), an emergency in the middle, a discreet hand-off that only unit staff
see and that /exit wipes, the idle timeout, and a message sent while the bot restarts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mps.catalogue import Catalogue
from mps.formatting import day_text, time_text
from mps.handoff_hours import hours_text, periods
from scripts.stack import start, stop
from tests.e2e.stack_fixture import (
    Stack,
    bot_log,
    buttons,
    new_user,
    running_stack,
    wait_for_log,
)
from tests.e2e.test_discreet import rasa_tracker

TEXTS = Catalogue.load_dir()
BAGHDAD = ZoneInfo("Asia/Baghdad")
# Karrada: a group with two staff, and an officer of Family and Child Protection in her
# private chat. Mansour: a group with one.
KRD_GROUP, KRD_STAFF, KRD_STAFF2 = -9400, 9401, 9402
FCPU_OFFICER = 9403
MNS_GROUP, MNS_STAFF = -9500, 9501
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALWAYS = [{"days": DAYS, "start": "00:00", "end": "24:00"}]
MARKERS = ("zorblaxine", "quimbyfrond")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own (its staff chats would receive other modules' cards), with
    Karrada staffed around the clock and Mansour on duty only tomorrow, 10 to 11."""
    with running_stack(tmp_path_factory.mktemp("handoff")) as running:
        running.enrol(KRD_STAFF, KRD_GROUP, "BGD-KRD")
        running.enrol(KRD_STAFF2, KRD_GROUP, "BGD-KRD")
        running.enrol(FCPU_OFFICER, FCPU_OFFICER, "BGD-KRD", "fcpu")
        running.enrol(MNS_STAFF, MNS_GROUP, "BGD-MNS")
        running.sql("UPDATE stations SET staffed_hours = ? WHERE code = 'BGD-KRD'", _json(ALWAYS))
        running.sql("UPDATE stations SET staffed_hours = ? WHERE code = 'BGD-MNS'", _json(LATER))
        yield running


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows)


TOMORROW = dt.datetime.now(BAGHDAD).date() + dt.timedelta(days=1)
LATER = [{"days": [DAYS[TOMORROW.weekday()]], "start": "10:00", "end": "11:00"}]


def text(key: str, language: str = "en", **values: object) -> str:
    return TEXTS.get(key, language, **values)


def titles(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in buttons(message)]


def ask_for_person(
    stack: Stack, user: int, ask: str, place: str, language: str = "en"
) -> dict[str, Any]:
    """ "I want a person", then the place; the bot's last message of that turn."""
    question = stack.telegram.turn(user, ask)
    assert question["text"] == text("handoff_ask_station", language), question["text"]
    assert titles(question) == [text("handoff_station_unsure", language)]
    return stack.telegram.turn(user, place)


def handoff_id(stack: Stack, user: int) -> int:
    [(found,)] = stack.sql("SELECT id FROM handoffs WHERE chat_id = ?", user)
    return int(found)


def card_in(stack: Stack, chat: int, number: int, after: int = 0) -> dict[str, Any]:
    """The hand-off's card in a staff chat (staff read English in these tests)."""
    title = text("handoff_card_title", number=number)
    return stack.telegram.wait_for(chat, lambda m: m["text"].startswith(title), after)


def card_now(stack: Stack, chat: int, card: dict[str, Any]) -> dict[str, Any]:
    return stack.telegram.message(chat, card["message_id"])


def press(stack: Stack, user: int, chat: int, message: dict[str, Any], title: str) -> str:
    """A staff member presses a card button in `chat`; the callback query id."""
    return stack.telegram.press_by_title(user, message, title, chat=chat)


def open_at_karrada(stack: Stack, user: int) -> tuple[int, dict[str, Any]]:
    """A hand-off to Karrada (staffed); its number and its card in Karrada's group."""
    opened = ask_for_person(stack, user, "i want to talk to a real person", "karrada")
    assert opened["text"].startswith("You are now writing to Karrada Police Station.")
    number = handoff_id(stack, user)
    return number, card_in(stack, KRD_GROUP, number)


def in_thread(stack: Stack, chat: int, message: dict[str, Any]) -> dict[str, Any]:
    """A relayed message, once the bot has noted it as the thread's (a reply to it is
    routed from then on: the note follows Telegram's answer by milliseconds)."""
    stack.telegram.wait_until(
        lambda: stack.sql(
            "SELECT 1 FROM handoff_messages WHERE chat_id = ? AND message_id = ?",
            chat,
            message["message_id"],
        ),
        what="the relayed message noted in its thread",
    )
    return message


def take(stack: Stack, staff: int, card: dict[str, Any], number: int) -> None:
    query = press(stack, staff, KRD_GROUP, card, "Take")
    assert stack.telegram.callback_answer(query)["text"] == text("handoff_took", number=number)


@pytest.mark.parametrize(
    ("language", "ask", "place", "station"),
    [
        ("en", "i want to talk to a real person", "karrada", "Karrada Police Station"),
        ("ar", "اريد احجي وية شخص حقيقي", "الكرادة", "مركز شرطة الكرادة"),
        ("ckb", "دەمەوێت لەگەڵ کەسێکی ڕاستەقینە قسە بکەم", "کەڕادە", "بنکەی پۆلیسی کەڕادە"),
    ],
)
def test_in_hours_the_citizen_is_told_who_answers_and_staff_get_a_card(
    stack: Stack, language: str, ask: str, place: str, station: str
) -> None:
    user = new_user()
    opened = ask_for_person(stack, user, ask, place, language)
    hours = hours_text(periods(ALWAYS), language)
    assert opened["text"] == text("handoff_opened", language, station=station, hours=hours)
    assert titles(opened) == [text("handoff_end_button", language)]
    number = handoff_id(stack, user)
    card = card_in(stack, KRD_GROUP, number)
    assert f"Language: {TEXTS.get('language_name', language)}" in card["text"]
    assert text("handoff_state_waiting") in card["text"]
    assert titles(card) == ["Take", "Re-route", "Close"]
    # Nothing of the citizen on the card: no Telegram id, no name.
    assert str(user) not in card["text"] and f"User{user}" not in card["text"]
    stack.telegram.say(user, "/end")
    stack.telegram.wait_for(
        user, lambda m: m["text"] == text("handoff_ended_citizen", language, station=station)
    )


def test_outside_hours_it_says_when_someone_will_read_it(stack: Stack) -> None:
    user = new_user()
    opened = ask_for_person(stack, user, "i want to talk to a real person", "mansour")
    when = f"{day_text(TOMORROW, 'en')} {time_text(dt.time(10, 0), 'en')}"
    expected = text(
        "handoff_opened_later",
        station="Mansour Police Station",
        hours=hours_text(periods(LATER), "en"),
        next=when,
    )
    assert opened["text"] == expected
    # The FAQ meanwhile (and the End button); the message still goes to the station.
    assert titles(opened) == ["Common questions", "End conversation"]
    number = handoff_id(stack, user)
    card = card_in(stack, MNS_GROUP, number)
    assert text("handoff_card_later") in card["text"]
    stack.telegram.say(user, "My neighbour's generator is on all night.")
    relayed = stack.telegram.wait_for(MNS_GROUP, lambda m: "generator" in m["text"])
    assert relayed["reply_to"] == card["message_id"]
    # The FAQ button is answered by the assistant, the hand-off stays open.
    [help_reply] = stack.telegram.press_for_reply(user, opened, "Common questions")
    assert help_reply["text"] == text("utter_help")
    assert stack.sql("SELECT status FROM handoffs WHERE id = ?", number) == [("waiting",)]
    stack.telegram.say(user, "/end")
    stack.telegram.wait_for(user, lambda m: m["text"].startswith("You ended the conversation"))


def test_two_staff_press_take_at_once_and_one_owns_it(stack: Stack) -> None:
    user = new_user()
    number, card = open_at_karrada(stack, user)
    first = press(stack, KRD_STAFF, KRD_GROUP, card, "Take")
    second = press(stack, KRD_STAFF2, KRD_GROUP, card, "Take")
    answers = [stack.telegram.callback_answer(q) for q in (first, second)]
    took = [a for a in answers if a["text"] == text("handoff_took", number=number)]
    refused = [
        a for a in answers if a["text"].startswith(f"#{number} is already taken by staff #")
    ]
    assert len(took) == 1 and len(refused) == 1, answers
    assert refused[0]["show_alert"] is True
    [(owner,)] = stack.sql("SELECT owner_user FROM handoffs WHERE id = ?", number)
    assert owner in (KRD_STAFF, KRD_STAFF2)
    # Everyone sees who took it, by staff number, never by Telegram id.
    redrawn = stack.telegram.wait_for(
        KRD_GROUP,
        lambda m: m["message_id"] == card["message_id"] and "taken by staff #" in m["text"],
    )
    assert str(owner) not in redrawn["text"]
    assert titles(redrawn) == ["Re-route", "Close"]
    stack.telegram.wait_for(
        user,
        lambda m: m["text"] == text("handoff_taken_citizen", station="Karrada Police Station"),
    )
    stack.telegram.say(user, "/end")


def test_messages_go_both_ways_with_a_photo_and_a_location(stack: Stack) -> None:
    user = new_user()
    number, card = open_at_karrada(stack, user)
    take(stack, KRD_STAFF, card, number)
    # The citizen writes, sends a photo and a location: one thread under the card.
    stack.telegram.say(user, "A car blocks my gate every night.")
    said = in_thread(
        stack,
        KRD_GROUP,
        stack.telegram.wait_for(KRD_GROUP, lambda m: "blocks my gate" in m["text"]),
    )
    assert said["text"] == text(
        "handoff_from_citizen", number=number, text="A car blocks my gate every night."
    )
    assert said["reply_to"] == card["message_id"]
    stack.telegram.send_media(user, "photo", file_id="photo-gate-1", caption="this one")
    photo = stack.telegram.wait_for(
        KRD_GROUP, lambda m: m["kind"] == "photo" and m["media"] == "photo-gate-1"
    )
    assert photo["text"] == text("handoff_from_citizen", number=number, text="this one")
    stack.telegram.send_media(user, "location", latitude=33.3021, longitude=44.4287)
    pin = stack.telegram.wait_for(KRD_GROUP, lambda m: m["kind"] == "location")
    assert pin["media"] == "33.3021,44.4287"
    # The owner answers by replying to the thread: text, then a photo.
    stack.telegram.say(
        KRD_STAFF, "We will send a patrol tonight.", chat=KRD_GROUP, reply_to=said["message_id"]
    )
    answer = stack.telegram.wait_for(user, lambda m: "patrol" in m["text"])
    assert answer["text"] == text(
        "handoff_from_station",
        station="Karrada Police Station",
        text="We will send a patrol tonight.",
    )
    assert titles(answer) == ["End conversation"]
    stack.telegram.send_media(
        KRD_STAFF,
        "photo",
        chat_id=KRD_GROUP,
        reply_to=card["message_id"],
        file_id="photo-map-2",
        caption="Meet the patrol here",
    )
    staff_photo = stack.telegram.wait_for(
        user, lambda m: m["kind"] == "photo" and m["media"] == "photo-map-2"
    )
    assert staff_photo["text"].startswith("🏢 Karrada Police Station: Meet the patrol here")
    # Someone else in the group replying is refused, and the citizen gets nothing.
    before = stack.telegram.latest(user)
    asked = stack.telegram.say(
        KRD_STAFF2, "I can help too", chat=KRD_GROUP, reply_to=said["message_id"]
    )
    refusal = stack.telegram.wait_for(KRD_GROUP, lambda m: m["message_id"] > asked)
    assert refusal["text"].startswith(f"#{number} is already taken by staff #")
    # The citizen never sees an officer's name or id.
    for message in stack.telegram.bot_messages(user):
        for staff in (KRD_STAFF, KRD_STAFF2):
            assert str(staff) not in message["text"] and f"User{staff}" not in message["text"]
    # She ends it with the button: the card says so, the chat goes back to the assistant.
    stack.telegram.press_by_title(user, answer, "End conversation")
    stack.telegram.wait_for(user, lambda m: m["text"].startswith("You ended the conversation"))
    assert not [m for m in stack.telegram.bot_messages(user, before) if "I can help" in m["text"]]
    stack.telegram.wait_for(
        KRD_GROUP,
        lambda m: m["message_id"] == card["message_id"] and "ended by the citizen" in m["text"],
    )
    [(chat, question, taken, closed, by)] = stack.sql(
        "SELECT chat_id, question, taken_at, closed_at, closed_by FROM handoffs WHERE id = ?",
        number,
    )
    assert chat is None and question is None and taken and closed and by == "citizen"
    assert stack.telegram.turn(user, "hello")["text"] == text("utter_greet")


def test_an_emergency_in_a_handoff_gets_the_numbers_at_once_and_staff_are_told(
    stack: Stack,
) -> None:
    user = new_user()
    number, card = open_at_karrada(stack, user)
    sent = stack.telegram.say(user, "help me now he has a knife")
    [numbers] = stack.telegram.replies(user, sent)
    assert numbers["text"].startswith("📞 911")
    assert numbers["text"].endswith(text("handoff_emergency_told"))
    stack.telegram.wait_for(KRD_GROUP, lambda m: "he has a knife" in m["text"])
    stack.telegram.wait_for(
        KRD_GROUP, lambda m: m["text"] == text("handoff_emergency_staff", number=number)
    )
    assert stack.sql("SELECT status FROM handoffs WHERE id = ?", number) == [("waiting",)]
    stack.telegram.say(user, "/end")


def test_a_discreet_handoff_reaches_unit_staff_only_and_exit_wipes_it(stack: Stack) -> None:
    user = new_user()
    [question] = stack.telegram.ask(user, "my husband hits me and i am not safe at home")
    [where] = stack.telegram.press_for_reply(user, question, "No")
    [contacts] = stack.telegram.press_for_reply(user, where, "Baghdad")
    assert titles(contacts) == [
        "Write to an officer",
        "A call at a time that suits you",
        text("exit"),
    ]
    [opened] = stack.telegram.press_for_reply(user, contacts, "Write to an officer")
    hours = hours_text(periods(ALWAYS), "en")
    assert opened["text"] == text(
        "handoff_opened_discreet", station="Karrada Police Station", hours=hours
    )
    assert titles(opened) == ["End conversation", text("exit")]
    number = handoff_id(stack, user)
    card = card_in(stack, FCPU_OFFICER, number)
    assert text("handoff_card_discreet") in card["text"]
    # Not in Karrada's group, where others read along.
    title = text("handoff_card_title", number=number)
    assert not [m for m in stack.telegram.bot_messages(KRD_GROUP) if m["text"].startswith(title)]
    # Group staff cannot take it, even pressing its button with forged data.
    latest = stack.telegram.latest(KRD_GROUP)
    refused = stack.telegram.press(KRD_STAFF, latest, f"h:take:{number}", chat=KRD_GROUP)
    assert stack.telegram.callback_answer(refused)["text"] == text("handoff_not_staff")
    query = press(stack, FCPU_OFFICER, FCPU_OFFICER, card, "Take")
    assert stack.telegram.callback_answer(query)["text"] == text("handoff_took", number=number)
    stack.telegram.say(user, f"I need to talk about home {MARKERS[0]}")
    relayed = stack.telegram.wait_for(FCPU_OFFICER, lambda m: MARKERS[0] in m["text"])
    in_thread(stack, FCPU_OFFICER, relayed)
    stack.telegram.say(
        FCPU_OFFICER, f"We are here for you {MARKERS[1]}", reply_to=relayed["message_id"]
    )
    answer = stack.telegram.wait_for(user, lambda m: MARKERS[1] in m["text"])
    assert titles(answer) == ["End conversation", text("exit")]
    exits = bot_log(stack).count("exit: ")
    stack.telegram.say(user, "/exit")
    stack.telegram.all_deleted(user)
    wait_for_log(_bot(stack), "exit: ", occurrences=exits + 1)
    # Right after /exit: no row of it, no message of it left in the officer's chat...
    assert stack.sql("SELECT count(*) FROM handoffs WHERE sensitive") == [(0,)]
    assert stack.sql("SELECT count(*) FROM handoff_messages WHERE handoff_id = ?", number) == [
        (0,)
    ]
    officer = stack.telegram.transcript(FCPU_OFFICER)
    thread = [m for m in officer if MARKERS[0] in m["text"] or MARKERS[1] in m["text"]]
    assert thread and all(m["deleted"] for m in thread)
    assert card_now(stack, FCPU_OFFICER, card)["deleted"]
    stack.telegram.wait_for(
        FCPU_OFFICER, lambda m: m["text"] == text("handoff_discreet_removed", number=number)
    )
    # ...only a count, and no word of it in the database, Rasa or any log.
    assert stack.sql("SELECT opened, taken, ended FROM handoff_tallies") == [(1, 1, 1)]
    database = b"".join(p.read_bytes() for p in _database_files(stack))
    for marker in MARKERS:
        assert marker.encode() not in database
        assert marker not in rasa_tracker(stack, user)
        for service in stack.services:
            assert service.log_path is not None
            assert marker not in service.log_path.read_text(errors="replace"), service.name


def test_a_quiet_handoff_closes_politely_after_30_minutes(stack: Stack) -> None:
    user = new_user()
    number, card = open_at_karrada(stack, user)
    # Half an hour without a word either way (the clock of the row, moved back).
    stack.sql(
        "UPDATE handoffs SET last_message_at = '2000-01-01 00:00:00.000000' WHERE id = ?", number
    )
    stack.telegram.wait_for(
        user,
        lambda m: m["text"] == text("handoff_timeout_citizen", station="Karrada Police Station"),
    )
    stack.telegram.wait_for(
        KRD_GROUP,
        lambda m: (
            m["message_id"] == card["message_id"]
            and "closed after 30 minutes without a message" in m["text"]
            and not buttons(m)
        ),
    )
    stack.telegram.wait_until(
        lambda: (
            stack.sql("SELECT chat_id, closed_by FROM handoffs WHERE id = ?", number)
            == [(None, "timeout")]
        )
    )
    assert stack.telegram.turn(user, "hello")["text"] == text("utter_greet")


def test_a_message_sent_while_the_bot_restarts_is_not_lost(stack: Stack) -> None:
    user = new_user()
    number, card = open_at_karrada(stack, user)
    take(stack, KRD_STAFF, card, number)
    bot = _bot(stack)
    started = bot_log(stack).count("bot ready")
    stop(bot)
    stack.telegram.say(user, "Are you still there? I sent this during your restart.")
    start(bot, stack.log_dir)
    wait_for_log(bot, "bot ready", occurrences=started + 1)
    relayed = stack.telegram.wait_for(KRD_GROUP, lambda m: "during your restart" in m["text"])
    assert relayed["reply_to"] == card["message_id"]
    in_thread(stack, KRD_GROUP, relayed)
    # The thread still routes the owner's reply after the restart.
    stack.telegram.say(
        KRD_STAFF, "Yes, we are here.", chat=KRD_GROUP, reply_to=relayed["message_id"]
    )
    stack.telegram.wait_for(user, lambda m: "Yes, we are here." in m["text"])
    stack.telegram.say(user, "/end")


def _bot(stack: Stack) -> Any:
    return next(s for s in stack.services if s.name == "bot")


def _database_files(stack: Stack) -> list[Path]:
    path = Path(stack.database_url.split("///", 1)[1])
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]
