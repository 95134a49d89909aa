"""`make stack` with two bots and two Rasa servers behind nginx: var/stack.json names
every process, each replica answers its /readyz, a conversation through the webhook
balancer is answered, still after one bot is SIGKILLed, the web application (the
staff console and Open311) answers on the webhook's listener, a staff member signs in
there with the bot's /console link, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.balancer import nginx_config, nginx_service
from scripts.stack import ROOT, start, stop, wait_ready
from scripts.stack_settings import NEEDS, missing
from scripts.topology import listening, start_topology, stop_topology
from tests.e2e.stack_fixture import (
    SHARED_REDIS,
    Telegram,
    emulator_service,
    free_port,
    wait_until,
)
from tests.webhook_relay import WebhookRelay

pytestmark = SHARED_REDIS
needs_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None,
    reason="nginx is not installed (apt-get install -y nginx; .ci/run installs it)",
)
TOKEN = "123456:topology-test-token"
SECRET = "topology-webhook-secret-" + "x" * 16
_users = itertools.count(880001)


@dataclass
class Topology:
    """The running `scripts/topology.py` and its emulator."""

    process: subprocess.Popen[bytes]
    state_path: Path
    telegram: Telegram
    output: Path
    relay: WebhookRelay
    env: dict[str, str]

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return state


def _wait_for(path: Path, needle: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    def said_or_ended() -> bool:
        return needle in path.read_text(errors="replace") or process.poll() is not None

    wait_until(said_or_ended, seconds, "the topology's start")
    if needle not in path.read_text(errors="replace"):
        raise AssertionError(f"topology not ready:\n{path.read_text(errors='replace')[-3000:]}")


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)  # any process left in the replica's group
    except ProcessLookupError:
        return False
    return True


def test_nginx_balances_each_tier_and_keeps_no_access_log() -> None:
    upstreams = {"bot": [7001, 7002], "rasa": [7101, 7102], "actions": [7201], "web": [7301]}
    config = nginx_config(Path("/srv/var/nginx"), ("127.0.0.1", 8443), 5005, 5055, upstreams)
    for role, ports in upstreams.items():
        block = config.split(f"upstream mps_{role} {{", 1)[1].split("}", 1)[0]
        assert [f"127.0.0.1:{port}" for port in ports] == [
            line.split()[1] for line in block.splitlines() if line.strip().startswith("server")
        ]
    assert (
        "listen 127.0.0.1:8443;\n  location = /telegram {\n    proxy_pass http://mps_bot;"
        in config
    )
    assert "listen 127.0.0.1:5005;" in config and "listen 127.0.0.1:5055;" in config
    assert "access_log off;" in config and "/srv/var/nginx/nginx.pid" in config
    assert "non_idempotent" not in config  # a POST a replica received is never sent twice
    assert "hash" not in config  # round robin unless RASA_ROUTING=sender


def _server(config: str, listen: str) -> str:
    """The `server` block of `config` that listens on `listen`."""
    [block] = [b for b in config.split("server {")[1:] if f"listen {listen};" in b]
    return block


def test_the_webhooks_listener_serves_the_console_and_open311_as_compose_does() -> None:
    upstreams = {"bot": [7001], "rasa": [7101], "actions": [7201], "web": [7301]}
    webhook = ("127.0.0.1", 8443)
    config = nginx_config(Path("/srv/nginx"), webhook, 5005, 5055, upstreams)
    front = _server(config, "127.0.0.1:8443")
    for path in ("= /console", "/console/", "/open311/"):
        location = front.split(f"location {path} {{", 1)[1].split("}", 1)[0]
        assert "proxy_pass http://mps_web;" in location, path
        # The console's Secure cookie: the app is told the public scheme, not a client's.
        assert "proxy_set_header X-Forwarded-Proto https;" in location, path
    assert "server 127.0.0.1:7301 " in config.split("upstream mps_web {", 1)[1]
    # Nothing but Rasa and the actions on their own listeners.
    assert "mps_web" not in _server(config, "127.0.0.1:5005") + _server(config, "127.0.0.1:5055")
    plain = nginx_config(Path("/srv/nginx"), webhook, 5005, 5055, upstreams, public_scheme="http")
    assert "X-Forwarded-Proto http;" in plain and "X-Forwarded-Proto https;" not in plain


@needs_nginx
def test_nginx_accepts_the_config_make_stack_writes(tmp_path: Path) -> None:
    upstreams = {"bot": [7001, 7002], "rasa": [7101], "actions": [7201], "web": [7301]}
    config = nginx_config(tmp_path, ("127.0.0.1", 8443), 5005, 5055, upstreams, True)
    service = nginx_service(tmp_path, config)
    done = subprocess.run(
        [*service.command[:-2], "-t"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_rasa_routing_by_sender_hashes_the_pseudonym_header_of_rasas_upstream_only() -> None:
    upstreams = {"bot": [7001, 7002], "rasa": [7101, 7102], "actions": [7201, 7202], "web": [7301]}
    config = nginx_config(Path("/srv/nginx"), ("127.0.0.1", 8443), 5005, 5055, upstreams, True)
    hashed = [block.split("{", 1)[0] for block in config.split("upstream ")[1:] if "hash" in block]
    assert hashed == ["mps_rasa "]
    assert "hash $http_x_sender consistent;" in config


def test_make_stack_names_every_missing_setting() -> None:
    assert len(missing({})) == len(NEEDS)
    complete = dict.fromkeys(NEEDS, "x") | {"DATABASE_URL": "postgresql+asyncpg://db/mps"}
    assert missing(complete) == []
    [line] = missing(complete | {"DATABASE_URL": "sqlite+aiosqlite:///var/mps.db"})
    assert line.startswith("DATABASE_URL: SQLite cannot be shared")
    assert missing(complete | {"RASA_ROUTING": "sender"}) == []
    [line] = missing(complete | {"RASA_ROUTING": "random"})
    assert line == "RASA_ROUTING: one of round_robin, sender"


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    database, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not database or not redis:
        pytest.skip("TEST_DATABASE_URL and TEST_REDIS_URL are not set (`.ci/run` sets them)")
    var = tmp_path_factory.mktemp("topology")
    emulator = emulator_service(free_port())
    start(emulator, var / "log")
    assert wait_ready(emulator, timeout=60)
    emulator_url = emulator.health_url.removesuffix("/_emu/stats")  # type: ignore[union-attr]
    webhook_port = free_port()
    env = {
        **os.environ,
        "BOT_REPLICAS": "2",
        "RASA_REPLICAS": "2",
        "ACTION_REPLICAS": "1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"{emulator_url}/bot",
        "TELEGRAM_FILE_URL": f"{emulator_url}/file/bot",
        "WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(webhook_port),
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_PORT": str(free_port()),
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "PSEUDONYM_SECRET": "topology-test-pseudonym-secret-0123",
        "REFERENCE_SECRET": "topology-test-reference-secret-0123",
        "TIMEZONE": "Asia/Baghdad",
        "STAFF_LANGUAGE": "en",
        "RASA_TIMEOUT": "20",
        "TELEGRAM_MAX_RATE": "0",
        "TELEGRAM_GROUP_MAX_RATE": "0",
        "TELEGRAM_CHAT_MAX_RATE": "0",
        "RATE_MESSAGES_PER_MINUTE": "100000",
    }
    process, output = start_topology(var, env)
    telegram = Telegram(emulator_url)
    try:
        _wait_for(output, "stack ready", process, seconds=600)
        relay = WebhookRelay(f"{emulator_url}/bot{TOKEN}", env["WEBHOOK_URL"], SECRET)
        with relay:
            yield Topology(process, var / "stack.json", telegram, output, relay, env)
        assert relay.failed == [], relay.failed
    finally:
        telegram.client.close()
        stop_topology(process)  # a test failed before Ctrl-C: stop the replicas too
        stop(emulator)


def _settled(topology: Topology, user: int) -> None:
    """Wait until every update is delivered and the chat is quiet, so that the next
    bot message answers the next user message (a reply may come in two messages)."""
    topology.relay.wait_idle(quiet=0.5)
    seen, since = -1, time.monotonic()
    while time.monotonic() - since < 0.7:
        count = len(topology.telegram.transcript(user))
        if count != seen:
            seen, since = count, time.monotonic()
        time.sleep(0.1)


def _converse(topology: Topology) -> None:
    """A short conversation of a new user; every message is answered."""
    user = next(_users)
    for text in ("hello", "what are your opening hours?", "police station in Mansour", "thanks"):
        [reply] = topology.telegram.ask(user, text)[:1]
        assert reply["text"] or reply["kind"] != "text"
        _settled(topology, user)


@needs_nginx
def test_stack_json_names_every_process_with_a_live_pid_and_port(topology: Topology) -> None:
    processes = topology.state()["processes"]
    roles = sorted(p["role"] for p in processes)
    assert roles == ["actions", "bot", "bot", "nginx", "rasa", "rasa", "web"]
    assert len({p["name"] for p in processes}) == len(processes)
    for process in processes:
        assert _alive(process["pid"]), process
        assert listening(process["port"]), process
        if process["role"] != "nginx":  # each replica's own readiness, a bot's on metrics_port
            port = process["metrics_port"] or process["port"]
            ready = topology.telegram.client.get(f"http://127.0.0.1:{port}/readyz")
            assert ready.status_code == 200, (process["name"], ready.text)


@needs_nginx
def test_the_web_app_answers_through_nginx_on_the_webhooks_port(topology: Topology) -> None:
    front = topology.state()["public"]
    client = topology.telegram.client
    services = client.get(front["open311"])
    assert services.status_code == 200
    assert "noise" in {s["service_code"] for s in services.json()}
    assert "online_harassment" not in {s["service_code"] for s in services.json()}
    # The console: signed out, /console leads to its login page, in Arabic by default.
    home = client.get(front["console"])
    assert home.status_code == 302 and home.headers["Location"] == "/console/login"
    login = client.get(front["console"] + "/login")
    assert login.status_code == 200 and 'lang="ar" dir="rtl"' in login.text
    assert front["console"] == front["webhook"].removesuffix("/telegram") + "/console"


@needs_nginx
def test_staff_sign_in_through_nginx_with_the_bots_link_and_reach_the_events(
    topology: Topology,
) -> None:
    invite = subprocess.run(
        [sys.executable, "-m", "bot.admin", "staff", "invite", "--station", "BGD-KRD"],
        env=topology.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    member = next(_users)
    topology.telegram.ask(member, f"/join {invite.stdout.strip()}")
    _settled(topology, member)
    [reply] = topology.telegram.ask(member, "/console")
    found = re.search(r"(https?://\S+)/console/login/[\w-]+", reply["text"] or "")
    assert found is not None, reply
    # The link points at the webhook's public address, where nginx serves the console.
    assert found[1] == topology.env["WEBHOOK_URL"].removesuffix("/telegram")
    client = topology.telegram.client
    assert client.get(found[0]).status_code == 200
    signed = client.post(found[0])
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    session = {"Cookie": cookie.split(";", 1)[0]}  # Secure: sent by hand over plain HTTP
    events = client.get(f"{found[1]}/console/events", headers=session)
    assert events.status_code == 200 and 'name="capacity"' in events.text


def _bot_1(topology: Topology) -> dict[str, Any]:
    [bot] = [p for p in topology.state()["processes"] if p["name"] == "bot-1"]
    return bot


@needs_nginx
def test_replies_come_through_nginx_and_after_a_bot_is_killed(topology: Topology) -> None:
    _converse(topology)
    killed = _bot_1(topology)
    os.killpg(killed["pid"], signal.SIGKILL)
    for _ in range(3):
        _converse(topology)
    # The killed replica is started again, and var/stack.json names its new pid.
    wait_until(
        lambda: _bot_1(topology)["pid"] != killed["pid"] and listening(killed["port"]),
        180,
        "bot-1 restarted",
    )
    _converse(topology)


@needs_nginx
def test_ctrl_c_leaves_no_process_behind(topology: Topology) -> None:
    pids = [p["pid"] for p in topology.state()["processes"]]
    topology.relay.wait_idle()  # every update delivered before the stack stops
    topology.process.send_signal(signal.SIGINT)
    assert topology.process.wait(timeout=120) == 0
    assert [pid for pid in pids if _alive(pid)] == []
    assert not topology.state_path.exists()
    assert "stopping" in topology.output.read_text()
