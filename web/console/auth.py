"""Who is looking at the console: the session cookie, the viewer, roles and CSRF.

The cookie holds a random session token (the database keeps its SHA-256,
mps.console_login). It is Secure, HttpOnly and SameSite=Strict: the browser
never sends it with a request another site started. Following the bot's link
from Telegram is such a request, so the login page asks for one press of a
button (a POST from our own page), which also keeps link previews from spending
the one-time link.

The CSRF token of a session is an HMAC of its token: nothing more to store, and
it changes with every session.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from aiohttp import web

from mps.console_login import HQ, IDLE, session_for
from mps.models import StaffMember
from mps.staff import staff_number
from web.context import context

COOKIE = "mps_console"
LOGIN_PAGE = "/console/login"
# What this request found: (the viewer or None,), once looked up.
_VIEWER = web.RequestKey("console_viewer", tuple)


@dataclass(frozen=True)
class Viewer:
    """A signed-in member of staff (role "station") or headquarters analyst ("hq")."""

    user_id: int
    role: Literal["station", "hq"]
    station_code: str | None  # None for hq
    number: int  # the staff number pages show, never the Telegram id
    units: tuple[str, ...]
    language: str  # "en" | "ar" | "ckb"


def signed_in(request: web.Request) -> bool:
    """Whether this request was found to hold a live session (after `viewer`)."""
    return request.get(_VIEWER, (None,))[0] is not None


def session_token(request: web.Request) -> str | None:
    """The session token the browser sent, if any."""
    return request.cookies.get(COOKIE) or None


async def optional_viewer(request: web.Request) -> Viewer | None:
    """The signed-in viewer, or None (read once a request)."""
    if _VIEWER in request:
        return cast(Viewer | None, request[_VIEWER][0])
    token, found = session_token(request), None
    if token is not None:
        store = context(request).store
        async with store.database.sessions.begin() as session:
            row = await session_for(session, token, store.clock().now)
            if row is not None:
                member = (
                    await session.get(StaffMember, (row.user_id, row.station_code))
                    if row.station_code is not None
                    else None
                )
                found = Viewer(
                    user_id=row.user_id,
                    role="hq" if row.role == HQ else "station",
                    station_code=row.station_code,
                    number=await staff_number(session, row.user_id, store.clock().now),
                    units=tuple(member.units or []) if member is not None else (),
                    language=row.language,
                )
    request[_VIEWER] = (found,)
    return found


async def viewer(request: web.Request) -> Viewer:
    """The signed-in viewer; without a live session, a redirect to the login page."""
    found = await optional_viewer(request)
    if found is None:
        raise web.HTTPFound(LOGIN_PAGE)
    return found


def require_station(v: Viewer) -> None:
    """403 unless the viewer is a station's staff."""
    if v.role != "station":
        raise web.HTTPForbidden()


def require_hq(v: Viewer) -> None:
    """403 unless the viewer is a headquarters analyst."""
    if v.role != "hq":
        raise web.HTTPForbidden()


def csrf_token(request: web.Request) -> str:
    """The CSRF token of the request's session ("" without one)."""
    token = session_token(request)
    if token is None:
        return ""
    return hmac.new(token.encode(), b"console csrf", hashlib.sha256).hexdigest()


async def check_csrf(request: web.Request, form: Mapping[str, object]) -> None:
    """403 unless the form carries the session's CSRF token."""
    expected, sent = csrf_token(request), form.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise web.HTTPForbidden()


def set_session_cookie(response: web.StreamResponse, token: str) -> None:
    """Hand the browser its session (it lasts IDLE after the last request: the server
    checks; the cookie's own age is a second fence)."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(IDLE.total_seconds()),
        path="/console",
        secure=True,
        httponly=True,
        samesite="Strict",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    """Forget the session in the browser."""
    response.del_cookie(COOKIE, path="/console", secure=True, httponly=True, samesite="Strict")
