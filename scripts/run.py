"""`make run`: Rasa, the action server and the bot in the foreground.

One line per process once it is ready; Ctrl-C stops all of them. Logs go to
var/log/. Without TELEGRAM_BOT_TOKEN the bot explains how to get one, and
Rasa and the actions keep running.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
)


def _dotenv() -> None:
    """Load .env into the environment (the processes read it too)."""
    path = ROOT / ".env"
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


def main() -> int:
    """Start everything, wait for Ctrl-C or a crash, stop everything."""
    _dotenv()
    rasa_url = os.environ.get("RASA_URL") or "http://127.0.0.1:5005"
    action_port = int(os.environ.get("ACTION_SERVER_PORT") or 5055)
    log_dir = ROOT / "var" / "log"
    actions = actions_service(action_port)
    # Rasa's HTTP API (used by /exit to wipe a conversation) needs a token.
    token = os.environ.get("RASA_TOKEN") or secrets.token_hex(16)
    # Conversations and their locks: Redis when REDIS_URL is set, else memory.
    redis_url = os.environ.get("REDIS_URL") or None
    endpoints = endpoints_file(redis_url, ROOT / "var")
    rasa = rasa_service(rasa_url, action_port, ROOT / "models" / "mps.tar.gz", token, endpoints)
    bot = bot_service({"RASA_TOKEN": token})
    services = [actions, rasa, bot]
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for service, what in ((actions, f"port {action_port}"), (rasa, rasa_url)):
            start(service, log_dir)
            if not wait_ready(service):
                say(f"{service.name} failed to start; last lines of {service.log_path}:")
                say(log_tail(service))
                return 1
            say(f"{service.name} ready at {what} (log: {service.log_path})")
        say("conversations kept in " + ("Redis" if redis_url else "memory"))
        start(bot, log_dir)
        bot_done = bot_announced = False
        while not stopping:
            time.sleep(0.5)
            if not bot_announced and bot.log_path and "bot ready" in bot.log_path.read_text():
                bot_announced = True
                say(f"bot ready (log: {bot.log_path}); Ctrl-C stops everything")
            for service in services:
                code = service.process.poll() if service.process else None
                if code is None:
                    continue
                if service is bot and code == 0:
                    if not bot_done:
                        bot_done = True
                        say(log_tail(bot, 6))
                    continue
                if service is not bot or code != 0:
                    say(f"{service.name} exited with code {code}; see {service.log_path}")
                    say(log_tail(service, 10))
                    return 1
        return 0
    finally:
        say("stopping…")
        for service in reversed(services):
            stop(service)


if __name__ == "__main__":
    sys.exit(main())
