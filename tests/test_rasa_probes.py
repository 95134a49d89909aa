"""Rasa's probes and metrics, mounted as Rasa mounts its channels (in the Rasa env, on a
real Sanic server): /healthz and /readyz at the root, 503 until a model is loaded;
each turn of the REST channel timed, a failed one counted, and no sender id or text
in /metrics."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from scripts.stack import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = """
import asyncio, json, socket
import aiohttp
from rasa.core.channels.channel import register
from sanic import Sanic
from nlu.channel import SafetyRestInput
from nlu.probes import ProbesInput


class Agent:
    tracker_store = None  # no emergency line to look up

    def __init__(self):
        self.fail = False

    def is_ready(self):
        return True

    async def handle_message(self, message):
        if self.fail:
            raise RuntimeError("the turn failed")
        await message.output_channel.send_text_message(message.sender_id, "hi")


async def main():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = Sanic("rasa_probes_test")
    register([SafetyRestInput(), ProbesInput()], app, "/webhooks/")  # as `rasa run` does
    app.ctx.agent = None  # still loading its model
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    out = {}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        async def get(path):
            async with http.get(path) as response:
                return response.status, await response.text()

        async def turn():
            body = {"sender": "pseudonym-0f3a9c", "message": "marker words of a citizen"}
            async with http.post("/webhooks/rest/webhook", json=body) as response:
                return response.status, await response.json()

        out["live"] = await get("/healthz")
        out["loading"] = await get("/readyz")
        app.ctx.agent = Agent()
        out["ready"] = await get("/readyz")
        out["turn"] = await turn()
        app.ctx.agent.fail = True
        out["failed"] = await turn()
        out["metrics"] = await get("/metrics")
    server.close()
    await server.wait_closed()
    print(json.dumps(out))


asyncio.run(main())
"""


def _samples(text: str) -> dict[str, float]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {series: float(value) for series, value in (line.rsplit(" ", 1) for line in lines)}


def test_rasas_probes_and_turn_metrics() -> None:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa env is missing (`make setup` builds it)")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=300,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["live"] == [200, '{"status":"ok"}']
    assert out["loading"] == [503, '{"status":"not ready","checks":{"model":"not ready"}}']
    assert out["ready"] == [200, '{"status":"ready","checks":{"model":"ok"}}']
    assert out["turn"] == [200, [{"recipient_id": "pseudonym-0f3a9c", "text": "hi"}]]
    assert out["failed"] == [200, []]  # still answered, with nothing
    status, text = out["metrics"]
    samples = _samples(text)
    assert status == 200
    assert samples['mps_rasa_turn_seconds_count{channel="rest"}'] == 2
    assert samples['mps_rasa_turn_errors_total{channel="rest",error="exception"}'] == 1
    assert samples['mps_rasa_turn_errors_total{channel="rest",error="timeout"}'] == 0
    assert "pseudonym-0f3a9c" not in text and "marker" not in text
    assert "marker words" not in done.stdout + done.stderr  # nor in Rasa's log
