"""End to end: revoking staff, unbinding chats, unit-only sensitive reports, /join
refusals, strangers in staff groups, dead and moved chats, dead letters, and a
call-back confirmed to her only once an officer has it.

Stations here (Adhamiya, Kadhimiya, New Baghdad, Sadr City, Basra) and chat ids
(94xx) are not used by tests/e2e/test_reports.py, which shares the stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mps.catalogue import Catalogue
from tests.e2e.stack_fixture import Stack, buttons, new_user
from tests.e2e.test_reports import REFERENCE, cards, delivered, label

ROOT = Path(__file__).resolve().parents[2]
TEXTS = Catalogue.load_dir()
ANONYMOUS_ADMIN, CHANNEL_BOT = 1087968824, 136817688
TRIAGE_GROUP, TRIAGE_STAFF, TRIAGE_FCPU = -9450, 9451, 9452


def message(key: str) -> str:
    return str(TEXTS[key]["en"])


def command(stack: Stack, user: int, chat: int, text: str, **extra: Any) -> dict[str, Any]:
    """Send a command in a chat; the bot's reply there."""
    return stack.telegram.ask(user, text, chat=chat, **extra)[0]


def triage(stack: Stack) -> None:
    """The triage queue's group and its Family and Child Protection officer (once)."""
    if not stack.sql("SELECT 1 FROM staff_chats WHERE chat_id = ?", TRIAGE_GROUP):
        stack.enrol(TRIAGE_STAFF, TRIAGE_GROUP, "TRIAGE")
    if not stack.sql("SELECT 1 FROM staff_members WHERE user_id = ?", TRIAGE_FCPU):
        stack.enrol(TRIAGE_FCPU, TRIAGE_FCPU, "TRIAGE", "fcpu")


def noise(stack: Stack, place: str) -> tuple[int, str]:
    """A citizen (who agrees to updates) reports noise at `place`; they and the reference."""
    citizen = new_user()
    reply = stack.telegram.turn(citizen, "i want to report noise")
    assert reply["text"].endswith(label("report_ask_description"))
    reply = stack.telegram.turn(citizen, "Loud generator running all night next to our house.")
    for _ in range(3):  # where and when, in the order the form asks
        if reply["text"].endswith(label("report_ask_place")):
            reply = stack.telegram.turn(citizen, place)
        elif reply["text"].endswith(label("report_ask_when")):
            reply = stack.telegram.turn(citizen, "yesterday")
    assert reply["text"].endswith(label("report_ask_photo"))
    reply = stack.telegram.press_for_reply(citizen, reply, label("report_no_photo"))[-1]
    summary = stack.telegram.press_for_reply(citizen, reply, label("report_consent_yes"))[-1]
    filed = stack.telegram.press_for_reply(citizen, summary, label("report_send"))[-1]
    found = REFERENCE.search(filed["text"])
    assert found is not None, filed["text"]
    return citizen, found[0]


