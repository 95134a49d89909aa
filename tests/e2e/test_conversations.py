"""End to end: real bot, Rasa and action server, through the Bot API emulator."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from mps.catalogue import Catalogue
from mps.faq import load_faq
from mps.pseudonym import pseudonymise
from tests.e2e.stack_fixture import (
    RASA_TOKEN,
    SECRET,
    Stack,
    bot_log,
    buttons,
    new_user,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
FAQ = {t.topic: t for t in load_faq(ROOT / "data" / "faq")}
TEXTS = Catalogue.load_dir()


def trained_question(topic: str, language: str) -> str:
    """A question of the topic that the model was trained on (not held out)."""
    built = yaml.safe_load((ROOT / "build/data/nlu/faq.yml").read_text("utf-8"))
    block = next(
        b
        for b in built["nlu"]
        if b["intent"] == f"faq/{topic}" and b["metadata"]["lang"] == language
    )
    return str(block["examples"].splitlines()[0][2:])


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "hello there"), ("ar", "هلا والله شلونكم"), ("ckb", "سڵاو چۆنن")],
)
def test_greeting_is_answered_in_the_users_language(
    stack: Stack, language: str, text: str
) -> None:
    user = new_user()
    [reply] = stack.telegram.ask(user, text)
    assert reply["text"] == TEXTS["utter_greet"][language]


def test_a_reply_waits_out_telegrams_429s_and_still_arrives(stack: Stack) -> None:
    # Telegram refuses the reply three times in a row ("retry after 1 s"). The webhook
    # or getUpdates has long been answered, so a reply given up here would be lost.
    user = new_user()
    stack.telegram.fault("sendMessage", 429, user, retry_after=1, count=3)
    [reply] = stack.telegram.ask(user, "hello")
    assert reply["text"] == TEXTS["utter_greet"]["en"]


def test_start_shows_the_welcome_and_main_menu(stack: Stack) -> None:
    user = new_user()
    [reply] = stack.telegram.ask(user, "/start")
    assert reply["text"] == TEXTS["welcome"]["en"]
    assert [b["text"] for b in buttons(reply)] == [
        TEXTS["menu_questions"]["en"],
        TEXTS["menu_station"]["en"],
        TEXTS["menu_book"]["en"],
        TEXTS["menu_bookings"]["en"],
        TEXTS["menu_emergency"]["en"],
        TEXTS["menu_language"]["en"],
    ]
    query = stack.telegram.press(user, reply["message_id"], buttons(reply)[4]["callback_data"])
    [numbers] = stack.telegram.replies(user, reply["message_id"])
    assert numbers["text"].startswith("📞 911")
    assert stack.telegram.callback_answer(query) == {"text": None, "show_alert": False}


@pytest.mark.parametrize("language", ["en", "ar", "ckb"])
@pytest.mark.parametrize("topic", list(FAQ))
def test_every_faq_topic_is_answered_in_every_language(
    stack: Stack, topic: str, language: str
) -> None:
    user = new_user()
    [reply] = stack.telegram.ask(user, trained_question(topic, language))
    answer = FAQ[topic].answer.get(language)
    assert reply["text"].startswith(answer)
    assert FAQ[topic].source.get(language) in reply["text"]


@pytest.mark.parametrize("language", ["en", "ar", "ckb"])
def test_low_confidence_offers_topics_and_a_topic_button_answers(
    stack: Stack, language: str
) -> None:
    user = new_user()
    # A real message in the language first, then one the model cannot place.
    greeting = {"en": "hello there", "ar": "هلا والله", "ckb": "سڵاو"}[language]
    stack.telegram.ask(user, greeting)
    gibberish = {"en": "qzxv wrrrk plmnb", "ar": "ضصثق غعفقظ طظز", "ckb": "ڕڵێۆ ژڤپگ ێۆڕڤ"}
    [reply] = stack.telegram.ask(user, gibberish[language])
    assert reply["text"] == TEXTS["fallback"][language]
    cells = buttons(reply)
    assert FAQ["opening_hours"].title.get(language) in [c["text"] for c in cells]
    hours = next(c for c in cells if c["text"] == FAQ["opening_hours"].title.get(language))
    stack.telegram.press(user, reply["message_id"], hours["callback_data"])
    [answer] = stack.telegram.replies(user, reply["message_id"])
    assert answer["text"].startswith(FAQ["opening_hours"].answer.get(language))


def test_language_menu_switches_the_reply_language(stack: Stack) -> None:
    user = new_user()
    [menu] = stack.telegram.ask(user, "/language")
    assert menu["text"] == TEXTS["choose_language"]["en"]
    assert [b["callback_data"] for b in buttons(menu)] == ["lang:ar", "lang:ckb", "lang:en"]
    stack.telegram.press(user, menu["message_id"], "lang:ckb")
    edited = stack.telegram.wait_until(
        lambda: (found := stack.telegram.message(user, menu["message_id"]))["edited"] and found,
        30,
        "the menu edited",
    )
    assert edited["text"] == TEXTS["language_set"]["ckb"]
    # A command carries no language signal: the choice stands.
    [reply] = stack.telegram.ask(user, "/help")
    assert reply["text"] == TEXTS["utter_help"]["ckb"]


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "change the language please"), ("ar", "ممكن تغير اللغة"), ("ckb", "زمانەکە بگۆڕە")],
)
def test_change_language_intent_opens_the_language_menu(
    stack: Stack, language: str, text: str
) -> None:
    user = new_user()
    [menu] = stack.telegram.ask(user, text)
    assert menu["text"] == TEXTS["choose_language"][language]
    assert len(buttons(menu)) == 3


@pytest.mark.parametrize(
    ("language", "question", "danger"),
    [
        (
            "en",
            "how do i get a clearance certificate",
            "help someone is breaking into my house right now",
        ),
        ("ar", "شلون اطلع شهادة عدم محكومية", "الحقوني اكو واحد داخل البيت ويه سلاح هسه"),
        ("ckb", "چۆن بڕوانامەی بێ تاوانی وەربگرم", "فریام کەون پیاوێک بە چەقۆوە هاتۆتە ماڵەکەمان"),
    ],
)
def test_emergency_in_the_middle_gets_the_numbers_first(
    stack: Stack, language: str, question: str, danger: str
) -> None:
    user = new_user()
    stack.telegram.ask(user, question)
    [reply] = stack.telegram.ask(user, danger)
    first_line = reply["text"].splitlines()[0]
    assert first_line.startswith("📞 911")
    if language != "en":
        assert "٩١١" in first_line


def test_unsupported_media_gets_a_polite_answer(stack: Stack) -> None:
    user = new_user()
    for kind in ("sticker", "voice", "document"):
        message_id = stack.telegram.send_media(user, kind)
        [reply] = stack.telegram.replies(user, message_id)
        assert reply["text"] == TEXTS["unsupported_media"]["en"]
    # A photo outside a report: how to send one with a report.
    [reply] = stack.telegram.replies(user, stack.telegram.send_media(user, "photo"))
    assert reply["text"] == TEXTS["report_photo_outside"]["en"]


def test_over_long_and_odd_unicode_messages(stack: Stack) -> None:
    user = new_user()
    [reply] = stack.telegram.ask(user, "where is the station " * 300)
    assert reply["text"] == TEXTS["too_long"]["en"].format(limit=2000)
    [reply] = stack.telegram.ask(user, "\u200b\u202e\u0301 \ufeff")
    assert reply["text"] == TEXTS["empty_text"]["en"]
    [reply] = stack.telegram.ask(user, "hel\u200blo\u202e the\u0000re")
    assert reply["text"] == TEXTS["utter_greet"]["en"]


def test_forged_and_foreign_buttons_are_refused(stack: Stack) -> None:
    owner, other = new_user(), new_user()
    [menu] = stack.telegram.ask(owner, "/start")
    forged = stack.telegram.press(owner, menu["message_id"], "b:forged-token")
    assert stack.telegram.callback_answer(forged)["text"] == TEXTS["stale_button"]["en"]
    nonsense = stack.telegram.press(owner, menu["message_id"], "lang:xx")
    assert stack.telegram.callback_answer(nonsense)["text"] == TEXTS["stale_button"]["en"]
    token = buttons(menu)[0]["callback_data"]
    foreign = stack.telegram.press(other, menu["message_id"], token, chat=owner)
    assert stack.telegram.callback_answer(foreign)["text"] == TEXTS["not_your_button"]["en"]


def test_rasa_sees_a_pseudonym_never_the_telegram_id(stack: Stack) -> None:
    user = new_user()
    stack.telegram.ask(user, "hello there")
    pseudonym = pseudonymise(SECRET.encode(), user)
    with httpx.Client(base_url=stack.rasa_url, timeout=30) as rasa:
        # Rasa's HTTP API answers only with its token.
        assert rasa.get(f"/conversations/{pseudonym}/tracker").status_code == 401
        token = {"token": RASA_TOKEN}
        tracker = rasa.get(f"/conversations/{pseudonym}/tracker", params=token).json()
        assert any(e.get("event") == "user" for e in tracker["events"])
        raw = rasa.get(f"/conversations/{user}/tracker", params=token).json()
        assert not any(e.get("event") == "user" for e in raw["events"])


def test_message_text_never_reaches_the_bot_log(stack: Stack) -> None:
    user = new_user()
    stack.telegram.ask(user, "hello zebracrossingmarker")
    assert "zebracrossingmarker" not in bot_log(stack)


def test_rasa_down_gets_an_apology_and_danger_still_gets_the_numbers(
    stack_without_rasa: Stack,
) -> None:
    telegram = stack_without_rasa.telegram
    user = new_user()
    [reply] = telegram.ask(user, "what are the opening hours")
    assert reply["text"] == TEXTS["service_down"]["en"]
    [reply] = telegram.ask(user, "الحقوني يريد يقتلني")
    assert reply["text"].startswith("📞 911 (٩١١)")


def _samples(text: str) -> dict[str, float]:
    """Prometheus' text format as {series: value}."""
    return {
        series: float(value)
        for series, value in (
            line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
        )
    }


