"""The fallback's clarifying question: two close startable readings become two buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import FAQ_TITLES, ActionClarify, readings
from actions.texts import choice, label
from mps.contract import topic_payload
from mps.text_buttons import MAIN_TOPICS


def parse(ranking: list[tuple[str, float]], topic: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "intent": {"name": "nlu_fallback", "confidence": ranking[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }
    if topic:
        message["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{topic}"}}
        }
    return message


async def run(message: dict[str, Any], language: str) -> list[dict[str, Any]]:
    tracker = Tracker("u1", {"language": language}, message, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, tracker, {})
    return dispatcher.messages


def test_a_report_or_a_question_is_asked_about_with_both_buttons() -> None:
    message = parse([("faq", 0.4), ("report_incident", 0.38), ("greet", 0.1)], "lost_documents")
    assert readings(message) == [
        ("faq/lost_documents", "topic:lost_documents"),
        ("report_incident", "/report_incident"),
    ]


async def test_the_question_and_buttons_are_in_the_users_language() -> None:
    for language in ("en", "ar", "ckb"):
        message = parse([("report_incident", 0.3), ("faq", 0.29)], "cybercrime")
        [reply] = await run(message, language)
        assert reply["text"] == label("clarify_question", language)
        assert [b["title"] for b in reply["buttons"]] == [
            choice("reading", "report_incident", language),
            getattr(FAQ_TITLES["cybercrime"], language),
            label("reading_neither", language),
        ]
        assert [b["payload"] for b in reply["buttons"]] == [
            "/report_incident",
            "topic:cybercrime",
            "/help",
        ]


async def test_small_talk_among_the_two_best_offers_the_topics_instead() -> None:
    [reply] = await run(parse([("greet", 0.3), ("report_incident", 0.28)]), "ar")
    assert reply["text"] == label("fallback", "ar")
    payloads = [b["payload"] for b in reply["buttons"]]
    assert payloads == [*(topic_payload(t) for t in MAIN_TOPICS), "/human_handoff"]
    titles = [b["title"] for b in reply["buttons"]]
    assert all(any("\u0600" <= c <= "\u06ff" for c in t) for t in titles)


async def test_a_weak_second_reading_offers_the_topics_instead() -> None:
    [reply] = await run(parse([("find_station", 0.25), ("book_visit", 0.05)]), "en")
    assert reply["text"] == label("fallback", "en")


async def test_gibberish_with_no_ranking_offers_the_topics() -> None:
    [reply] = await run({"intent": {"name": "nlu_fallback"}, "intent_ranking": []}, "ckb")
    assert reply["text"] == label("fallback", "ckb")


async def test_a_bare_category_answer_or_a_report_starts_the_report() -> None:
    message = parse([("inform", 0.4), ("report_incident", 0.38)])
    message["entities"] = [{"entity": "category", "value": "vandalism"}]
    tracker = Tracker("u1", {"language": "en"}, message, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    events = await ActionClarify().run(dispatcher, tracker, {})
    assert events == [{"event": "followup", "timestamp": None, "name": "report_form"}]
    assert dispatcher.messages == []


async def test_without_a_category_a_bare_answer_is_not_a_report() -> None:
    [reply] = await run(parse([("inform", 0.4), ("report_incident", 0.38)]), "en")
    assert reply["text"] == label("fallback", "en")
