"""The bot's health check: a heartbeat file the running bot touches every
BEAT_SECONDS; `python -m bot.health` succeeds while it is fresh (compose's
healthcheck). A stalled event loop or a dead bot stops the heartbeat."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

BEAT_SECONDS = 15.0
STALE_SECONDS = 60.0
DEFAULT_FILE = Path("/tmp/mps-bot-alive")


def health_file() -> Path:
    """Where the heartbeat is kept (HEALTH_FILE, else /tmp/mps-bot-alive)."""
    return Path(os.environ.get("HEALTH_FILE") or DEFAULT_FILE)


async def heartbeat(path: Path, interval: float = BEAT_SECONDS) -> None:
    """Touch `path` every `interval` seconds until cancelled."""
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        await asyncio.sleep(interval)


def fresh(path: Path, now: float | None = None) -> bool:
    """Whether the heartbeat was touched within STALE_SECONDS."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < STALE_SECONDS


def main() -> int:
    """0 if the bot's heartbeat is fresh, else 1."""
    path = health_file()
    if fresh(path):
        return 0
    print(f"bot: no heartbeat in {path} for {STALE_SECONDS:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
