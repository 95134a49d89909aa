"""nlu/channel.py (in the Rasa env): a turn whose request goes away (a bot replica
killed mid-turn: Sanic cancels the handler when the connection drops) still runs to its
end, so the tracker is saved and the journal's repost finds it instead of running the
turn's action, a report's filing, a second time."""

from __future__ import annotations

from tests.rasa_env import in_rasa

SCRIPT = """
import asyncio, json, socket
import aiohttp
from prometheus_client import REGISTRY
from sanic import Sanic
from nlu.channel import SafetyRestInput

def cancelled_turns():
    labels = {"channel": "rest", "error": "timeout"}
    return REGISTRY.get_sample_value("mps_rasa_turn_errors_total", labels) or 0

async def main():
    started, release, finished = asyncio.Event(), asyncio.Event(), []

    async def on_new_message(message):
        started.set()
        await release.wait()  # the action server's round trip, under way
        finished.append(message.message_id)  # the tracker is saved here

    app = Sanic("shield_test")
    app.ctx.agent = None
    app.blueprint(SafetyRestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    serving = asyncio.ensure_future(server.serve_forever())
    async with aiohttp.ClientSession() as client:
        post = asyncio.ensure_future(client.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            json={"sender": "p1", "message": "hello", "message_id": "u1"},
        ))
        await asyncio.wait_for(started.wait(), 60)
        post.cancel()  # the bot replica dies: its connection closes
        await asyncio.gather(post, return_exceptions=True)
    while cancelled_turns() < 1:  # Sanic has cancelled the request's handler
        await asyncio.sleep(0.02)
    release.set()
    for _ in range(600):
        if finished:
            break
        await asyncio.sleep(0.05)
    print(json.dumps({"finished": finished, "cancelled": cancelled_turns()}))
    serving.cancel()
    await server.close()

asyncio.run(main())
"""


def test_a_turn_whose_request_went_away_still_runs_to_its_end() -> None:
    found = in_rasa(SCRIPT)
    assert found["cancelled"] == 1  # the request was cancelled mid-turn...
    assert found["finished"] == ["u1"]  # ...and the turn still ended (tracker saved)
