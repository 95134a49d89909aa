"""The action server's Prometheus metrics: each action's latency and errors, by name."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from rasa_sdk.executor import ActionExecutor
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

ACTION_SECONDS = Histogram(
    "mps_actions_seconds",
    "One custom action's run, by action name",
    ["action"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
)
ACTION_ERRORS = Counter(
    "mps_actions_errors", "Custom actions that raised, by action name", ["action"]
)


class TimedExecutor(ActionExecutor):
    """rasa-sdk's executor, timing each action and counting the ones that raise."""

    async def run(self, action_call: Any) -> Any:
        """Run the action as rasa-sdk does, observed under its name."""
        name = str(action_call.get("next_action") or "unknown")
        started = time.monotonic()
        try:
            return await super().run(action_call)
        except Exception:
            ACTION_ERRORS.labels(name).inc()
            raise
        finally:
            ACTION_SECONDS.labels(name).observe(time.monotonic() - started)


async def metrics_route(_request: Request) -> HTTPResponse:
    """/metrics in Prometheus' text format (this worker's series)."""
    return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)
