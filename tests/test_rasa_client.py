"""The Rasa client: one turn is posted once (again only if the connection was refused),
then a clear error."""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.rasa_client import RasaClient, RasaUnavailable

Handler = Callable[[web.Request], "asyncio.Future[web.StreamResponse] | object"]


@pytest.fixture
async def fake_rasa() -> AsyncIterator[tuple[list[dict], Callable[..., None], str]]:
    """A local stand-in for Rasa's REST webhook whose answers a test scripts."""
    received: list[dict] = []
    script: list[tuple[str, object]] = []

    async def webhook(request: web.Request) -> web.StreamResponse:
        received.append({**await request.json(), "header": request.headers.get("X-Sender")})
        kind, value = script.pop(0) if script else ("ok", [])
        if kind == "sleep":
            await asyncio.sleep(float(value))  # type: ignore[arg-type]
            return web.json_response([])
        if kind == "status":
            return web.Response(status=int(value))  # type: ignore[call-overload]
        return web.json_response(value)

    def plan(*steps: tuple[str, object]) -> None:
        script.extend(steps)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield received, plan, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_sends_the_pseudonym_text_and_language(fake_rasa) -> None:
    received, plan, url = fake_rasa
    plan(("ok", [{"text": "hi"}]))
    async with aiohttp.ClientSession() as session:
        replies = await RasaClient(session, url, 5).send("u123", "hello", "ckb")
    assert replies == [{"text": "hi"}]
    # The header a balancer routes by carries the pseudonym, as the body does.
    body = {"sender": "u123", "message": "hello", "metadata": {"language": "ckb"}}
    assert received == [{**body, "header": "u123"}]


async def test_a_server_error_is_not_sent_again(fake_rasa) -> None:
    received, plan, url = fake_rasa
    plan(("status", 500), ("ok", [{"text": "second try"}]))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RasaUnavailable):
            await RasaClient(session, url, 5).send("u1", "hello", "en")
    assert len(received) == 1


async def test_a_slow_rasa_is_sent_the_turn_once(fake_rasa) -> None:
    received, plan, url = fake_rasa
    plan(("sleep", 1.0), ("ok", [{"text": "second try"}]))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RasaUnavailable):
            await RasaClient(session, url, 0.3).send("u1", "hello", "en")
    assert len(received) == 1


async def test_a_refused_connection_is_tried_once_more(fake_rasa) -> None:
    """Rasa restarting refuses the connection: the post never reached it, so it is
    posted again (here Rasa comes up during the pause)."""
    received, plan, url = fake_rasa
    plan(("ok", [{"text": "back"}]))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    class Restarting(RasaClient):
        async def _before_retry(self) -> None:
            self._url = url + "/webhooks/rest/webhook"  # now it listens

    async with aiohttp.ClientSession() as session:
        client = Restarting(session, f"http://127.0.0.1:{closed_port}", 5)
        assert await client.send("u1", "hello", "en") == [{"text": "back"}]
    assert len(received) == 1


async def test_nothing_listening_raises_unavailable() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RasaUnavailable):
            await RasaClient(session, "http://127.0.0.1:9", 1).send("u1", "hello", "en")


async def test_wipe_empties_the_conversation_with_the_token() -> None:
    """`wipe` PUTs an empty event list for the sender, with the API token."""
    seen: list[tuple[str, str | None, object]] = []

    async def events(request: web.Request) -> web.StreamResponse:
        seen.append(
            (request.match_info["sender"], request.query.get("token"), await request.json())
        )
        if request.query.get("token") != "t0ken":
            return web.Response(status=401)
        return web.json_response({"events": []})

    app = web.Application()
    app.router.add_put("/conversations/{sender}/tracker/events", events)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            assert await RasaClient(session, base, 2, "t0ken").wipe("abc")
            assert not await RasaClient(session, base, 2, "wrong").wipe("abc")
            assert not await RasaClient(session, "http://127.0.0.1:9", 2, "t0ken").wipe("abc")
    finally:
        await runner.cleanup()
    assert seen == [("abc", "t0ken", []), ("abc", "wrong", [])]
