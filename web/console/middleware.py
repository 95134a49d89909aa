"""The console's middleware: headers for every console response, the session's
cookie renewed, and refusals (403, 404) written as pages in the viewer's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from web.console.auth import COOKIE, session_token, set_session_cookie, signed_in
from web.console.pages import refusal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PREFIX = "/console"
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The login path carries a token: never send it (or a reference) to another site.
    # ("same-origin", not "no-referrer": with that, a form's POST says Origin: null.)
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}
REFUSALS = {403: "console_forbidden", 404: "console_not_found"}


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Console paths only: headers, the renewed cookie, polite refusals."""
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return await handler(request)
    try:
        response = await handler(request)
    except (web.HTTPForbidden, web.HTTPNotFound) as refused:
        response = await refusal(request, refused.status, REFUSALS[refused.status])
    if not request.path.startswith(PREFIX + "/static/"):
        response.headers["Cache-Control"] = "no-store"  # pages hold reports
    response.headers.update(HEADERS)
    token = session_token(request)
    if token is not None and signed_in(request) and COOKIE not in response.cookies:
        set_session_cookie(response, token)  # the cookie's age counts from now again
    return response