def test_metrics_count_the_conversation_by_kind_only(stack: Stack) -> None:
    user = new_user()
    [reply] = stack.telegram.ask(user, "hello there")
    assert reply["text"] == TEXTS["utter_greet"]["en"]

    def counted() -> str | None:  # the bot counts a reply once Telegram has answered it
        text = stack.metrics()
        return text if "mps_bot_reply_seconds_count 0.0" not in text else None

    text = wait_until(counted, 30, "the reply counted")
    samples = _samples(text)
    assert samples['mps_bot_updates_total{kind="message"}'] >= 1
    assert samples['mps_bot_replies_total{kind="text"}'] >= 1
    assert samples['mps_bot_rasa_seconds_count{outcome="ok"}'] >= 1
    assert samples["mps_bot_outbox_dead"] >= 0  # read from the table on this scrape
    assert str(user) not in text and "hello" not in text
    rasa = stack.metrics("rasa")
    assert _samples(rasa)['mps_rasa_turn_seconds_count{channel="rest"}'] >= 1
    assert _samples(rasa)['mps_rasa_turn_errors_total{channel="rest",error="exception"}'] == 0
    assert str(user) not in rasa and "hello" not in rasa
    assert pseudonymise(SECRET.encode(), user) not in rasa


@pytest.mark.parametrize("process", ["bot", "rasa", "actions"])
def test_every_process_says_it_is_alive_and_ready(stack: Stack, process: str) -> None:
    live, ready = stack.get(process, "/healthz"), stack.get(process, "/readyz")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert set(ready.json()["checks"].values()) == {"ok"}
