"""A stand-in for a Rasa that takes its time: every turn is answered after `--delay`
seconds, or, with `--hold`, only once POST /_release was called (from then on at
once); GET /_turns says how many turns it was sent.

Run: python -m tests.e2e.slow_rasa --port 5005 --delay 120
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import web


def create_app(delay: float, hold: bool = False) -> web.Application:
    """The slow REST channel."""
    turns: list[str] = []
    released = asyncio.Event()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        turns.append(str(body.get("sender")))
        if hold:
            await released.wait()
        else:
            await asyncio.sleep(delay)
        return web.json_response([{"recipient_id": body.get("sender"), "text": "late answer"}])

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"turns": len(turns)})

    async def release(request: web.Request) -> web.Response:
        released.set()
        return web.json_response({"turns": len(turns)})

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="Hello from (slow) Rasa")

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/_turns", count)
    app.router.add_post("/_release", release)
    app.router.add_get("/", health)
    return app


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="A slow Rasa REST channel")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=120.0)
    parser.add_argument("--hold", action="store_true", help="answer only after POST /_release")
    args = parser.parse_args()
    web.run_app(
        create_app(args.delay, args.hold),
        host="127.0.0.1",
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
