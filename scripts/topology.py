"""`make stack`: the production topology on one machine, without Docker.

nginx (Debian's package; scripts/balancer.py: a master of its own, with a config
written under var/nginx/, never the system's) balances three upstreams on loopback:

    Telegram → WEBHOOK_PORT /telegram → BOT_REPLICAS bots (webhook mode)
    browsers, partners → WEBHOOK_PORT /console/, /open311/ → the web application
    bots     → RASA_URL's port        → RASA_REPLICAS Rasa servers
    Rasa     → ACTION_SERVER_PORT     → ACTION_REPLICAS action servers

The web application (`python -m web`: the staff console and Open311) sits behind
the same listener as the webhook, on the paths compose's TLS proxy gives it.

Rasa keeps trackers and locks in Redis (REDIS_URL), so any replica can take
any turn and two turns of one user never run at once. The migrations run once,
as one job, before any service starts. The machine's PostgreSQL and Redis are
started if they are down (scripts/backing.py, as for .ci/run) and stopped again
at the end only if this script started them. var/stack.json names every process (name, role,
pid, port) and is rewritten when a replica is restarted. Ctrl-C (SIGINT or
SIGTERM) stops everything it started, nginx included.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import stack  # noqa: E402
from scripts.backing import ensure, free_port  # noqa: E402
from scripts.balancer import NGINX_MISSING, WEBHOOK_PATH, nginx_config, nginx_service  # noqa: E402
from scripts.stack_settings import (  # noqa: E402
    environment,
    missing,
    rasa_routing,
    replicas,
)
from scripts.supervise import Supervisor, answers  # noqa: E402

READY_SECONDS = 300.0


@dataclass
class Replica:
    """One process of the topology: its service, role and port."""

    service: stack.Service
    role: str  # bot, rasa, actions, web, nginx
    port: int
    metrics_port: int = 0  # a bot's /metrics (0: none)


def listening(port: int) -> bool:
    """Whether something accepts connections on loopback `port`."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def migrate(env: dict[str, str]) -> bool:
    """The one migration job (and the demo stations into an empty registry)."""
    admin = [str(stack.ROOT / ".venv/bin/python"), "-m", "bot.admin"]
    for args in (
        ["db", "upgrade"],
        ["stations", "import", "data/stations/demo.yml", "--if-empty"],
    ):
        done = subprocess.run(
            [*admin, *args], cwd=stack.ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            stack.say(f"migration job failed ({' '.join(args)}):\n{done.stdout}{done.stderr}")
            return False
    return True


def plan(env: dict[str, str], var: Path) -> tuple[list[Replica], dict[str, str]]:
    """Every process of the topology with its port, and the public addresses."""
    rasa_url = env.get("RASA_URL") or "http://127.0.0.1:5005"
    rasa_port = urlparse(rasa_url).port or 5005
    action_port = int(env.get("ACTION_SERVER_PORT") or 5055)
    webhook = (env.get("WEBHOOK_LISTEN") or "127.0.0.1", int(env.get("WEBHOOK_PORT") or 8443))
    token = env.get("RASA_TOKEN") or secrets.token_hex(16)
    action_token = env.get("ACTION_SERVER_TOKEN") or secrets.token_hex(16)
    endpoints = stack.endpoints_file(env["REDIS_URL"], var)
    model = stack.ROOT / "models" / "mps.tar.gz"
    # The public address: WEBHOOK_URL's (the TLS proxy or tunnel in front of nginx),
    # where nginx serves the console too, so the bots' /console links point there.
    public_url = urlparse(env.get("WEBHOOK_URL") or "")
    origin = f"{public_url.scheme or 'https'}://{public_url.netloc}"
    out: list[Replica] = []
    for i in range(1, replicas(env, "ACTION_REPLICAS") + 1):
        port = free_port()
        service = stack.actions_service(port, token=action_token)
        out.append(Replica(replace(service, name=f"actions-{i}"), "actions", port))
    for i in range(1, replicas(env, "RASA_REPLICAS") + 1):
        port = free_port()
        service = stack.rasa_service(
            f"http://127.0.0.1:{port}",
            action_port,
            model,
            token,
            endpoints,
            action_token=action_token,
        )
        out.append(Replica(replace(service, name=f"rasa-{i}"), "rasa", port))
    for i in range(1, replicas(env, "BOT_REPLICAS") + 1):
        port, metrics = free_port(), free_port()
        service = stack.bot_service(
            {
                "RASA_URL": f"http://127.0.0.1:{rasa_port}",
                "RASA_TOKEN": token,
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
                "METRICS_PORT": str(metrics),
                "CONSOLE_URL": origin,
            },
            probe_port=metrics,
        )
        out.append(Replica(replace(service, name=f"bot-{i}"), "bot", port, metrics))
    web_port = free_port()
    out.append(
        Replica(stack.web_service(web_port, {"CONSOLE_LISTEN": "127.0.0.1"}), "web", web_port)
    )
    upstreams = {
        role: [r.port for r in out if r.role == role] for role in ("bot", "rasa", "actions", "web")
    }
    by_sender = rasa_routing(env) == "sender"
    config = nginx_config(
        var / "nginx",
        webhook,
        rasa_port,
        action_port,
        upstreams,
        by_sender,
        public_url.scheme or "https",
    )
    out.insert(0, Replica(nginx_service(var / "nginx", config), "nginx", webhook[1]))
    front = f"http://{webhook[0]}:{webhook[1]}"
    public = {
        "webhook": f"{front}{WEBHOOK_PATH}",
        "console": f"{front}/console",
        "open311": f"{front}/open311/v2/services.json",
        "rasa": f"http://127.0.0.1:{rasa_port}",
        "actions": f"http://127.0.0.1:{action_port}",
    }
    return out, public


def write_state(path: Path, processes: list[Replica], public: dict[str, str]) -> None:
    """var/stack.json: each process's name, role, pid and port, and the public addresses."""
    state = {
        "processes": [
            {
                "name": r.service.name,
                "role": r.role,
                "port": r.port,
                "metrics_port": r.metrics_port or None,
                "pid": r.service.process.pid if r.service.process else None,
            }
            for r in processes
        ],
        "public": public,
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    tmp.replace(path)


def ready(replica: Replica) -> bool:
    """nginx listens; every other replica answers 200 on /readyz (Rasa: a model loaded;
    actions and the web application: the database; a bot: running, the database, Redis
    and Rasa), and a bot's webhook listens."""
    if replica.role == "nginx":
        return listening(replica.port)
    return answers(replica.service) and (replica.role != "bot" or listening(replica.port))


def wait_all(group: list[Replica], stopping: threading.Event) -> Replica | None:
    """Wait until every replica of `group` is ready (or Ctrl-C); the first that died."""
    deadline = time.monotonic() + READY_SECONDS
    waiting = list(group)
    while waiting and time.monotonic() < deadline and not stopping.is_set():
        for replica in list(waiting):
            process = replica.service.process
            if process is not None and process.poll() is not None:
                return replica
            if ready(replica):
                waiting.remove(replica)
                stack.say(f"{replica.service.name} ready on port {replica.port}")
        time.sleep(0.5)
    return waiting[0] if waiting and not stopping.is_set() else None


def stop_all(replica: Replica) -> None:
    """Stop a replica, then whatever is left of its process group (Sanic's workers,
    nginx's) once the main process is gone."""
    stack.stop(replica.service)
    process = replica.service.process
    if process is None:
        return
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    """Check, migrate once, start every replica behind nginx, supervise until Ctrl-C."""
    cli = argparse.ArgumentParser(description="the production topology on one machine")
    cli.add_argument("--var-dir", type=Path, default=stack.ROOT / "var")
    var: Path = cli.parse_args(argv).var_dir.resolve()
    if shutil.which("nginx") is None:
        stack.say(NGINX_MISSING)
        return 2
    env = environment()
    problems = missing(env)
    if problems:
        stack.say(
            "make stack needs these settings (environment or .env):\n  " + "\n  ".join(problems)
        )
        return 2
    os.environ.update(env)  # the replicas read the same settings
    stops = ensure(env["DATABASE_URL"], env["REDIS_URL"], stack.say)
    stopping = stack.stop_requested()
    processes, public = plan(env, var)
    log_dir, state = var / "log", var / "stack.json"
    supervisor = Supervisor(log_dir)
    try:
        if not migrate(env):
            return 1
        stack.say("migrations applied (one job, before the services)")
        for role in ("nginx", "web", "actions", "rasa", "bot"):
            group = [r for r in processes if r.role == role]
            for replica in group:
                stack.start(replica.service, log_dir)
            failed = wait_all(group, stopping)
            if failed is not None:
                stack.say(f"{failed.service.name} failed to start; last lines of its log:")
                stack.say(
                    stack.log_tail(failed.service) or (var / "nginx" / "error.log").read_text()
                )
                return 1
            for replica in group:
                supervisor.watch(replica.service)
            write_state(state, processes, public)
            if stopping.is_set():
                return 0
        stack.say(
            f"stack ready: webhook at {public['webhook']}, console at {public['console']}, "
            f"Rasa at {public['rasa']}; processes in {state}; Ctrl-C stops everything"
        )
        pids = [r.service.process for r in processes]
        while not stopping.is_set():
            time.sleep(0.5)
            status = supervisor.check()
            if status is not None:
                return status
            if pids != [r.service.process for r in processes]:  # a replica was restarted
                pids = [r.service.process for r in processes]
                write_state(state, processes, public)
        return 0
    finally:
        stack.say("stopping…")
        for replica in reversed(processes):
            stop_all(replica)
        for command in stops:
            subprocess.run(command, capture_output=True, check=False)
        state.unlink(missing_ok=True)


def start_topology(var: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    """`make stack` in the background, as the load test and tests/test_topology.py run
    it, with `env` and its files under `var`; the process and its output file (where
    "stack ready" appears once every replica answers)."""
    var.mkdir(parents=True, exist_ok=True)
    output = var / "topology.out"
    with output.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--var-dir", str(var)],
            cwd=stack.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, output


def stop_topology(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C a topology started by `start_topology`; SIGKILL its group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
