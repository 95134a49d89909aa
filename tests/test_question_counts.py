"""FAQ topics asked and messages not understood: the note of a turn (Rasa's channel, in
the Rasa env), its header read by the bot's Rasa client, and the day's counts the bot
keeps in the database, once per turn, without any text or sender."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot import conversation
from bot.chat_state_stores import DatabaseChatState
from bot.rasa_client import RasaClient
from mps.contract import TURN_HEADER, TurnNote
from mps.database import Database
from mps.models import QuestionCount
from mps.question_counts import count_key, count_question, question_counts
from tests.rasa_env import in_rasa
from tests.test_quick_exit import NOW, SECRET, FakeBot, FakeChat, handler_args, services

FAQ_PARSE = {
    "intent": {"name": "faq", "confidence": 0.8},
    "response_selector": {
        "faq": {"response": {"intent_response_key": "faq/opening_hours", "confidence": 0.8}}
    },
    "entities": [],
}


def test_a_turn_note_says_which_topic_or_that_nothing_was_understood() -> None:
    assert TurnNote.of_parse(FAQ_PARSE) == TurnNote("faq", "opening_hours")
    button = {
        "intent": {"name": "choose_topic"},
        "entities": [{"entity": "faq_topic", "value": "cybercrime"}],
    }
    assert TurnNote.of_parse(button) == TurnNote("faq", "cybercrime")
    assert TurnNote.of_parse({"intent": {"name": "nlu_fallback"}}) == TurnNote("unanswered")
    assert TurnNote.of_parse({"intent": {"name": "greet"}}) is None
    assert TurnNote.of_parse({"intent": {"name": "faq"}}) is None  # no topic chosen
    forged = {
        "intent": {"name": "choose_topic"},
        "entities": [{"entity": "faq_topic", "value": "A:B"}],
    }
    assert TurnNote.of_parse(forged) is None
    for note in (TurnNote("faq", "opening_hours"), TurnNote("unanswered")):
        assert TurnNote.decode(note.encode()) == note
    assert TurnNote("faq", "opening_hours").encode() == "faq:opening_hours"
    for bad in (None, "", "faq:", "faq:Bad Topic", "unanswered:en", "other:x"):
        assert TurnNote.decode(bad) is None


def test_only_topics_and_languages_the_product_has_are_counted() -> None:
    assert count_key(TurnNote("faq", "opening_hours"), "ar") == ("faq", "opening_hours")
    assert count_key(TurnNote("faq", "no_such_topic"), "ar") is None
    assert count_key(TurnNote("unanswered"), "ckb") == ("unanswered", "ckb")
    assert count_key(TurnNote("unanswered"), "fr") is None


CHANNEL_SCRIPT = """
import json
from rasa.shared.core.events import (
    ActionExecuted, ActionExecutionRejected, ActiveLoop, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from nlu.channel import turn_headers

faq = json.loads('''%s''')
fallback = {"intent": {"name": "nlu_fallback", "confidence": 0.2}, "entities": []}

def said(parse, message_id):
    return UserUttered("(text)", parse["intent"], parse["entities"], parse, message_id=message_id)

cases = {
    "faq": [said(faq, "u1"), ActionExecuted("utter_faq")],
    "fallback": [said(fallback, "u1"), ActionExecuted("action_clarify")],
    "taken_by_form": [ActiveLoop("report_form"), said(fallback, "u1"),
                      ActionExecuted("report_form")],
    "rejected_by_form": [ActiveLoop("report_form"), said(fallback, "u1"),
                         ActionExecutionRejected("report_form"),
                         ActionExecuted("action_report_form_help")],
    "form_closed_before": [ActiveLoop("report_form"), ActiveLoop(None), said(fallback, "u1"),
                           ActionExecuted("action_clarify")],
    "another_turn": [said(faq, "u0"), ActionExecuted("utter_faq")],
}
out = {name: turn_headers(DialogueStateTracker.from_events("s", events), "u1")
       for name, events in cases.items()}
out["no_tracker"] = turn_headers(None, "u1")
print(json.dumps(out))
"""


def test_rasas_channel_notes_faq_and_fallback_turns_but_not_an_answer_a_form_took() -> None:
    out = in_rasa(CHANNEL_SCRIPT % json.dumps(FAQ_PARSE))
    assert out == {
        "faq": {TURN_HEADER: "faq:opening_hours"},
        "fallback": {TURN_HEADER: "unanswered"},
        "taken_by_form": {},  # a description the NLU could not classify, read by the form
        "rejected_by_form": {TURN_HEADER: "unanswered"},
        "form_closed_before": {TURN_HEADER: "unanswered"},
        "another_turn": {},  # the tracker's latest message is not this turn
        "no_tracker": {},
    }


async def test_counts_add_up_by_day_kind_and_key(database: Database) -> None:
    day = dt.date(2026, 11, 25)
    async with database.sessions.begin() as session:
        for _ in range(3):
            await count_question(session, day, "faq", "opening_hours")
        await count_question(session, day, "faq", "cybercrime")
        await count_question(session, day + dt.timedelta(days=1), "faq", "opening_hours")
        await count_question(session, day + dt.timedelta(days=9), "faq", "opening_hours")
        await count_question(session, day, "unanswered", "ar")
    async with database.sessions() as session:
        week = await question_counts(session, day, day + dt.timedelta(days=6), "faq")
        assert week == {"opening_hours": 4, "cybercrime": 1}
        assert await question_counts(session, day, day, "unanswered") == {"ar": 1}
        assert len((await session.scalars(select(QuestionCount))).all()) == 5


@pytest.fixture
async def rasa_with_notes() -> AsyncIterator[tuple[list[str | None], str]]:
    """A stand-in for Rasa's channel answering each turn with the next scripted note."""
    notes: list[str | None] = []

    async def webhook(request: web.Request) -> web.Response:
        note = notes.pop(0)
        headers = {TURN_HEADER: note} if note is not None else {}
        return web.json_response([{"text": "an answer"}], headers=headers)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    async with TestServer(app, host="127.0.0.1") as server:
        yield notes, str(server.make_url("")).rstrip("/")


async def test_the_bot_counts_each_noted_turn_once_after_replying(
    database: Database, rasa_with_notes: tuple[list[str | None], str]
) -> None:
    notes, url = rasa_with_notes
    notes += ["faq:opening_hours", "faq:opening_hours", "unanswered", None, "faq:not_a_topic"]
    chat, bot = FakeChat(), FakeBot()
    async with aiohttp.ClientSession() as http:
        rasa: Any = RasaClient(http, url, 5)
        svc = services(database, DatabaseChatState(database, SECRET), rasa)
        for update_id, language in enumerate(("ar", "en", "ckb", "en", "en"), start=1):
            update, context = handler_args(svc, chat, bot, update_id)
            await conversation.ask_rasa(update, context, "(what she wrote)", language)
    assert chat.sent == ["an answer"] * 5
    async with database.sessions() as session:
        rows = (await session.execute(select(QuestionCount))).scalars().all()
        counted = {(r.day, r.kind, r.key): r.count for r in rows}
    assert counted == {
        (NOW.today, "faq", "opening_hours"): 2,
        (NOW.today, "unanswered", "ckb"): 1,
    }
    # Counts only: no column could hold a text or a sender.
    assert set(QuestionCount.__table__.columns.keys()) == {"day", "kind", "key", "count"}
