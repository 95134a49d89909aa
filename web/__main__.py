"""`python -m web`: serve the web application on CONSOLE_LISTEN:CONSOLE_PORT."""

from __future__ import annotations

import logging
import sys

from aiohttp import web
from pydantic import ValidationError

from web.app import PathAccessLogger, create_app
from web.settings import WebSettings


def main() -> int:
    """Load settings, then serve until stopped; 2 for a configuration that cannot work."""
    try:
        settings = WebSettings()
        settings.reference_key()  # filing a request needs it: refuse to start without
    except (ValidationError, ValueError) as error:
        print(f"web: invalid configuration:\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    web.run_app(
        create_app(settings),
        host=settings.console_listen,
        port=settings.console_port,
        access_log_class=PathAccessLogger,
        access_log=logging.getLogger("web.access"),
        print=None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
