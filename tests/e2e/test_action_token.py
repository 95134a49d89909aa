"""The action server answers only Rasa: every call but the probes needs the token, it
does not start without one, and in development it listens on loopback only."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.stack import ROOT, actions_service, log_tail, start, stop, wait_ready
from tests.e2e.stack_fixture import admin, free_port

TOKEN = "action-token-for-this-test-0123"


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    port = free_port()
    log_dir = tmp_path_factory.mktemp("actions")
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{log_dir}/mps.db"}
    admin(env["DATABASE_URL"], "db", "upgrade")  # ready only with its tables there
    service = actions_service(port, env, TOKEN)
    start(service, log_dir)
    try:
        assert wait_ready(service, timeout=120), log_tail(service)
        yield f"http://127.0.0.1:{port}", port
    finally:
        stop(service)


def _call(url: str, token: str | None) -> httpx.Response:
    params = {"token": token} if token is not None else {}
    body = {"next_action": "action_no_such_thing", "sender_id": "x", "tracker": {}}
    return httpx.post(f"{url}/webhook", params=params, json=body, timeout=10)


def test_calls_without_the_token_are_refused(action_server: tuple[str, int]) -> None:
    url, _ = action_server
    for probe in ("/health", "/healthz", "/readyz"):  # probes need no token
        assert httpx.get(f"{url}{probe}", timeout=10).status_code == 200, probe
    assert _call(url, None).status_code == 401
    assert _call(url, "wrong-token-wrong-token-00").status_code == 401
    assert httpx.get(f"{url}/actions", timeout=10).status_code == 401
    answered = _call(url, TOKEN)  # through the check: the action is unknown
    assert answered.status_code == 404 and "action_no_such_thing" in answered.text
    listed = httpx.get(f"{url}/actions", params={"token": TOKEN}, timeout=10)
    assert "action_file_report" in listed.text


def test_it_listens_on_loopback_only(action_server: tuple[str, int]) -> None:
    _, port = action_server
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                listening.add(address)
    assert listening == {"0100007F"}  # 127.0.0.1


def test_without_a_token_it_does_not_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "actions.server", "--actions", "actions", "-p", str(free_port())],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "ACTION_SERVER_TOKEN" in done.stderr
