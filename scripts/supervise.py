"""Keep the processes of `make run` up: a process that dies is started again.

The first restart comes after 1 second, then 2, 4, … up to a minute while it
keeps failing; once a process has stayed up for a minute, its next failure is
again retried after 1 second. While Rasa or the action server is down, the bot
keeps answering on its own (the emergency numbers for danger, an apology
otherwise).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.stack import Service, log_tail, say, start

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0
STABLE_AFTER = 60.0
# Exit codes after which a restart cannot help (e.g. the bot's invalid settings).
FATAL_CODES = frozenset({2})


def answers(service: Service, log_from: int = 0) -> bool:
    """Whether the service's health URL answers 200 right now; a service without one
    (the bot) is ready once its log says "ready" after byte `log_from`."""
    if service.health_url is None:
        if service.log_path is None or not service.log_path.exists():
            return False
        with service.log_path.open("rb") as log:
            log.seek(log_from)
            return b" ready" in log.read()
    try:
        with urllib.request.urlopen(service.health_url, timeout=0.5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Watched:
    """One supervised service and its restart state."""

    service: Service
    started_at: float
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    back: bool = True  # announced as running since its last start
    log_from: int = 0  # size of its log at its last start
    done: bool = False  # exited for good (the bot without a token)


@dataclass
class Supervisor:
    """Restarts services that exit, with backoff; `check` is called every half second."""

    log_dir: Path
    clock: Callable[[], float] = time.monotonic
    ready: Callable[[Service, int], bool] = answers
    watched: list[Watched] = field(default_factory=list)

    def watch(self, service: Service) -> None:
        """Supervise a service that has been started."""
        self.watched.append(Watched(service, self.clock()))

    def check(self) -> int | None:
        """Restart what died; an exit status if everything must stop (a fatal exit)."""
        now = self.clock()
        for item in self.watched:
            service = item.service
            code = service.process.poll() if service.process else None
            if item.done:
                continue
            if code is None:
                if not item.back and self.ready(service, item.log_from):
                    item.back = True
                    say(f"{service.name} is back (log: {service.log_path})")
                if now - item.started_at >= STABLE_AFTER:
                    item.backoff = FIRST_BACKOFF
                continue
            if service.name == "bot" and code == 0:  # no token: it said why
                item.done = True
                say(log_tail(service, 6))
                continue
            if code in FATAL_CODES:
                say(f"{service.name} exited with code {code}; see {service.log_path}")
                say(log_tail(service, 10))
                return 1
            if item.restart_at is None:
                item.restart_at = now + item.backoff
                say(
                    f"{service.name} exited with code {code}; restarting in "
                    f"{item.backoff:.0f} s; see {service.log_path}"
                )
                say(log_tail(service, 10))
                item.backoff = min(item.backoff * 2, MAX_BACKOFF)
            elif now >= item.restart_at:
                log = service.log_path
                item.log_from = log.stat().st_size if log and log.exists() else 0
                start(service, self.log_dir)
                item.restart_at, item.started_at, item.back = None, now, False
        return None