def test_a_removed_officer_is_refused_and_an_unbound_chat_gets_no_more_cards(
    stack: Stack,
) -> None:
    triage(stack)
    group, staff, officer = -9410, 9411, 9412
    stack.enrol(staff, group, "BGD-ADH")
    stack.enrol(officer, group, "BGD-ADH")
    stack.enrol(officer, officer, "BGD-ADH")  # and in her private chat
    _, first = noise(stack, "Adhamiya")
    card = stack.telegram.wait_for(group, lambda m: m["text"].startswith(f"Report {first}"))
    stack.telegram.wait_for(officer, lambda m: m["text"].startswith(f"Report {first}"))
    # /report works in the station's group and in private, not in an unbound group.
    shown = command(stack, staff, group, f"/report {first}")
    assert shown["text"].startswith(f"Report {first}")
    elsewhere = command(stack, staff, -9480, f"/report {first}")
    assert elsewhere["text"] == TEXTS["report_unknown"]["en"].format(reference=first)

    out = stack.admin("staff", "remove", "--user", str(officer), "--by", "chief")
    assert f"removed user {officer} from BGD-ADH" in out
    query = stack.telegram.press_by_title(officer, card, "Acknowledge", chat=group)
    assert stack.telegram.callback_answer(query) == {
        "text": TEXTS["not_station_staff"]["en"],
        "show_alert": True,
    }
    assert stack.sql("SELECT status FROM reports WHERE reference = ?", first) == [("new",)]
    for text in ("/queue", "/attendees", "/checkin ABC123"):
        assert command(stack, officer, group, text)["text"] == message("staff_only")
    mine = command(stack, officer, officer, f"/report {first}")
    assert mine["text"] == TEXTS["report_unknown"]["en"].format(reference=first)
    _, second = noise(stack, "Adhamiya")
    stack.telegram.wait_for(group, lambda m: m["text"].startswith(f"Report {second}"))
    stack.telegram.wait_until(lambda: delivered(stack, second), what="every card of it sent")
    assert cards(stack, officer, second) == []  # her private chat was unbound with her

    out = stack.admin("chats", "unbind", "--chat", str(group), "--by", "chief")
    assert f"chat {group} unbound from BGD-ADH" in out
    _, third = noise(stack, "Adhamiya")
    moved = stack.telegram.wait_for(
        TRIAGE_GROUP, lambda m: m["text"].startswith(f"Report {third}")
    )
    assert TEXTS["card_triage_note"]["en"] in moved["text"]
    assert cards(stack, group, third) == []
    # Triage staff can act on it: re-route it to a real station.
    stack.telegram.callback_answer(
        stack.telegram.press_by_title(TRIAGE_STAFF, moved, "Re-route", chat=TRIAGE_GROUP)
    )
    choose = stack.telegram.wait_for(
        TRIAGE_GROUP, lambda m: m["text"].startswith(f"Re-route {third}")
    )
    assert "Central triage" not in [b["text"] for b in buttons(choose)]
    query = stack.telegram.press_by_title(TRIAGE_STAFF, choose, "Mansour", chat=TRIAGE_GROUP)
    assert "re-routed to Mansour" in stack.telegram.callback_answer(query)["text"]
    # A forged press re-routing to the triage queue itself changes nothing.
    forged = stack.telegram.press(
        TRIAGE_STAFF, moved["message_id"], f"r:to:{third}:TRIAGE", chat=TRIAGE_GROUP
    )
    stack.telegram.callback_answer(forged)
    assert stack.sql("SELECT station_code FROM reports WHERE reference = ?", third) == [
        ("BGD-MNS",)
    ]
    audit = stack.admin("audit", "list")
    for line in (
        f"admin:chief\tstaff_remove\tBGD-ADH\tuser:{officer}",
        f"admin:chief\tchat_unbind\tBGD-ADH\tchat:{officer}",
        f"admin:chief\tchat_unbind\tBGD-ADH\tchat:{group}",
    ):
        assert line in audit


def test_a_dead_chat_holds_up_nobody_a_moved_group_is_followed_and_dead_letters_show(
    stack: Stack,
) -> None:
    dead, group, staff = -9422, -9421, 9421
    stack.enrol(staff, dead, "BGD-KDH")
    stack.enrol(staff, group, "BGD-KDH")
    stack.telegram.fault("sendMessage", 403, dead, count=1000)  # the bot was removed
    citizen, first = noise(stack, "Kadhimiya")
    card = stack.telegram.wait_for(group, lambda m: m["text"].startswith(f"Report {first}"))
    assert cards(stack, dead, first) == []
    listed = stack.admin("chats", "list", "--station", "BGD-KDH")
    assert f"{dead}\tBGD-KDH\tgroup" in listed and "FAILING: Forbidden" in listed

    # The group becomes a supergroup: the next card follows it.
    supergroup = -1009421
    stack.telegram.fault("sendMessage", 400, group, migrate_to=supergroup)
    _, second = noise(stack, "Kadhimiya")
    stack.telegram.wait_for(supergroup, lambda m: m["text"].startswith(f"Report {second}"))
    assert f"{supergroup}\tBGD-KDH" in stack.admin("chats", "list", "--station", "BGD-KDH")

    # The first citizen blocked the bot: the update is a dead letter at once, and
    # staff see it in /queue.
    stack.telegram.fault("sendMessage", 403, citizen, count=1000)
    stack.telegram.callback_answer(
        stack.telegram.press_by_title(staff, card, "Acknowledge", chat=group)
    )

    def dead_letters() -> str:
        given_up = stack.admin("outbox", "dead")
        return given_up if "citizen_update" in given_up else ""

    letters = stack.telegram.wait_until(dead_letters, 30, "a dead letter")
    assert f"{first}\tBGD-KDH\tcitizen_update" in letters
    queue = command(stack, staff, supergroup, "/queue")
    assert TEXTS["queue_dead_header"]["en"] in queue["text"]
    assert f"• {first} · an update to the citizen" in queue["text"]


