"""Start and stop the processes (Rasa, action server, bot, web) together.

Used by `make run`, the end-to-end tests and the benchmark, so that all of
them run exactly the same commands.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
MEMORY_ENDPOINTS = ROOT / "endpoints.yml"
TRACKER_SECONDS = 1800  # a conversation left alone is gone from Redis after 30 minutes
# Rasa's Redis lock store with atomic tickets (nlu/lock_store.py).
LOCK_STORE = "nlu.lock_store.AtomicRedisLockStore"


@dataclass
class Service:
    """One process of the stack and how to know it is ready."""

    name: str
    command: list[str]
    health_url: str | None
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def endpoints_file(
    redis_url: str | None,
    directory: Path,
    record_exp: int = TRACKER_SECONDS,
    key_prefix: str = "mps",
) -> Path:
    """Rasa's endpoints: trackers and locks in Redis when `redis_url` is set (written
    to `directory`, readable by its owner only), else in memory (endpoints.yml)."""
    if not redis_url:
        return MEMORY_ENDPOINTS
    url = urlparse(redis_url)
    server = {
        "url": url.hostname or "127.0.0.1",
        "port": url.port or 6379,
        "db": int((url.path or "/0").strip("/") or 0),
        **({"password": unquote(url.password)} if url.password else {}),
        **({"use_ssl": True} if url.scheme == "rediss" else {}),
    }
    config = {
        "action_endpoint": {"url": "${ACTION_ENDPOINT_URL}", "token": "${ACTION_SERVER_TOKEN}"},
        "tracker_store": {
            "type": "nlu.tracker_store.WipingRedisTrackerStore",
            **server,
            "record_exp": record_exp,
            "key_prefix": key_prefix,
        },
        "lock_store": {"type": LOCK_STORE, **server, "key_prefix": key_prefix},
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "endpoints.redis.yml"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def rasa_service(
    rasa_url: str,
    action_port: int,
    model: Path,
    token: str,
    endpoints: Path = MEMORY_ENDPOINTS,
    env: dict[str, str] | None = None,
    action_token: str = "",
) -> Service:
    """The Rasa server, REST channel and HTTP API (behind `token`) on loopback only; it
    calls the action server with `action_token` (endpoints.yml's action_endpoint).
    Ready once /readyz says a model is loaded (nlu/probes.py)."""
    port = urlparse(rasa_url).port or 5005
    return Service(
        "rasa",
        [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "run",
            "--enable-api",
            "--auth-token",
            token,
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        f"http://127.0.0.1:{port}/readyz",
        {
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
            "ACTION_SERVER_TOKEN": action_token,
            **(env or {}),
        },
    )


def actions_service(port: int, env: dict[str, str] | None = None, token: str = "") -> Service:
    """The action server running actions/ on loopback, answering only calls with `token`;
    ready once /readyz says its database answers."""
    return Service(
        "actions",
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "actions.server",
            "--actions",
            "actions",
            "-p",
            str(port),
        ],
        f"http://127.0.0.1:{port}/readyz",
        {"ACTION_SERVER_TOKEN": token, "SANIC_HOST": "127.0.0.1", **(env or {})},
    )


def bot_service(env: dict[str, str] | None = None, probe_port: int | None = None) -> Service:
    """The Telegram bot: ready once /readyz answers on `probe_port` (its METRICS_PORT),
    or without one once its log says so."""
    ready = f"http://127.0.0.1:{probe_port}/readyz" if probe_port else None
    return Service("bot", [str(ROOT / ".venv/bin/python"), "-m", "bot"], ready, env or {})


def web_service(port: int, env: dict[str, str] | None = None) -> Service:
    """The web application (Open311 and the staff console) on `port`; ready once
    /readyz says its database answers."""
    return Service(
        "web",
        [str(ROOT / ".venv/bin/python"), "-m", "web"],
        f"http://127.0.0.1:{port}/readyz",
        {"CONSOLE_PORT": str(port), **(env or {})},
    )


def start(service: Service, log_dir: Path) -> None:
    """Start a service with its output in log_dir/<name>.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    service.log_path = log_dir / f"{service.name}.log"
    with service.log_path.open("ab") as log:  # the child keeps its own descriptor
        service.process = subprocess.Popen(
            service.command,
            cwd=ROOT,
            env=_base_env() | service.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(service: Service, timeout: float = 180.0) -> bool:
    """Poll the health URL until it answers 200; False if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            return False
        if service.health_url is None:
            return True
        try:
            with urllib.request.urlopen(service.health_url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def stop(service: Service, grace: float = 10.0) -> None:
    """SIGTERM the service's process group, then SIGKILL after `grace` seconds."""
    process = service.process
    if process is None or process.poll() is not None:
        return
    for sig, wait in (
        (signal.SIGINT, grace / 2),
        (signal.SIGTERM, grace / 2),
        (signal.SIGKILL, 5),
    ):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_all(services: list[Service], grace: float = 10.0) -> None:
    """Stop every service as `stop` does, all at once (a test stack's teardown: Rasa
    alone takes seconds to stop)."""
    with ThreadPoolExecutor(max_workers=max(len(services), 1)) as pool:
        list(pool.map(lambda service: stop(service, grace), services))


def stop_requested() -> threading.Event:
    """An event the first SIGINT or SIGTERM (Ctrl-C) sets, for a foreground loop."""
    event = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: event.set())
    return event


def log_tail(service: Service, lines: int = 30) -> str:
    """The last lines of a service's log, for error messages."""
    if service.log_path is None or not service.log_path.exists():
        return ""
    return "\n".join(service.log_path.read_text(errors="replace").splitlines()[-lines:])


def say(message: str) -> None:
    """One line on the console."""
    print(message, file=sys.stderr, flush=True)
