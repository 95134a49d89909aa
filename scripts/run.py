"""`make run`: Rasa, the action server, the bot and the web application (the staff
console, Open311) in the foreground.

One line per process once it is ready; Ctrl-C stops all of them. Logs go to
var/log/ (or `--log-dir`). A process that dies is restarted with backoff
(scripts/supervise.py) while the others keep running. Without
TELEGRAM_BOT_TOKEN the bot explains how to get one, and Rasa and the actions
keep running.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dotenv import load_dotenv  # noqa: E402

from bot.settings import DEFAULT_RASA_URL  # noqa: E402
from scripts.stack import (  # noqa: E402
    ROOT,
    actions_service,
    bot_service,
    endpoints_file,
    log_tail,
    rasa_service,
    say,
    start,
    stop,
    wait_ready,
    web_service,
)
from scripts.supervise import Supervisor  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Start everything, supervise it until Ctrl-C, stop everything."""
    cli = argparse.ArgumentParser(description="Rasa, the action server and the bot")
    cli.add_argument("--log-dir", type=Path, default=ROOT / "var" / "log")
    log_dir = cli.parse_args(argv).log_dir
    load_dotenv(ROOT / ".env")  # as the settings read it; what is set already wins
    rasa_url = os.environ.get("RASA_URL") or DEFAULT_RASA_URL
    action_port = int(os.environ.get("ACTION_SERVER_PORT") or 5055)
    # Rasa's HTTP API (used by /exit to wipe a conversation) and the action server
    # need tokens; fresh ones per run unless set.
    token = os.environ.get("RASA_TOKEN") or secrets.token_hex(16)
    # Conversations and their locks: Redis when REDIS_URL is set, else memory.
    redis_url = os.environ.get("REDIS_URL") or None
    endpoints = endpoints_file(redis_url, ROOT / "var")
    action_token = os.environ.get("ACTION_SERVER_TOKEN") or secrets.token_hex(16)
    actions = actions_service(action_port, token=action_token)
    rasa = rasa_service(
        rasa_url,
        action_port,
        ROOT / "models" / "mps.tar.gz",
        token,
        endpoints,
        action_token=action_token,
    )
    bot = bot_service({"RASA_TOKEN": token})
    console_port = int(os.environ.get("CONSOLE_PORT") or 8080)
    web = web_service(console_port)
    web_url = f"http://{os.environ.get('CONSOLE_LISTEN') or '127.0.0.1'}:{console_port}"
    services = [web, actions, rasa, bot]
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    supervisor = Supervisor(log_dir)
    try:
        for service, what in (
            (
                web,
                f"{web_url} (staff console: {web_url}/console, sign in with /console "
                f"in the bot; Open311: {web_url}/open311/v2/services.xml)",
            ),
            (actions, f"port {action_port}"),
            (rasa, rasa_url),
        ):
            start(service, log_dir)
            if not wait_ready(service):
                say(f"{service.name} failed to start; last lines of {service.log_path}:")
                say(log_tail(service))
                return 1
            say(f"{service.name} ready at {what} (log: {service.log_path})")
            supervisor.watch(service)
        say("conversations kept in " + ("Redis" if redis_url else "memory"))
        start(bot, log_dir)
        supervisor.watch(bot)
        bot_announced = False
        while not stopping:
            time.sleep(0.5)
            if not bot_announced and bot.log_path and "bot ready" in bot.log_path.read_text():
                bot_announced = True
                say(f"bot ready (log: {bot.log_path}); Ctrl-C stops everything")
            status = supervisor.check()
            if status is not None:
                return status
        return 0
    finally:
        say("stopping…")
        for service in reversed(services):
            stop(service)


if __name__ == "__main__":
    sys.exit(main())