def test_blackmail_reaches_only_the_unit_officer_and_is_linked_to_nobody(stack: Stack) -> None:
    group, staff, fcpu = -9460, 9461, 9462
    stack.enrol(staff, group, "BGD-NBG")
    stack.enrol(fcpu, fcpu, "BGD-NBG", "fcpu")
    citizen = new_user()
    question = stack.telegram.turn(citizen, "i want to report a problem")
    assert question["text"].endswith(label("report_ask_category"))
    reply = stack.telegram.press_for_reply(
        citizen, question, TEXTS.choice("category", "online_harassment", "en")
    )[-1]
    assert reply["text"].endswith(label("report_ask_description"))
    reply = stack.telegram.turn(
        citizen, "Someone threatens to share my private photos unless I pay."
    )
    assert reply["text"].endswith(label("report_ask_place"))
    reply = stack.telegram.turn(citizen, "Zayona")
    if reply["text"].endswith(label("report_ask_when")):
        reply = stack.telegram.turn(citizen, "yesterday")
    reply = stack.telegram.press_for_reply(citizen, reply, label("report_no_photo"))[-1]
    summary = stack.telegram.press_for_reply(citizen, reply, label("report_consent_yes"))[-1]
    filed = stack.telegram.press_for_reply(citizen, summary, label("report_send"))[-1]
    reference = REFERENCE.search(filed["text"])[0]  # type: ignore[index]
    assert "only its officers can see it" in filed["text"]
    assert "not linked to your account" in filed["text"]
    card = stack.telegram.wait_for(fcpu, lambda m: m["text"].startswith(f"Report {reference}"))
    assert "private photos" in card["text"]
    stack.telegram.wait_until(lambda: delivered(stack, reference), what="every card of it sent")
    assert cards(stack, group, reference) == []  # never in the group
    query = stack.telegram.press_by_title(
        staff, card, "Acknowledge", chat=fcpu
    )  # forged by the group member
    assert stack.telegram.callback_answer(query)["text"] == TEXTS["not_station_staff"]["en"]
    shown = command(stack, staff, group, f"/report {reference}")
    assert shown["text"] == TEXTS["report_unknown"]["en"].format(reference=reference)
    stack.telegram.callback_answer(stack.telegram.press_by_title(fcpu, card, "Acknowledge"))
    [(status, owner, chat_id, consent)] = stack.sql(
        "SELECT status, owner, chat_id, contact_consent FROM reports WHERE reference = ?",
        reference,
    )
    assert status == "acknowledged" and owner.startswith("sealed:")
    assert chat_id is None and not consent
    # The acknowledgement's outbox entries (if any) are done with: nothing went to her.
    stack.telegram.wait_until(lambda: delivered(stack, reference), what="the outbox done")
    assert not [
        m for m in stack.telegram.bot_messages(citizen) if m["message_id"] > filed["message_id"]
    ]
    assert stack.telegram.turn(citizen, f"/status {reference}")["text"] == label(
        "status_not_found"
    )


