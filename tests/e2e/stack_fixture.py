"""Start the real stack (emulator, actions, Rasa, bot) for end-to-end tests."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from scripts.stack import (
    ROOT,
    Service,
    actions_service,
    bot_service,
    endpoints_file,
    log_tail,
    rasa_service,
    start,
    stop,
    stop_all,
    wait_ready,
    web_service,
)

MODEL = ROOT / "models" / "mps.tar.gz"
# How long a chat must stay quiet before a turn counts as over: the bot sends a
# turn's messages one after the other and gives no sign of the last one.
TURN_QUIET = 0.3
# New for every test run: what the bot keeps in Redis under keyed hashes (languages,
# rate counters) and Rasa's trackers under pseudonyms then never meet an earlier run's.
SECRET = "e2e-pseudonym-" + secrets.token_hex(16)
RASA_TOKEN = "e2e-rasa-api-token"
# The mark of every test (or `pytestmark` of every module) that starts a stack on
# TEST_REDIS_URL: under `pytest -n` they run in one worker, one after the other, as
# without it (a replica takes over the journal of any dead replica in that Redis, and
# tests/e2e/test_discreet.py waits for every "mpse2e" tracker there to expire).
SHARED_REDIS = pytest.mark.xdist_group("shared-redis")
ACTION_TOKEN = "e2e-action-server-token-0123456789"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def emulator_service(port: int) -> Service:
    """The project's Telegram Bot API emulator."""
    return Service(
        "emulator",
        [sys.executable, "-m", "tests.emulator", "--port", str(port)],
        f"http://127.0.0.1:{port}/_emu/stats",
    )


def new_user() -> int:
    """A fresh Telegram user (and private chat) id, never used before in this run."""
    return next(_users)


_users = itertools.count(100_000)
T = TypeVar("T")


def wait_until(
    condition: Callable[[], T | None],
    timeout: float = 60,
    what: str = "",
    pause: Callable[[], object] | None = None,
) -> T:
    """`condition()` once it holds (is truthy); AssertionError after `timeout` seconds,
    a guard against a hang, not a measure. Between checks: `pause()`, or a tenth of a
    second (the one poll interval of the tests: a log, a socket or a database has
    no way to say it changed)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or condition}")
        if pause is None:
            time.sleep(0.1)
        else:
            pause()


def wait_for_log(service: Service, needle: str, timeout: float = 60, occurrences: int = 1) -> None:
    """Wait until a service's log contains `needle` (at least `occurrences` times)."""

    def logged() -> bool:
        if service.process and service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited:\n{log_tail(service)}")
        text = service.log_path.read_text(errors="replace") if service.log_path else ""
        return text.count(needle) >= occurrences

    wait_until(logged, timeout, f"{needle!r} in the log of {service.name}")


