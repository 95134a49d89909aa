"""Telegram's webhook delivery for the emulator: takes updates from its getUpdates and
posts each to a webhook URL with the secret header, in parallel, retrying until the
webhook answers 200 (as Telegram does), so a test can drive replicas behind nginx."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

RETRY_SECONDS = 0.5
GIVE_UP_SECONDS = 60.0


class WebhookRelay:
    """Delivers the emulator's updates to `webhook_url` until stopped."""

    def __init__(self, bot_api: str, webhook_url: str, secret: str, connections: int = 40):
        self.bot_api = bot_api  # e.g. http://127.0.0.1:PORT/bot<token>
        self.webhook_url = webhook_url
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        self.pool = ThreadPoolExecutor(max_workers=connections)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.failed: list[dict[str, Any]] = []  # updates never accepted
        self.pending = 0  # updates taken from the emulator and not yet accepted
        self.lock = threading.Lock()
        # One client per delivering thread, kept: a new httpx.Client per update built an
        # SSL context each time, most of the load test's own CPU (README, Where the CPU goes).
        self.local = threading.local()
        self.clients: list[httpx.Client] = []

    def __enter__(self) -> WebhookRelay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
        self.pool.shutdown(wait=True, cancel_futures=True)
        for client in self.clients:
            client.close()

    def _poll(self) -> None:
        offset = 0
        with httpx.Client(timeout=10) as client:
            while not self.stopping.is_set():
                params = {"offset": offset, "timeout": 1}
                updates = client.post(f"{self.bot_api}/getUpdates", json=params).json()
                for update in updates.get("result", []):
                    offset = max(offset, update["update_id"] + 1)
                    with self.lock:
                        self.pending += 1
                    self.pool.submit(self._deliver, update)

    def wait_idle(self, quiet: float = 2.0, timeout: float = 60.0) -> None:
        """Wait until nothing has been pending for `quiet` seconds (a reply can come
        before the update that a test waits on was delivered)."""
        deadline, since = time.monotonic() + timeout, time.monotonic()
        while time.monotonic() - since < quiet:
            assert time.monotonic() < deadline, f"{self.pending} updates still pending"
            if self.pending:
                since = time.monotonic()
            time.sleep(0.1)

    def _deliver(self, update: dict[str, Any]) -> None:
        try:
            self._post(update)
        finally:
            with self.lock:
                self.pending -= 1

    def _client(self) -> httpx.Client:
        """This thread's client (its keep-alive connection to the webhook)."""
        client: httpx.Client | None = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(timeout=30)
            with self.lock:
                self.clients.append(client)
        return client

    def _post(self, update: dict[str, Any]) -> None:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        client = self._client()
        while time.monotonic() < deadline and not self.stopping.is_set():
            try:
                response = client.post(self.webhook_url, json=update, headers=self.headers)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(RETRY_SECONDS)
        self.failed.append(update)
