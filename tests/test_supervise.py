"""`make run` supervises: a process that dies is started again with backoff; the bot
without a token stays down quietly; a configuration error stops everything."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.stack import Service, start, stop
from scripts.supervise import FIRST_BACKOFF, MAX_BACKOFF, STABLE_AFTER, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _service(name: str, code: int | None) -> Service:
    """A process that exits with `code` at once (None: runs until stopped)."""
    script = "import time; time.sleep(600)" if code is None else f"raise SystemExit({code})"
    return Service(name, [sys.executable, "-c", script], None)


def _dead(service: Service) -> None:
    assert service.process is not None
    service.process.wait(timeout=30)


def test_a_crashed_process_is_restarted_with_growing_backoff(tmp_path: Path) -> None:
    clock = Clock()
    supervisor = Supervisor(tmp_path, clock=clock, ready=lambda s, _: True)
    crashing = _service("rasa", 1)
    start(crashing, tmp_path)
    supervisor.watch(crashing)
    delays = []
    for _ in range(8):
        _dead(crashing)
        first = crashing.process
        assert supervisor.check() is None  # noticed: a restart is planned
        planned = supervisor.watched[0].restart_at
        assert planned is not None
        delays.append(planned - clock.now)
        clock.now = planned
        assert supervisor.check() is None  # restarted
        assert crashing.process is not first
    _dead(crashing)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
    assert delays[0] == FIRST_BACKOFF and delays[-1] == MAX_BACKOFF


def test_backoff_starts_afresh_after_a_stable_minute(tmp_path: Path) -> None:
    clock = Clock()
    supervisor = Supervisor(tmp_path, clock=clock, ready=lambda s, _: True)
    service = _service("actions", None)
    start(service, tmp_path)
    supervisor.watch(service)
    supervisor.watched[0].backoff = 32
    clock.now += STABLE_AFTER
    try:
        supervisor.check()
        assert supervisor.watched[0].backoff == FIRST_BACKOFF
    finally:
        stop(service)


def test_the_bot_without_a_token_stays_down_and_a_bad_setting_stops_all(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, clock=Clock(), ready=lambda s, _: True)
    bot = _service("bot", 0)
    start(bot, tmp_path)
    supervisor.watch(bot)
    _dead(bot)
    first = bot.process
    for _ in range(3):
        assert supervisor.check() is None
    assert bot.process is first  # not restarted
    broken = _service("bot", 2)
    start(broken, tmp_path)
    supervisor.watch(broken)
    _dead(broken)
    assert supervisor.check() == 1
