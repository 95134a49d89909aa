"""The staff console: server-rendered pages for station staff and headquarters
analysts, on the domain code of mps/ (interface: README, "Staff console").

`setup(app)` adds Jinja2 (templates in web/templates/), the console's middleware
(web/console/middleware.py), the static files at /console/static/ and each
page module's routes. A page module adds itself with one line in PAGES.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from web.console import events, login, photos, queue, report, scorecard
from web.console.middleware import console_middleware

WEB = Path(__file__).resolve().parents[1]
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
PAGES = (
    login,
    queue,
    report,
    photos,
    events,
    scorecard,
)


def setup(app: web.Application) -> None:
    """Templates, middleware, static files and every page's routes."""
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html",), default=True),
    )
    app.middlewares.append(console_middleware)
    app.router.add_static("/console/static/", STATIC, name="console_static")
    for page in PAGES:
        page.routes(app)
