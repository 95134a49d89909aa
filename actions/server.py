"""`python -m actions.server`: rasa-sdk's action server, refusing calls without the token.

rasa-sdk has no authentication of its own. Rasa sends the `token` of its
`action_endpoint` (endpoints.yml) as the query parameter `token`; every request
but the probes and `/metrics` (`/health`, `/healthz`, `/readyz`: actions/probes.py)
must carry ACTION_SERVER_TOKEN there, or gets 401. Without the
variable the server does not start. It listens on SANIC_HOST, loopback unless
set (compose sets 0.0.0.0 on its private network). The arguments are
rasa-sdk's (`--actions actions -p 5055`).
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from actions import probes
from actions.metrics import TimedExecutor, metrics_route

logger = logging.getLogger(__name__)
TOKEN_ENV = "ACTION_SERVER_TOKEN"
# Probes say ok or an error type; /metrics holds counts by action name only: for
# probes and a scraper that have no token.
OPEN_PATHS = frozenset({"/health", "/metrics", *probes.PATHS})
MIN_TOKEN_CHARS = 16


def token_check(token: str) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    """A Sanic request middleware refusing requests without `token`."""
    expected = token.encode()

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = (request.args.get("token") or "").encode()
        if hmac.compare_digest(given, expected):
            return None
        return response.json({"error": "a valid token is required"}, status=401)

    return require_token


def create_app(executor: ActionExecutor, token: str, **options: Any) -> Sanic:
    """rasa-sdk's app with the token check in front (module level: Sanic pickles it)."""
    app = create_app_for_serve(executor, **options)
    app.register_middleware(token_check(token), "request")
    app.add_route(metrics_route, "/metrics", methods=["GET"])
    app.add_route(probes.healthz, "/healthz", methods=["GET"])
    app.add_route(probes.readyz, "/readyz", methods=["GET"])
    return app


def main(argv: list[str] | None = None) -> int:
    """Parse rasa-sdk's arguments, check the token, serve until stopped."""
    args = create_argument_parser().parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "")
    if len(token) < MIN_TOKEN_CHARS:
        print(
            f"actions: {TOKEN_ENV} must be set to a random value of at least "
            f"{MIN_TOKEN_CHARS} characters (the same as Rasa's action_endpoint token); "
            "the action server does not run without it",
            file=sys.stderr,
        )
        return 2
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    executor = TimedExecutor()
    executor.register_package(args.actions_module or args.actions)
    loader = AppLoader(
        factory=partial(
            create_app, executor, token, cors_origins=args.cors, endpoints=args.endpoints
        )
    )
    app = loader.load()
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    logger.info("action server on http://%s:%s (token required)", host, args.port)
    app.prepare(host=host, port=args.port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)
    return 0


if __name__ == "__main__":
    sys.exit(main())
