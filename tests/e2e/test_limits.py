"""Limits against abuse, through the real bot: past a limit one polite notice in
the user's language, then silence; other users are not slowed; danger still gets
the emergency numbers, and /exit always works.

No Rasa needed: /language, /join and the language buttons are the bot's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mps.catalogue import Catalogue
from tests.e2e.stack_fixture import Stack, new_user, running_stack

TEXTS = Catalogue.load_dir()
PER_MINUTE = 4
JOINS_PER_HOUR = 2


@pytest.fixture(scope="module")
def limited_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {
        "RATE_MESSAGES_PER_MINUTE": str(PER_MINUTE),
        "RATE_JOINS_PER_HOUR": str(JOINS_PER_HOUR),
    }
    with running_stack(tmp_path_factory.mktemp("limits"), with_rasa=False, bot_env=env) as stack:
        yield stack


def _bot_texts(stack: Stack, chat: int) -> list[str]:
    return [m["text"] for m in stack.telegram.transcript(chat) if m["sender"] == "bot"]


def _send_all(stack: Stack, user: int, text: str, count: int, language: str) -> int:
    first = 0
    for _ in range(count):
        sent = stack.telegram.say(user, text, language_code=language)
        first = first or sent
    return first


def test_a_flood_gets_one_notice_and_others_are_served(limited_stack: Stack) -> None:
    stack = limited_stack
    flooder, other = new_user(), new_user()
    first = _send_all(stack, flooder, "/language", PER_MINUTE + 4, "ar")
    replies = stack.telegram.replies(flooder, first - 1, count=PER_MINUTE + 1)
    # Someone else is answered at once.
    mine = stack.telegram.say(other, "/language", language_code="en")
    assert stack.telegram.replies(other, mine)[0]["reply_markup"]
    texts = _bot_texts(stack, flooder)
    assert texts.count(TEXTS["slow_down"]["ar"]) == 1  # once, in her language
    assert len(texts) == PER_MINUTE + 1 == len(replies)
    # Danger is still answered, with the numbers, while the flood is limited.
    danger = stack.telegram.say(flooder, "help me now he is attacking me", language_code="en")
    [numbers] = stack.telegram.replies(flooder, danger)
    assert "911" in numbers["text"]


def test_exit_is_never_limited(limited_stack: Stack) -> None:
    stack = limited_stack
    user = new_user()
    # Exactly up to the notice: each of these messages is answered, so all of them
    # are handled before /exit is.
    first = _send_all(stack, user, "/language", PER_MINUTE + 1, "en")
    replies = stack.telegram.replies(user, first - 1, count=PER_MINUTE + 1)
    assert TEXTS["slow_down"]["en"] in [r["text"] for r in replies]
    stack.telegram.say(user, "/exit")
    stack.telegram.all_deleted(user)
    left = [m for m in stack.telegram.transcript(user) if not m["deleted"]]
    assert [(m["message_id"], m["text"]) for m in left] == []


def test_join_attempts_are_limited(limited_stack: Stack) -> None:
    stack = limited_stack
    user = new_user()
    first = _send_all(stack, user, "/join WRONGCODE", JOINS_PER_HOUR + 3, "en")
    stack.telegram.replies(user, first - 1, count=JOINS_PER_HOUR + 1)
    texts = _bot_texts(stack, user)
    assert texts.count(TEXTS["join_unknown"]["en"]) == JOINS_PER_HOUR
    assert texts.count(TEXTS["join_slow_down"]["en"]) == 1


def test_button_presses_count_and_the_notice_is_an_alert(limited_stack: Stack) -> None:
    stack = limited_stack
    user = new_user()
    sent = stack.telegram.say(user, "/language", language_code="en")
    [menu] = stack.telegram.replies(user, sent)
    answers: list[dict[str, Any]] = []
    for _ in range(PER_MINUTE + 1):
        query = stack.telegram.press(user, menu["message_id"], "lang:en")
        answers.append(stack.telegram.callback_answer(query))
    alerts = [a for a in answers if a["show_alert"]]
    assert [a["text"] for a in alerts] == [TEXTS["slow_down"]["en"]]
    assert answers[-1]["text"] is None  # past the notice: answered, silently
