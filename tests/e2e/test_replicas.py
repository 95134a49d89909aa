"""Two bot replicas (webhook mode, one Redis): any replica serves any update. A button
made on A works through B, /exit through B wipes what A sent, an update delivered to
both is handled once, and the language chosen through A is used by B.

No Rasa needed: /start, /language and /exit are answered by the bot itself.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest

from mps.catalogue import Catalogue
from tests.e2e.stack_fixture import TURN_QUIET, Stack, buttons, running_stack

A, B = 0, 1
TEXTS = Catalogue.load_dir()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (`.ci/run` sets it)")
    log_dir = tmp_path_factory.mktemp("replicas")
    with running_stack(log_dir, with_rasa=False, redis_url=redis_url, bot_replicas=2) as stack:
        yield stack


def _user() -> int:
    """A user no earlier run has met (the shared state outlives a run in Redis)."""
    return random.randrange(10**9, 2 * 10**9)


def _say(stack: Stack, user: int, text: str, replica: int) -> int:
    """Say `text` through one replica; the id of her message."""
    before = stack.telegram.latest(user)
    update_id = stack.telegram.say_update(user, text)
    stack.deliver(update_id, replica)
    return before


def _turn(stack: Stack, user: int, text: str, replica: int) -> list[dict[str, Any]]:
    before = _say(stack, user, text, replica)
    return stack.telegram.replies(user, before + 1, quiet=TURN_QUIET)


def _press(stack: Stack, user: int, message: dict[str, Any], index: int, replica: int) -> str:
    """Press a button of `message` through one replica; the callback query id."""
    data = buttons(message)[index]["callback_data"]
    query = stack.telegram.press(user, int(message["message_id"]), data)
    response = stack.telegram.client.post(
        f"{stack.telegram.base}/bot123456:e2e-test-token/getUpdates", json={"timeout": 0}
    )
    [update] = [
        u for u in response.json()["result"] if u.get("callback_query", {}).get("id") == query
    ]
    stack.deliver(update["update_id"], replica)
    return query


def test_a_button_made_on_a_is_pressed_through_b(replicas: Stack) -> None:
    user = _user()
    [menu] = _turn(replicas, user, "/start", A)
    assert buttons(menu)[0]["callback_data"].startswith("b:")
    answer = replicas.telegram.callback_answer(_press(replicas, user, menu, 0, B))
    assert not answer.get("text"), answer  # neither "expired" nor "not your button"


def test_the_language_chosen_through_a_is_used_by_b(replicas: Stack) -> None:
    user = _user()
    [menu] = _turn(replicas, user, "/language", A)
    choice = next(i for i, b in enumerate(buttons(menu)) if b["callback_data"] == "lang:ckb")
    _press(replicas, user, menu, choice, A)
    replicas.telegram.wait_for(user, lambda m: m["text"] == TEXTS.get("language_set", "ckb"))
    [welcome] = _turn(replicas, user, "/start", B)
    assert welcome["text"] == TEXTS.get("welcome", "ckb")


def test_exit_through_b_wipes_what_a_sent(replicas: Stack) -> None:
    user = _user()
    _turn(replicas, user, "/start", A)
    _turn(replicas, user, "/language", A)
    _say(replicas, user, "/exit", B)
    replicas.telegram.all_deleted(user)


def test_an_update_delivered_to_both_replicas_is_handled_once(replicas: Stack) -> None:
    user = _user()
    before = replicas.telegram.latest(user)
    update_id = replicas.telegram.say_update(user, "/start")
    replicas.deliver(update_id, A)
    replicas.deliver(update_id, B)
    replies = replicas.telegram.replies(user, before + 1, quiet=1.0)
    assert len(replies) == 1, replies


def _429s(stack: Stack, replica: str) -> float:
    """The 429s Telegram answered to one replica's replies (its /metrics)."""
    line = next(
        (
            line
            for line in stack.metrics(replica).splitlines()
            if line.startswith('mps_bot_telegram_429_total{sender="reply"}')
        ),
        "0 0",
    )
    return float(line.split()[-1])


def test_a_429_met_through_a_holds_b_too(replicas: Stack) -> None:
    # Telegram's flood limit is per bot: for 3 s it answers every sendMessage with
    # "retry after 3". A meets it first; B, asked next, waits out A's pause instead
    # of calling Telegram into the flood. Both replies arrive.
    first, second = _user(), _user()
    before = {name: _429s(replicas, name) for name in ("bot", "bot2")}
    replicas.telegram.flood("sendMessage", seconds=3, retry_after=3)
    _say(replicas, first, "/start", A)
    replicas.telegram.wait_until(
        lambda: _429s(replicas, "bot") > before["bot"] or None, what="A's reply refused"
    )
    [welcome] = _turn(replicas, second, "/start", B)
    replicas.telegram.wait_for(first, lambda m: m["text"] == welcome["text"])
    assert _429s(replicas, "bot2") == before["bot2"]
    assert _429s(replicas, "bot") == before["bot"] + 1