def test_join_refuses_open_chats_and_anonymous_senders_and_strangers_are_warned(
    stack: Stack,
) -> None:
    staff, colleague = 9471, 9474
    code = stack.admin("staff", "invite", "--station", "BGD-SDR").split()[0]
    stack.telegram.chat_info(-9470, username="sadr_public")
    assert command(stack, staff, -9470, f"/join {code}")["text"] == message("join_public_chat")
    stack.telegram.chat_info(-9472, linked_chat_id=-1009999)
    assert command(stack, staff, -9472, f"/join {code}")["text"] == message("join_public_chat")
    group = -9473
    for fake, sender in ((ANONYMOUS_ADMIN, group), (CHANNEL_BOT, -1001234567890)):
        reply = command(stack, fake, group, f"/join {code}", sender_chat=sender)
        assert reply["text"] == message("join_not_a_person")
    assert code in stack.admin("invites", "list", "--station", "BGD-SDR")  # still unused
    assert "is now the staff chat of" in command(stack, staff, group, f"/join {code}")["text"]
    reply = command(stack, ANONYMOUS_ADMIN, group, "/queue", sender_chat=group)
    assert reply["text"] == message("staff_only")

    before = stack.telegram.latest(group)
    stack.telegram.add_member(9479, group, by=staff)  # chat_member update and service message
    warning = stack.telegram.wait_for(group, lambda m: m["message_id"] > before)
    assert warning["text"] == message("staff_stranger_added")
    stack.enrol(colleague, colleague, "BGD-SDR")  # staff of the station, in private
    stack.telegram.add_member(colleague, group, by=staff)
    stack.telegram.add_member(9478, group, by=staff)  # a stranger again: a warning to wait for
    stack.telegram.wait_for(group, lambda m: m["message_id"] > warning["message_id"])
    warnings = stack.telegram.bot_messages(group, after=before)
    assert [m["text"] for m in warnings] == [message("staff_stranger_added")] * 2  # none for her
    audit = stack.admin("audit", "list")
    assert f"stranger_added\tBGD-SDR\tchat:{group}\tuser:9479" in audit
    assert f"user:{colleague}" not in audit


def callback_request(stack: Stack, woman: int) -> dict[str, Any]:
    """Discreet help in Basra, then a call-back; the bot's "recorded" reply."""
    question = stack.telegram.turn(woman, "my husband hits me and i am not safe at home")
    where = stack.telegram.press_for_reply(woman, question, "No")[-1]
    contacts = stack.telegram.press_for_reply(woman, where, "Basra")[-1]
    offer = stack.telegram.press_for_reply(woman, contacts, label("callback_offer"))[-1]
    ask_phone = stack.telegram.press_for_reply(woman, offer, "Yes")[-1]
    ask_window = stack.telegram.turn(woman, "0770 123 4567")
    before = stack.telegram.latest(woman)
    stack.telegram.press_by_title(woman, ask_window, "Morning")
    recorded = stack.telegram.wait_for(woman, lambda m: m["message_id"] > before)
    assert ask_phone["text"] == label("callback_ask_phone")
    assert recorded["text"].startswith("Your request is recorded: a call to 07701234567")
    return recorded


def test_a_callback_is_promised_only_once_an_officer_has_it(stack: Stack) -> None:
    triage(stack)  # Basra has no Family and Child Protection officer: triage's gets it
    woman = new_user()
    # The card may reach the officer before "recorded" reaches her: both come from
    # the same filing, so only cards sent after the request began count.
    before_card = stack.telegram.latest(TRIAGE_FCPU)
    recorded = callback_request(stack, woman)
    card = stack.telegram.wait_for(
        TRIAGE_FCPU, lambda m: "Safe call-back" in m["text"] and m["message_id"] > before_card
    )
    assert "Basra" in card["text"] and TEXTS["card_triage_note"]["en"] in card["text"]
    told = stack.telegram.wait_for(woman, lambda m: m["message_id"] > recorded["message_id"])
    assert told["text"] == TEXTS["callback_delivered"]["en"].format(
        phone="07701234567", window="09:00–12:00"
    )
    reference = REFERENCE.search(card["text"])[0]  # type: ignore[index]
    assert not [m for m in stack.telegram.bot_messages(TRIAGE_GROUP) if reference in m["text"]]
    stack.telegram.callback_answer(stack.telegram.press_by_title(TRIAGE_FCPU, card, "Acknowledge"))
    assert stack.sql("SELECT status FROM reports WHERE reference = ?", reference) == [
        ("acknowledged",)
    ]

    # Nobody marked for the unit anywhere: she is told at once not to wait.
    stack.admin("staff", "remove", "--user", str(TRIAGE_FCPU), "--station", "TRIAGE")
    other = new_user()
    recorded = callback_request(stack, other)
    told = stack.telegram.wait_for(other, lambda m: m["message_id"] > recorded["message_id"])
    assert told["text"] == TEXTS["callback_undelivered"]["en"]
    dead = stack.sql(
        "SELECT count(*) FROM outbox o JOIN reports r ON r.id = o.report_id "
        "WHERE r.category = 'callback' AND o.dead_at IS NOT NULL"
    )
    assert dead[0][0] >= 1
    stack.enrol(TRIAGE_FCPU, TRIAGE_FCPU, "TRIAGE", "fcpu")  # back, for other tests
