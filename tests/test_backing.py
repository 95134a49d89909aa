"""scripts/backing.py, as `make stack` and `.ci/run` use it: a Redis that is down is
started, and the command it returns stops it again; one that is up is left alone."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from scripts.backing import ensure, free_port, redis_up

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed"
)


@needs_redis
def test_a_redis_that_is_down_is_started_and_the_stop_stops_it() -> None:
    port = free_port()
    said: list[str] = []
    stops = ensure("sqlite+aiosqlite:///var/mps.db", f"redis://127.0.0.1:{port}/0", said.append)
    try:
        assert redis_up(port)
        assert said == [f"started Redis on port {port}"]
        assert ensure("sqlite+aiosqlite:///x.db", f"redis://127.0.0.1:{port}/0", said.append) == []
    finally:
        for command in stops:
            subprocess.run(command, capture_output=True, check=False)
    assert not redis_up(port)


def test_nothing_is_started_for_services_on_another_host() -> None:
    said: list[str] = []
    remote = ensure(
        "postgresql+asyncpg://db.example/mps", "redis://cache.example:6379/0", said.append
    )
    assert remote == [] and said == []
