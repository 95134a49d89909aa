"""The bot's health check passes while the bot beats, and fails when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest

from bot.health import STALE_SECONDS, heartbeat, main


async def test_fresh_while_beating_stale_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alive"
    monkeypatch.setenv("HEALTH_FILE", str(path))
    assert main() == 1  # never started
    beat = asyncio.create_task(heartbeat(path, interval=3600))
    for _ in range(100):
        if path.exists():
            break
        await asyncio.sleep(0.01)
    assert main() == 0
    beat.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await beat
    old = path.stat().st_mtime - STALE_SECONDS - 1
    os.utime(path, (old, old))  # a minute without a beat
    assert main() == 1
