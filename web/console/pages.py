"""Rendering a console page: the template with what every page needs.

`render(request, "queue.html", reports=…)` adds the viewer, `t` (a text in the
viewer's language), `choice` (a member of a text group: a status, a category),
`lang` and `dir`, the CSRF token, the navigation, and formatting helpers that
write digits, dates and times the way the rest of the product does (Arabic-Indic
digits for Arabic and Sorani).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from mps.formatting import day_text, digits, time_text
from mps.language import LANGUAGES
from web.console.auth import Viewer, csrf_token, optional_viewer
from web.context import context

RTL = frozenset({"ar", "ckb"})
# Without a session (the login pages): the language of the link, else this one.
DEFAULT_LANGUAGE = "ar"


@dataclass(frozen=True)
class NavItem:
    """A link of the navigation bar: where, the text's key, whether it is this page."""

    href: str
    key: str
    current: bool


# (path, text key, roles that see it)
NAV = (
    ("/console/queue", "console_nav_queue", ("station",)),
    ("/console/events", "console_nav_events", ("station",)),
    ("/console/scorecard", "console_nav_scorecard", ("station", "hq")),
)


def navigation(request: web.Request, v: Viewer | None) -> list[NavItem]:
    """The links the viewer's role may follow, the current one marked."""
    if v is None:
        return []
    return [
        NavItem(href, key, request.path.startswith(href))
        for href, key, roles in NAV
        if v.role in roles
    ]


def page_language(request: web.Request, v: Viewer | None) -> str:
    """The viewer's language; without a session, `?lang=` or the default."""
    if v is not None:
        return v.language
    asked = request.query.get("lang", "")
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def helpers(request: web.Request, language: str) -> dict[str, Callable[..., str]]:
    """Text lookup and formatting in `language`, for templates."""
    texts = context(request).texts
    zone = context(request).store.clock().zone

    def when(moment: dt.datetime) -> str:
        local = moment.astimezone(zone)
        return (
            f"{day_text(local.date(), language, short=True)} {time_text(local.time(), language)}"
        )

    return {
        "t": lambda key, **values: texts.get(key, language, **values),
        "text_in": lambda key, other, **values: texts.get(key, other, **values),
        "station_name": lambda code: station_name(request, code, language),
        "choice": lambda group, member, **values: texts.choice(group, member, language, **values),
        "num": lambda value: digits(str(value), language),
        "day": lambda value: day_text(value, language),
        "time": lambda value: time_text(value, language),
        "when": when,
    }


def station_name(request: web.Request, code: str | None, language: str) -> str:
    """A station's name in `language` (its code if the registry lacks it)."""
    station = context(request).store.stations.get(code or "")
    return station.display_name(language) if station is not None else (code or "—")


async def render(
    request: web.Request, template: str, status: int = 200, **values: Any
) -> web.Response:
    """The page `template` (extending base.html) for this request's viewer."""
    v = await optional_viewer(request)
    language = values.pop("language", None) or page_language(request, v)
    page = {
        "viewer": v,
        "lang": language,
        "dir": "rtl" if language in RTL else "ltr",
        "languages": LANGUAGES,
        "csrf": csrf_token(request) if v is not None else "",
        "nav": navigation(request, v),
        "path": request.path_qs,
        **helpers(request, language),
        **values,
    }
    return aiohttp_jinja2.render_template(template, request, page, status=status)


async def message(request: web.Request, status: int, key: str, **values: object) -> web.Response:
    """A page that says one thing (text `key`), in the viewer's language."""
    return await render(request, "message.html", status=status, message_key=key, values=values)


async def refusal(request: web.Request, status: int, key: str, **values: object) -> web.Response:
    """A polite page for a refusal (403, 404, a stale change), in the viewer's language."""
    return await message(request, status, key, **values)
