"""Outages: the bot keeps answering when Rasa or the action server is slow or dies.

* Rasa slow (a stand-in that answers after two minutes): danger still gets the
  emergency numbers from the bot's own keyword net, and the turn is posted once.
* Under the real `scripts/run.py` (what `make run` starts), Rasa or the action
  server is killed: the next messages get the apology or the emergency numbers,
  the supervisor restarts the process, and normal answers come back.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mps.catalogue import Catalogue
from scripts.stack import ROOT, Service, log_tail, start, stop, wait_ready
from tests.e2e.stack_fixture import (
    MODEL,
    SECRET,
    Stack,
    Telegram,
    admin,
    emulator_service,
    free_port,
    new_user,
    running_stack,
    wait_for_log,
    wait_until,
)

TEXTS = Catalogue.load_dir()
APOLOGIES = {TEXTS["service_down"]["en"], TEXTS["error"]["en"]}
DANGER = "help me now, he is attacking me"
# A ceiling for polling only (the promise is 90 s; this machine may be busy).
BACK_WITHIN = 240.0


# -- Rasa slow -------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    log_dir = tmp_path_factory.mktemp("slow")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    slow = Service(
        "slow-rasa",
        [sys.executable, "-m", "tests.e2e.slow_rasa", "--port", str(port), "--delay", "120"],
        f"{url}/",
    )
    start(slow, log_dir)
    try:
        assert wait_ready(slow, timeout=60), log_tail(slow)
        # The bot would wait a minute for Rasa: any reply sooner is the bot's own.
        env = {"RASA_URL": url, "RASA_TIMEOUT": "60"}
        with running_stack(log_dir, with_rasa=False, bot_env=env) as stack:
            yield stack, url
    finally:
        stop(slow)


def test_danger_gets_the_numbers_while_rasa_is_slow(slow_rasa: tuple[Stack, str]) -> None:
    stack, url = slow_rasa
    user = new_user()
    sent = stack.telegram.say(user, DANGER, language_code="en")
    [reply] = stack.telegram.replies(user, sent, timeout=30)
    assert "911" in reply["text"]
    assert httpx.get(f"{url}/_turns", timeout=10).json() == {"turns": 1}


# -- make run ---------------------------------------------------------------------


@dataclass
class Running:
    """scripts/run.py under test, with the emulator as Telegram."""

    telegram: Telegram
    process: subprocess.Popen[bytes]
    log_dir: Path

    def child(self, matches: Callable[[list[str]], bool]) -> int:
        """The pid of run.py's child process whose command line `matches`."""
        pid = self.process.pid
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            try:
                args = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
            except FileNotFoundError:
                continue
            if matches(args):
                return int(child)
        raise LookupError(f"no such child of run.py:\n{self.console()}")

    def console(self) -> str:
        """What run.py printed."""
        return (self.log_dir / "console.log").read_text(errors="replace")


def is_rasa(args: list[str]) -> bool:
    return any(a.endswith("/rasa") for a in args) and "run" in args


