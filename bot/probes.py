"""The bot's operations endpoints on METRICS_LISTEN:METRICS_PORT, for Prometheus, load
balancers, compose and Kubernetes:

- `/metrics`: Prometheus' text format (bot/metrics.py; the outbox is read on scrape);
- `/healthz`, liveness: 200 while the event loop turns (aiohttp answers on the bot's
  own loop, so a stalled loop answers nothing) and no background job (outbox,
  reminders, purges) has stopped; else 503, and restarting the process helps;
- `/readyz`, readiness: 200 when the bot can serve: it is running (polling, or its
  webhook listening), and the database, Redis (when REDIS_URL is set) and Rasa
  answer; else 503 naming the check that failed: send it no traffic for now.

Answers are short JSON holding check names and error types, never a message, a
user or a text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from telegram.ext import Application

from bot.outbox_metrics import OUTBOX
from bot.services import SERVICES_KEY, Services
from mps.probes import Check, alive, readiness

# Set by bot/webhook.py while its server accepts updates (webhook mode).
WEBHOOK_SERVING_KEY = "webhook_serving"
logger = logging.getLogger(__name__)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class BotProbes:
    """The probes of one running bot; `jobs` are the bot_data keys of its background
    tasks that must never stop."""

    application: AnyApplication
    jobs: tuple[str, ...]

    def _services(self) -> Services:
        svc = self.application.bot_data[SERVICES_KEY]
        assert isinstance(svc, Services)
        return svc

    async def healthz(self, _request: web.Request) -> web.Response:
        """Liveness: answered at all, and every background job still running."""
        stopped = [
            f"{key} stopped"
            for key in self.jobs
            if isinstance(task := self.application.bot_data.get(key), asyncio.Task) and task.done()
        ]
        ok, body = alive(stopped)
        return web.json_response(body, status=200 if ok else 503)

    async def readyz(self, _request: web.Request) -> web.Response:
        """Readiness: running, and the database, Redis and Rasa answering."""
        ok, body = await readiness(self.checks())
        return web.json_response(body, status=200 if ok else 503)

    def checks(self) -> dict[str, Check]:
        """What readiness asks, by name."""
        svc = self._services()
        checks: dict[str, Check] = {
            "running": self._running,
            "database": svc.database.ping,
            "rasa": svc.rasa.ping,
        }
        redis = svc.redis
        if redis is not None:

            async def redis_ping() -> None:
                await redis.ping()

            checks["redis"] = redis_ping
        return checks

    async def _running(self) -> bool:
        updater = self.application.updater
        # Polling runs PTB's updater; webhook mode runs our own server (bot/webhook.py),
        # which marks the application while it accepts updates.
        serving = bool(self.application.bot_data.get(WEBHOOK_SERVING_KEY))
        return self.application.running and (updater is None or updater.running or serving)

    async def metrics(self, _request: web.Request) -> web.Response:
        """Every series of the default registry, the outbox's read now."""
        svc = self._services()
        await OUTBOX.refresh(svc.database, svc.clock())
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


def probe_app(probes: BotProbes) -> web.Application:
    """The aiohttp application of the three routes."""
    app = web.Application()
    app.router.add_get("/metrics", probes.metrics)
    app.router.add_get("/healthz", probes.healthz)
    app.router.add_get("/readyz", probes.readyz)
    return app


async def serve_probes(
    application: AnyApplication, jobs: tuple[str, ...], host: str, port: int
) -> web.AppRunner | None:
    """Serve the routes on host:port on the running loop (port 0: not at all). A port
    already taken is logged, not fatal: the bot answers citizens without them."""
    if not port:
        return None
    runner = web.AppRunner(probe_app(BotProbes(application, jobs)), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        logger.warning("probes not served on %s:%d: %s", host, port, type(error).__name__)
        await runner.cleanup()
        return None
    logger.info("metrics and probes on http://%s:%d (/metrics, /healthz, /readyz)", host, port)
    return runner
