"""Signing in and out, and the page language.

    GET  /console                 the viewer's first page (queue, or scorecard for hq)
    GET  /console/login           how to sign in (send /console to the bot)
    GET  /console/login/{token}   the link the bot sent: one button to sign in
    POST /console/login/{token}   spend the link, open the session
    POST /console/logout          end the session (CSRF)
    POST /console/language        the session's language (CSRF)

The link's GET changes nothing: a link preview or a prefetch cannot spend it,
and the POST comes from our own page, so the SameSite=Strict cookie it sets is
sent with the next page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from mps.console_login import end_session, find_link, link_works, set_language, use_link
from mps.language import LANGUAGES
from web.console.auth import (
    LOGIN_PAGE,
    check_csrf,
    clear_session_cookie,
    optional_viewer,
    session_token,
    set_session_cookie,
    viewer,
)
from web.console.pages import render
from web.context import context


def routes(app: web.Application) -> None:
    """Add the login, logout and language routes."""
    app.router.add_get("/console", home)
    app.router.add_get(LOGIN_PAGE, login_help)
    app.router.add_get(LOGIN_PAGE + "/{token}", login_link)
    app.router.add_post(LOGIN_PAGE + "/{token}", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_post("/console/language", language)


def first_page(role: str) -> str:
    """Where a viewer of `role` starts."""
    return "/console/scorecard" if role == "hq" else "/console/queue"


async def home(request: web.Request) -> web.Response:
    """/console: the viewer's first page, or the login page."""
    raise web.HTTPFound(first_page((await viewer(request)).role))


async def login_help(request: web.Request) -> web.Response:
    """How to sign in; a signed-in viewer goes on to their first page."""
    found = await optional_viewer(request)
    if found is not None:
        raise web.HTTPFound(first_page(found.role))
    return await render(request, "login.html", link=None)


async def _spent(request: web.Request) -> web.Response:
    """Why the link opens nothing, in its language (it was used, or is too old)."""
    async with context(request).store.database.sessions() as session:
        link = await find_link(session, request.match_info["token"])
    language = link.language if link is not None else None
    return await render(
        request, "login.html", status=410, link=None, spent=True, language=language
    )


async def login_link(request: web.Request) -> web.Response:
    """The bot's link: a button that signs in, or why the link no longer works."""
    store = context(request).store
    async with store.database.sessions() as session:
        link = await find_link(session, request.match_info["token"])
    if link is None or not link_works(link, store.clock().now):
        return await _spent(request)
    return await render(request, "login.html", link=link, language=link.language)


def _from_elsewhere(request: web.Request) -> bool:
    """Whether the browser says another site, or an opaque origin (a sandboxed frame),
    sent this POST: a page that signs a staff member's browser in to someone else's
    session."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False  # not a browser's cross-site form (browsers send Origin with POSTs)
    return origin == "null" or urlsplit(origin).netloc != request.host


async def login(request: web.Request) -> web.Response:
    """Spend the link and open a session; a used or expired link opens nothing, and
    neither does a POST another site sent."""
    if _from_elsewhere(request):
        raise web.HTTPForbidden()
    store = context(request).store
    async with store.database.sessions.begin() as session:
        token = await use_link(session, request.match_info["token"], store.clock().now)
    if token is None:
        return await _spent(request)
    response = web.HTTPSeeOther("/console")
    set_session_cookie(response, token)
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session: deleted on the server, forgotten by the browser."""
    v = await viewer(request)
    await check_csrf(request, await request.post())
    token = session_token(request)
    if token is not None:
        async with context(request).store.database.sessions.begin() as session:
            await end_session(session, token)
    response = web.HTTPSeeOther(f"{LOGIN_PAGE}?lang={v.language}")
    clear_session_cookie(response)
    raise response


async def language(request: web.Request) -> web.Response:
    """Show the console in another language, back on the same page."""
    await viewer(request)
    form = await request.post()
    await check_csrf(request, form)
    chosen, back = str(form.get("lang", "")), str(form.get("next", ""))
    token = session_token(request)
    if chosen in LANGUAGES and token is not None:
        async with context(request).store.database.sessions.begin() as session:
            await set_language(session, token, chosen)
    local = back.startswith("/console") and not back.startswith("//")
    raise web.HTTPSeeOther(back if local else "/console")