def is_actions(args: list[str]) -> bool:
    return "actions.server" in args


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    log_dir = tmp_path_factory.mktemp("make-run")
    database_url = f"sqlite+aiosqlite:///{log_dir}/mps.db"
    admin(database_url, "db", "upgrade")
    admin(database_url, "stations", "import", str(ROOT / "data" / "stations" / "demo.yml"))
    emu_port = free_port()
    emulator = emulator_service(emu_port)
    start(emulator, log_dir)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:e2e-test-token",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{emu_port}/bot",
        "TELEGRAM_FILE_URL": f"http://127.0.0.1:{emu_port}/file/bot",
        "PSEUDONYM_SECRET": SECRET,
        "REFERENCE_SECRET": "e2e-test-reference-secret-0123456789",
        "DATABASE_URL": database_url,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_PORT": str(free_port()),
        "CONSOLE_PORT": str(free_port()),  # its own: e2e stacks run side by side
        "RASA_TIMEOUT": "20",
        "WEBHOOK_URL": "",
        "STAFF_LANGUAGE": "en",
    }
    process = None
    try:
        assert wait_ready(emulator), log_tail(emulator)
        with (log_dir / "console.log").open("ab") as console:
            process = subprocess.Popen(
                [str(ROOT / ".venv/bin/python"), "scripts/run.py", "--log-dir", str(log_dir)],
                cwd=ROOT,
                env=env,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        bot = Service("bot", [], None, log_path=log_dir / "bot.log")

        def bot_started() -> bool:
            assert process is not None and process.poll() is None, (
                log_dir / "console.log"
            ).read_text()
            return bot.log_path is not None and bot.log_path.exists()

        wait_until(bot_started, 400, "run.py to start the bot")
        wait_for_log(bot, "bot ready", timeout=120)
        running = Running(Telegram(f"http://127.0.0.1:{emu_port}"), process, log_dir)
        try:
            yield running
        finally:
            running.telegram.client.close()
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # run.py stops its children
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        stop(emulator)


def _ask(telegram: Telegram, text: str) -> dict[str, Any]:
    """A new user's message and the bot's first reply."""
    user = new_user()
    return telegram.replies(user, telegram.say(user, text, language_code="en"), timeout=60)[0]


def _until_back(running: Running, name: str, text: str, normal: Callable[[str], bool]) -> None:
    """Wait until run.py says `name` is back, then until the bot's answer to `text` is
    normal again (until then, an apology or the emergency numbers)."""
    wait_until(lambda: f"{name} is back" in running.console(), BACK_WITHIN, f"{name} back")

    def answered() -> bool:
        reply = _ask(running.telegram, text)["text"]
        assert normal(reply) or reply in APOLOGIES or "911" in reply, reply
        return normal(reply)

    wait_until(answered, BACK_WITHIN, f"a normal answer:\n{running.console()}")


def _kill(pid: int) -> None:
    os.killpg(pid, signal.SIGKILL)  # its whole process group, as a crash would


def test_make_run_serves_the_console_and_open311_and_says_where(make_run: Running) -> None:
    found = re.search(
        r"web ready at \S+ \(staff console: (\S+/console),.*Open311: (\S+/services\.xml)\)",
        make_run.console(),
    )
    assert found is not None, make_run.console()
    console = httpx.get(found[1], timeout=30, follow_redirects=True)  # the sign-in page
    assert console.status_code == 200 and "/console" in str(console.url)
    response = httpx.get(found[2], timeout=30)
    assert response.status_code == 200 and "<service_code>noise</service_code>" in response.text


def test_rasa_dies_the_bot_keeps_answering_and_rasa_comes_back(make_run: Running) -> None:
    question = "which police station covers karada"

    def normal(reply: str) -> bool:
        return "Karrada Police Station" in reply

    assert normal(_ask(make_run.telegram, question)["text"])
    old = make_run.child(is_rasa)
    _kill(old)
    assert _ask(make_run.telegram, question)["text"] == TEXTS["service_down"]["en"]
    assert "911" in _ask(make_run.telegram, DANGER)["text"]
    _until_back(make_run, "rasa", question, normal)
    assert make_run.child(is_rasa) != old
    assert "rasa exited" in make_run.console()


def test_the_action_server_dies_and_comes_back(make_run: Running) -> None:
    question = "which police station covers karada"

    def normal(reply: str) -> bool:
        return "Karrada Police Station" in reply

    _until_back(make_run, "rasa", question, normal)  # after the test before
    old = make_run.child(is_actions)
    _kill(old)
    assert _ask(make_run.telegram, question)["text"] in APOLOGIES
    assert "911" in _ask(make_run.telegram, DANGER)["text"]
    _until_back(make_run, "actions", question, normal)
    assert make_run.child(is_actions) != old
    assert "actions exited" in make_run.console()
