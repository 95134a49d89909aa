"""Probes and metrics at the root of the Rasa server: `/healthz`, `/readyz`, `/metrics`.

Rasa 3.6 has `GET /` (up) and `/status` (behind the API token), no readiness and
no Prometheus metrics. Its one place for our routes is an input channel
(credentials.yml): Rasa mounts each channel's blueprint at
`urljoin("/webhooks/", channel.url_prefix())`, and a prefix of "/" puts these
at the root. Nobody talks through this "channel"; it takes no messages.

- `/healthz`, liveness: 200 whenever the server's loop answers;
- `/readyz`, readiness: 200 once a model is loaded (Rasa's agent is ready); else
  503, `{"status": "not ready", "checks": {"model": "not ready"}}`;
- `/metrics`: the turn metrics of nlu/turn_metrics.py, counts and latencies only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from mps.probes import alive, readiness


def model_loaded(request: Request) -> bool:
    """Whether Rasa's agent has a model and a tracker store (it can take a turn)."""
    agent = getattr(request.app.ctx, "agent", None)
    return agent is not None and bool(agent.is_ready())


async def healthz(_request: Request) -> HTTPResponse:
    """Liveness: the server answers."""
    _ok, body = alive([])
    return response.json(body)


async def readyz(request: Request) -> HTTPResponse:
    """Readiness: a model is loaded."""

    async def model() -> bool:
        return model_loaded(request)

    ok, body = await readiness({"model": model})
    return response.json(body, status=200 if ok else 503)


async def metrics(_request: Request) -> HTTPResponse:
    """Prometheus' text format."""
    return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)


class ProbesInput(InputChannel):
    """Not a channel people talk through: the probes' and /metrics' routes."""

    @classmethod
    def name(cls) -> str:
        """The name credentials.yml knows it by (the class path)."""
        return "probes"

    def url_prefix(self) -> str:
        """The root: urljoin("/webhooks/", "/") is "/"."""
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The three routes; `on_new_message` is never called."""
        probes = Blueprint("mps_probes", __name__)
        probes.add_route(healthz, "/healthz", methods=["GET"])
        probes.add_route(readyz, "/readyz", methods=["GET"])
        probes.add_route(metrics, "/metrics", methods=["GET"])
        return probes
