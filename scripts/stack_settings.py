"""What `make stack` (scripts/topology.py) reads: the settings of `make run` (the
environment over .env) and its own, and what it cannot run without."""

from __future__ import annotations

import os

from dotenv import dotenv_values

from scripts.balancer import ROUTINGS
from scripts.stack import ROOT

NEEDS = {
    "DATABASE_URL": "a PostgreSQL URL that every replica shares, e.g. "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/mps (createdb -h 127.0.0.1 -U postgres mps)",
    "REDIS_URL": "Redis for Rasa's trackers and locks and the bots' shared state, "
    "e.g. redis://127.0.0.1:6379/0",
    "TELEGRAM_BOT_TOKEN": "the bot's token (from @BotFather)",
    "WEBHOOK_URL": "the public https URL Telegram posts to, ending in /telegram",
    "WEBHOOK_SECRET": "32-256 random characters of A-Z a-z 0-9 _ - (openssl rand -hex 32)",
}
DEFAULT_ROUTING = "round_robin"  # README, Running past one machine: measured both


def environment() -> dict[str, str]:
    """The process environment over .env, as `make run` reads it."""
    merged = {k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None}
    merged.update(os.environ)
    return merged


def missing(env: dict[str, str]) -> list[str]:
    """Lines naming each setting the topology cannot run without."""
    lines = [f"{key}: {why}" for key, why in NEEDS.items() if not env.get(key)]
    if env.get("DATABASE_URL", "").startswith("sqlite"):
        lines.append(f"DATABASE_URL: SQLite cannot be shared by replicas; {NEEDS['DATABASE_URL']}")
    if rasa_routing(env) not in ROUTINGS:
        lines.append(f"RASA_ROUTING: one of {', '.join(ROUTINGS)}")
    return lines


def rasa_routing(env: dict[str, str]) -> str:
    """How nginx spreads the turns over the Rasa replicas (RASA_ROUTING)."""
    return env.get("RASA_ROUTING") or DEFAULT_ROUTING


def replicas(env: dict[str, str], name: str) -> int:
    """BOT_REPLICAS and the like: at least 1."""
    return max(1, int(env.get(name) or 1))