@dataclass
class Telegram:
    """Acts as Telegram users against the emulator's control API."""

    base: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def say(
        self,
        user: int,
        text: str,
        language_code: str | None = None,
        chat: int | None = None,
        reply_to: int | None = None,
        sender_chat: int | None = None,
    ) -> int:
        body: dict[str, Any] = {"text": text}
        if chat is not None:
            body["chat_id"] = chat
        if sender_chat is not None:  # an anonymous admin (the group), or a channel
            body["sender_chat"] = sender_chat
        if reply_to is not None:
            body["reply_to"] = reply_to
        if language_code:
            body["language_code"] = language_code
        response = self.client.post(f"{self.base}/_emu/users/{user}/text", json=body)
        response.raise_for_status()
        return int(response.json()["message_id"])

    def send_media(self, user: int, kind: str, **extra: Any) -> int:
        body = {"kind": kind, **extra}
        response = self.client.post(f"{self.base}/_emu/users/{user}/media", json=body)
        response.raise_for_status()
        return int(response.json()["message_id"])

    def say_update(self, user: int, text: str) -> int:
        """Send text; the update id (to deliver it again with `repeat`)."""
        response = self.client.post(f"{self.base}/_emu/users/{user}/text", json={"text": text})
        response.raise_for_status()
        return int(response.json()["update_id"])

    def repeat(self, update_id: int) -> None:
        """Make the emulator deliver an update a second time."""
        self.client.post(f"{self.base}/_emu/updates/{update_id}/repeat").raise_for_status()

    def fault(
        self,
        method: str,
        status: int,
        chat: int,
        retry_after: int | None = None,
        count: int = 1,
        migrate_to: int | None = None,
    ) -> None:
        """Make the next `count` calls of `method` for `chat` fail with `status`
        (`migrate_to`: "the group is now the supergroup `migrate_to`")."""
        body = {
            "method": method,
            "status": status,
            "chat_id": chat,
            "retry_after": retry_after,
            "count": count,
            "migrate_to_chat_id": migrate_to,
        }
        self.client.post(f"{self.base}/_emu/faults", json=body).raise_for_status()

    def flood(self, method: str, seconds: float, retry_after: int) -> None:
        """Answer every call of `method`, for any chat, with 429 "retry after
        `retry_after`" for `seconds` from now (Telegram's flood limit, per bot)."""
        body = {"method": method, "status": 429, "seconds": seconds, "retry_after": retry_after}
        self.client.post(f"{self.base}/_emu/faults", json=body).raise_for_status()

    def add_member(self, user: int, chat: int, by: int) -> None:
        """`by` adds `user` to the group `chat`."""
        body = {"chat_id": chat, "by": by}
        self.client.post(f"{self.base}/_emu/users/{user}/added", json=body).raise_for_status()

    def chat_info(self, chat: int, **info: Any) -> None:
        """Extra fields of a chat: username (a public group), linked_chat_id, type."""
        self.client.post(f"{self.base}/_emu/chats/{chat}/info", json=info).raise_for_status()

    def file(self, message_id: int) -> bytes:
        """The bytes of a file the bot sent."""
        response = self.client.get(f"{self.base}/_emu/files/{message_id}")
        response.raise_for_status()
        return response.content

    def press(self, user: int, message_id: int, data: str, chat: int | None = None) -> str:
        """Press a button with any callback data (forged, too); the callback query id."""
        body = {"message_id": message_id, "data": data, "chat_id": chat or user}
        response = self.client.post(f"{self.base}/_emu/users/{user}/press", json=body)
        response.raise_for_status()
        return str(response.json()["callback_query_id"])

    def press_by_title(
        self, user: int, message: dict[str, Any], title: str, chat: int | None = None
    ) -> str:
        """Press the button titled `title` (else the first whose title contains it);
        the callback query id."""
        found = buttons(message)
        button = next((b for b in found if b["text"] == title), None) or next(
            b for b in found if title in b["text"]
        )
        return self.press(user, message["message_id"], button["callback_data"], chat=chat)

    def replies(
        self, chat: int, after: int, count: int = 1, timeout: float = 30, quiet: float = 0
    ) -> list[dict[str, Any]]:
        """The bot's messages in `chat` after message `after`, once `count` are there
        (with `quiet`: and the bot sent nothing more for `quiet` seconds)."""
        params = {"after": after, "count": count, "timeout": timeout, "quiet": quiet}
        response = self.client.get(f"{self.base}/_emu/chats/{chat}/wait", params=params)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        assert len(found) >= count, f"expected {count} bot messages, got {found}"
        return found

    def ask(
        self, user: int, text: str, count: int = 1, chat: int | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        """Send text (in `chat`, else the user's private chat) and return the bot's
        next `count` messages there."""
        return self.replies(chat or user, self.say(user, text, chat=chat, **extra), count)

    def turn(self, user: int, text: str) -> dict[str, Any]:
        """Say something; the bot's last reply of the turn."""
        return self.replies(user, self.say(user, text), quiet=TURN_QUIET)[-1]

    def press_for_reply(
        self, user: int, message: dict[str, Any], title: str, count: int = 1
    ) -> list[dict[str, Any]]:
        """Press a button by its title; the bot's messages of that turn (at least `count`)."""
        before = self.latest(user)
        self.press_by_title(user, message, title)
        return self.replies(user, before, count, timeout=60, quiet=TURN_QUIET)

    def callback_answer(self, query_id: str, timeout: float = 30) -> dict[str, Any]:
        """How the bot answered a callback query, once it has."""

        def answer() -> dict[str, Any] | None:
            response = self.client.get(f"{self.base}/_emu/callbacks/{query_id}")
            return dict(response.json()) if response.status_code == 200 else None

        found = self.wait_until(answer, timeout, f"an answer to callback {query_id}")
        return found

    def transcript(self, chat: int) -> list[dict[str, Any]]:
        """Every message of a chat, the user's and the bot's, deleted ones too."""
        response = self.client.get(f"{self.base}/_emu/chats/{chat}/messages")
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def bot_messages(self, chat: int, after: int = 0) -> list[dict[str, Any]]:
        """The bot's messages in a chat (after message id `after`)."""
        return [
            m for m in self.transcript(chat) if m["sender"] == "bot" and m["message_id"] > after
        ]

    def message(self, chat: int, message_id: int) -> dict[str, Any]:
        """One message of a chat as it is now (edited, deleted)."""
        return next(m for m in self.transcript(chat) if m["message_id"] == message_id)

    def latest(self, chat: int) -> int:
        """The id of the chat's last message (0 if none)."""
        return max((m["message_id"] for m in self.transcript(chat)), default=0)

    def wait_until(
        self, condition: Callable[[], T | None], timeout: float = 60, what: str = ""
    ) -> T:
        """`condition()` once it holds, checked again whenever the emulator sees a change
        (and at least every quarter second, for a database or a log)."""
        version = [0]

        def check() -> T | None:
            version[0] = int(
                self.client.get(f"{self.base}/_emu/changes", params={"since": -1}).json()[
                    "version"
                ]
            )
            return condition()

        def pause() -> None:
            params = {"since": version[0], "timeout": 0.25}
            self.client.get(f"{self.base}/_emu/changes", params=params).raise_for_status()

        return wait_until(check, timeout, what, pause)

    def wait_for(
        self,
        chat: int,
        match: Callable[[dict[str, Any]], bool],
        after: int = 0,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """The first bot message in `chat` (after message id `after`) that matches."""

        def found() -> dict[str, Any] | None:
            return next((m for m in self.bot_messages(chat, after) if match(m)), None)

        return self.wait_until(found, timeout, f"a matching bot message in chat {chat}")

    def all_deleted(self, chat: int, timeout: float = 30) -> list[dict[str, Any]]:
        """The chat's messages once every one of them is deleted (the /exit wipe)."""

        def wiped() -> list[dict[str, Any]] | None:
            messages = self.transcript(chat)
            return messages if messages and all(m["deleted"] for m in messages) else None

        return self.wait_until(wiped, timeout, f"every message of chat {chat} deleted")


@dataclass
class Stack:
    """A running stack and its handles."""

    telegram: Telegram
    rasa_url: str
    services: list[Service]
    log_dir: Path
    database_url: str
    # With bot replicas: each one's webhook; `deliver` chooses which replica gets an update.
    webhooks: list[str] = field(default_factory=list)
    # The web process (`python -m web`: the staff console, Open311).
    web_url: str = ""

    def deliver(self, update_id: int, replica: int) -> None:
        """Post an update of the emulator to one replica's webhook, as Telegram would."""
        client, base = self.telegram.client, self.telegram.base
        update = client.get(f"{base}/_emu/updates/{update_id}").raise_for_status().json()
        headers = {"X-Telegram-Bot-Api-Secret-Token": REPLICA_WEBHOOK_SECRET}
        client.post(self.webhooks[replica], json=update, headers=headers).raise_for_status()

    def kill(self, name: str) -> None:
        """SIGKILL one process ("bot2", …) and its group, as a crash would: no shutdown."""
        service = next(s for s in self.services if s.name == name)
        assert service.process is not None
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=30)

    def metrics(self, name: str = "bot") -> str:
        """The /metrics text of one process ("bot", "bot2", …, "rasa", "actions")."""
        return self.get(name, "/metrics").raise_for_status().text

    def get(self, name: str, path: str) -> httpx.Response:
        """GET `path` of one process: a bot's METRICS_PORT, Rasa's or the actions' port."""
        service = next(s for s in self.services if s.name == name)
        if "METRICS_PORT" in service.env:
            base = f"http://127.0.0.1:{service.env['METRICS_PORT']}"
        else:
            assert service.health_url is not None
            base = service.health_url.rsplit("/", 1)[0]
        return self.telegram.client.get(base + path)

    def admin(self, *args: str) -> str:
        """Run `python -m bot.admin …` against the stack's database; its output."""
        return admin(self.database_url, *args)

    def enrol(self, user: int, chat: int, station: str, *units: str) -> str:
        """An invite from the console (for `units`), /join in the chat; the code."""
        flags = [a for unit in units for a in ("--unit", unit)]
        code = self.admin("staff", "invite", "--station", station, *flags).split()[0]
        [reply] = self.telegram.ask(user, f"/join {code}", chat=chat)
        assert "is now the staff chat of" in reply["text"], reply["text"]
        return code

    def sql(self, statement: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run SQL on the stack's SQLite database (to check a row, or move time)."""
        path = self.database_url.split("///", 1)[1]
        with sqlite3.connect(path, timeout=30) as db:
            return db.execute(statement, args).fetchall()

    def restart_bot(self, kill: bool = False, **env: str) -> None:
        """Stop the bot process (SIGKILL with `kill`: no shutdown at all) and start it
        again, with `env` changed."""
        bot = next(s for s in self.services if s.name == "bot")
        started = bot_log(self).count("bot ready")
        if kill:
            assert bot.process is not None
            os.killpg(bot.process.pid, signal.SIGKILL)
            bot.process.wait(timeout=30)
        else:
            stop(bot)
        bot.env.update(env)
        start(bot, self.log_dir)
        wait_for_log(bot, "bot ready", occurrences=started + 1)


def admin(database_url: str, *args: str) -> str:
    """Run the admin CLI with DATABASE_URL set; fails on a non-zero exit."""
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "bot.admin", *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@contextmanager
def running_stack(
    log_dir: Path,
    with_rasa: bool = True,
    database_url: str | None = None,
    redis_url: str | None = None,
    tracker_seconds: int = 1800,
    rasa_env: dict[str, str] | None = None,
    bot_env: dict[str, str] | None = None,
    bot_replicas: int = 1,
) -> Iterator[Stack]:
    """Emulator, web, action server, Rasa and bot; without Rasa, RASA_URL is dead.

    SQLite in `log_dir` unless `database_url` is given (its schema is migrated,
    the demo stations are imported). With `redis_url`, as `make run` with
    REDIS_URL: Rasa keeps trackers (expiring after `tracker_seconds`, key prefix
    "mpse2e") and locks there, and the bot its /exit trail and handled updates;
    else memory and the database. With `bot_replicas` > 1, that many bots in webhook
    mode, sharing the database and Redis; nothing polls, the test delivers each
    update to the replica it chooses (`Stack.deliver`).
    """
    if with_rasa and not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    emu_port, action_port, rasa_port = free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    database_url = database_url or f"sqlite+aiosqlite:///{log_dir}/mps.db"
    store_env = {
        "DATABASE_URL": database_url,
        "TIMEZONE": "Asia/Baghdad",
        "REFERENCE_SECRET": "e2e-test-reference-secret-0123456789",
    }
    emulator = emulator_service(emu_port)
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    telegram_env = {
        "TELEGRAM_BOT_TOKEN": "123456:e2e-test-token",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{emu_port}/bot",
        "TELEGRAM_FILE_URL": f"http://127.0.0.1:{emu_port}/file/bot",
        "CONSOLE_URL": web_url,
    }
    # The staff console and Open311, as `make run` starts them.
    web = web_service(web_port, {**store_env, **telegram_env, "LOG_LEVEL": "INFO"})
    services = [emulator, web]
    if with_rasa:
        services += [
            actions_service(action_port, store_env, ACTION_TOKEN),
            rasa_service(
                rasa_url,
                action_port,
                MODEL,
                RASA_TOKEN,
                endpoints_file(redis_url, log_dir, tracker_seconds, key_prefix="mpse2e"),
                rasa_env,
                ACTION_TOKEN,
            ),
        ]
    bot = bot_service(
        {
            **telegram_env,
            "RASA_URL": rasa_url,
            "RASA_TIMEOUT": "20",
            "RASA_TOKEN": RASA_TOKEN,
            "PSEUDONYM_SECRET": SECRET,
            "WEBHOOK_URL": "",
            "LOG_LEVEL": "INFO",
            "REMINDER_INTERVAL_SECONDS": "0.5",
            "OUTBOX_INTERVAL_SECONDS": "0.3",
            "STAFF_LANGUAGE": "en",
            "REDIS_URL": redis_url or "",
            # The emulator is not Telegram, and tests and the benchmark send faster
            # than people: no throttling (tests/e2e/test_limits.py sets limits).
            "TELEGRAM_MAX_RATE": "0",
            "TELEGRAM_GROUP_MAX_RATE": "0",
            "TELEGRAM_CHAT_MAX_RATE": "0",
            "RATE_MESSAGES_PER_MINUTE": "100000",
            "METRICS_PORT": str(free_port()),  # its own: e2e stacks run side by side
            **store_env,
            **(bot_env or {}),
        }
    )
    try:
        # Rasa loads its model (the longest start) while the database is made; the
        # action server and the web application, which read the stations as they
        # start, start once the tables are there.
        after_tables = ("actions", "web")
        for service in services:
            if service.name not in after_tables:
                start(service, log_dir)
        admin(database_url, "db", "upgrade")
        admin(database_url, "stations", "import", str(ROOT / "data" / "stations" / "demo.yml"))
        for service in services:
            if service.name in after_tables:
                start(service, log_dir)
        for service in services:
            if not wait_ready(service, timeout=300):
                raise RuntimeError(f"{service.name} did not start:\n{log_tail(service)}")
        bots, webhooks = [bot], list[str]()
        if bot_replicas > 1:
            bots, webhooks = _webhook_replicas(bot, bot_replicas, log_dir)
        for replica in bots:
            start(replica, log_dir)
            services.append(replica)
        for replica in bots:
            wait_for_log(replica, "bot ready")
        for url in webhooks:
            wait_until(partial(_listening, url), 60, f"a webhook at {url}")
        telegram = Telegram(f"http://127.0.0.1:{emu_port}")
        try:
            yield Stack(telegram, rasa_url, services, log_dir, database_url, webhooks, web_url)
        finally:
            telegram.client.close()
    finally:
        stop_all(services)


REPLICA_WEBHOOK_SECRET = "e2e-replica-webhook-secret-0123456789"


def _webhook_replicas(bot: Service, count: int, log_dir: Path) -> tuple[list[Service], list[str]]:
    """`count` copies of the bot in webhook mode ("bot", "bot2", …); their webhook URLs."""
    replicas, urls = [], []
    for i in range(count):
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        env = bot.env | {
            "WEBHOOK_URL": url,
            "WEBHOOK_SECRET": REPLICA_WEBHOOK_SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "METRICS_PORT": str(free_port()),
        }
        name = "bot" if i == 0 else f"bot{i + 1}"
        replicas.append(Service(name, bot.command, bot.health_url, env))
        urls.append(url)
    return replicas, urls


def _listening(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline buttons of a message, row after row."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def bot_log(stack: Stack) -> str:
    """Everything the bot process logged."""
    bot = next(s for s in stack.services if s.name == "bot")
    assert bot.log_path is not None
    return bot.log_path.read_text(errors="replace")


__all__ = [
    "SHARED_REDIS",
    "Stack",
    "Telegram",
    "admin",
    "bot_log",
    "buttons",
    "new_user",
    "running_stack",
    "wait_for_log",
    "wait_until",
]
