"""The action server's probes, beside rasa-sdk's own `/health`:

- `/healthz`, liveness: 200 whenever this Sanic worker's loop answers;
- `/readyz`, readiness: 200 when the database answers (every booking, report and
  station action needs it); else 503 naming the failure (an error type, never a
  message).
"""

from __future__ import annotations

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.store import get_store
from mps.probes import alive, readiness

PATHS = frozenset({"/healthz", "/readyz"})


async def healthz(_request: Request) -> HTTPResponse:
    """Liveness: the worker answers."""
    _ok, body = alive([])
    return response.json(body)


async def _database() -> None:
    store = await get_store()  # opens the database on first use
    await store.database.ping()


async def readyz(_request: Request) -> HTTPResponse:
    """Readiness: the database answers."""
    ok, body = await readiness({"database": _database})
    return response.json(body, status=200 if ok else 503)
