"""Readiness checks of every process, run side by side, each with a time limit.

A check is a coroutine function that raises (or returns False) when its
dependency cannot serve. The answer names each check with "ok" or the type of
its error, never the error's message: a message may carry a URL with a password,
or a value a citizen typed. Plain asyncio, so the bot, the action server and Rasa
(Python 3.10) share it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

# A probe answers in well under a second; a dependency that takes longer is not ready.
CHECK_SECONDS = 2.0
Check = Callable[[], Awaitable[Any]]


class NotReady(Exception):
    """A check that found its dependency there but unable to serve."""


async def _outcome(check: Check, seconds: float) -> str:
    try:
        result = await asyncio.wait_for(check(), seconds)
    except asyncio.TimeoutError:  # noqa: UP041 - not the builtin one on Rasa's Python 3.10
        return "timeout"
    except Exception as error:  # noqa: BLE001 - every failure is an answer here
        return type(error).__name__
    return "ok" if result is not False else "not ready"


async def readiness(
    checks: Mapping[str, Check], seconds: float = CHECK_SECONDS
) -> tuple[bool, dict[str, Any]]:
    """Run every check at once; whether all passed, and the JSON body to answer with:
    `{"status": "ready" | "not ready", "checks": {name: "ok" | reason}}`."""
    names = list(checks)
    outcomes = await asyncio.gather(*(_outcome(checks[n], seconds) for n in names))
    found = dict(zip(names, outcomes, strict=True))
    ready = all(o == "ok" for o in outcomes)
    return ready, {"status": "ready" if ready else "not ready", "checks": found}


def alive(reasons: list[str]) -> tuple[bool, dict[str, Any]]:
    """The liveness answer: up unless something that must keep running has stopped."""
    if reasons:
        return False, {"status": "down", "reasons": reasons}
    return True, {"status": "ok"}
