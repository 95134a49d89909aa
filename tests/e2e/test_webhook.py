"""No forged updates: the real webhook server (bot/webhook.py, on loopback) takes only
requests carrying the secret, and edited messages never run anything again.

No Rasa needed: /start and /language are answered by the bot itself.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.stack_fixture import (
    ROOT,
    Stack,
    bot_log,
    free_port,
    new_user,
    running_stack,
    wait_until,
)

SECRET = "Wh-secret_" + "k3Y9" * 8


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def webhook_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    port = free_port()
    env = {
        "WEBHOOK_URL": "https://bot.example.org/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    log_dir = tmp_path_factory.mktemp("webhook")
    with running_stack(log_dir, with_rasa=False, bot_env=env) as stack:
        wait_until(lambda: _listening(port), 60, f"the webhook listening on {port}")
        yield stack, f"http://127.0.0.1:{port}/telegram"


@pytest.fixture(scope="module")
def polling_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("polling"), with_rasa=False) as stack:
        yield stack


def _update_of(stack: Stack, update_id: int) -> dict[str, Any]:
    response = stack.telegram.client.get(f"{stack.telegram.base}/_emu/updates/{update_id}")
    response.raise_for_status()
    update: dict[str, Any] = response.json()
    return update


def test_the_webhook_is_set_with_the_secret_and_only_the_handled_kinds(webhook_stack) -> None:
    stack, _ = webhook_stack
    webhook = stack.telegram.client.get(f"{stack.telegram.base}/_emu/webhook").json()
    assert webhook["url"] == "https://bot.example.org/telegram"
    assert webhook["has_secret"] is True
    assert "message" in webhook["allowed_updates"]
    assert "callback_query" in webhook["allowed_updates"]
    assert "edited_message" not in webhook["allowed_updates"]


def test_a_request_without_the_secret_changes_nothing(webhook_stack) -> None:
    stack, url = webhook_stack
    victim, attacker = new_user(), new_user()
    # The attacker claims to be the victim, writing /start in the attacker's chat.
    forged = _update_of(stack, stack.telegram.say_update(attacker, "/start"))
    forged["message"]["from"]["id"] = victim
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-" + SECRET[6:]}):
        response = httpx.post(url, json=forged, headers=headers, timeout=10)
        assert response.status_code == 403
    # The real Telegram, with the secret: answered.
    user = new_user()
    real = _update_of(stack, stack.telegram.say_update(user, "/start"))
    response = httpx.post(
        url, json=real, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=10
    )
    assert response.status_code == 200
    [welcome] = stack.telegram.replies(user, 0)
    assert "/start" not in welcome["text"] and welcome["reply_markup"]
    assert (
        stack.telegram.bot_messages(attacker) == [] and stack.telegram.bot_messages(victim) == []
    )
    assert "Traceback" not in bot_log(stack)


def test_an_edited_message_does_not_run_the_command_again(webhook_stack) -> None:
    stack, url = webhook_stack
    user = new_user()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    message_id = stack.telegram.say(user, "hello")
    edit = stack.telegram.client.post(
        f"{stack.telegram.base}/_emu/users/{user}/edit",
        json={"message_id": message_id, "text": "/start"},
    ).json()
    edited = _update_of(stack, edit["update_id"])
    assert "edited_message" in edited
    assert httpx.post(url, json=edited, headers=headers, timeout=10).status_code == 200
    language = _update_of(stack, stack.telegram.say_update(user, "/language"))
    assert httpx.post(url, json=language, headers=headers, timeout=10).status_code == 200
    [menu] = stack.telegram.replies(user, message_id)
    assert [
        b["callback_data"] for row in menu["reply_markup"]["inline_keyboard"] for b in row
    ] == ["lang:ar", "lang:ckb", "lang:en"]
    assert len(stack.telegram.bot_messages(user)) == 1  # no welcome for the edited /start


def test_polling_asks_for_the_handled_kinds_only(polling_stack: Stack) -> None:
    stack = polling_stack
    user = new_user()
    message_id = stack.telegram.say(user, "/language")
    stack.telegram.replies(user, message_id)
    stack.telegram.client.post(
        f"{stack.telegram.base}/_emu/users/{user}/edit",
        json={"message_id": message_id, "text": "/start"},
    ).raise_for_status()
    webhook = stack.telegram.client.get(f"{stack.telegram.base}/_emu/webhook").json()
    assert "edited_message" not in webhook["allowed_updates"]
    after = stack.telegram.say(user, "/language")
    stack.telegram.replies(user, after)
    texts = [m["text"] for m in stack.telegram.bot_messages(user)]
    assert len(texts) == 2 and texts[0] == texts[1]  # two menus, no welcome


def test_the_health_check_sees_the_running_bot_and_its_missing_rasa(webhook_stack) -> None:
    stack, _ = webhook_stack  # no Rasa behind this bot
    bot = next(s for s in stack.services if s.name == "bot")
    check = [str(ROOT / ".venv/bin/python"), "-m", "bot.health"]
    env = {**os.environ, "METRICS_PORT": bot.env["METRICS_PORT"], "METRICS_LISTEN": "0.0.0.0"}
    assert subprocess.run(check, cwd=ROOT, env=env, check=False).returncode == 0
    not_ready = subprocess.run(
        [*check, "--ready"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert not_ready.returncode == 1 and "503" in not_ready.stderr
    readiness = stack.get("bot", "/readyz")
    assert readiness.status_code == 503
    checks = readiness.json()["checks"]
    assert checks["database"] == checks["running"] == "ok" and checks["rasa"] != "ok"
    env["METRICS_PORT"] = str(free_port())  # nothing there: no bot
    assert subprocess.run(check, cwd=ROOT, env=env, check=False).returncode == 1
