"""HTTP client for Rasa's REST channel (one aiohttp session for the process)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.metrics import RASA_SECONDS
from mps.contract import TURN_HEADER, TurnNote

logger = logging.getLogger(__name__)
# Rasa refusing the connection is restarting: one more try after this pause.
REFUSED_PAUSE_SECONDS = 0.3
# Connecting to Rasa on the same host or network takes milliseconds.
CONNECT_SECONDS = 2.0
# The header with the sender (the pseudonym Rasa sees anyway, never a Telegram id), so
# that a balancer can send one user's turns to one Rasa replica (RASA_ROUTING=sender).
SENDER_HEADER = "X-Sender"


@dataclass(frozen=True)
class RasaTurn:
    """Rasa's replies to one message, and what the turn was (an FAQ topic answered, a
    message not understood) when the channel says so (mps/contract/turns.py)."""

    replies: list[dict[str, Any]]
    note: TurnNote | None = None


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time."""


class RasaClient:
    """Sends a user's message to Rasa and returns Rasa's replies."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float,
        token: str | None = None,
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._url = self._base + "/webhooks/rest/webhook"
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, CONNECT_SECONDS))
        self._token = token

    async def ping(self, seconds: float = CONNECT_SECONDS) -> bool:
        """Whether Rasa's server answers `GET /` (no token, no turn taken)."""
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with self._session.get(self._base + "/", timeout=timeout) as response:
            return response.status == 200

    async def wipe(self, sender: str) -> bool:
        """Replace the sender's conversation with nothing (Rasa HTTP API); True if done.

        Rasa keeps the tracker in its tracker store; emptying it removes every
        message of the conversation there, not only the dialogue state.
        """
        params = {"token": self._token} if self._token else {}
        url = f"{self._base}/conversations/{sender}/tracker/events"
        try:
            async with self._session.put(
                url,
                json=[],
                params=params,
                headers={SENDER_HEADER: sender},
                timeout=self._timeout,
            ) as response:
                return response.status == 200
        except (TimeoutError, aiohttp.ClientError) as error:
            logger.warning("Rasa wipe failed: %s", type(error).__name__)
            return False

    async def send(
        self,
        sender: str,
        text: str,
        language: str,
        message_id: str | None = None,
        again: bool = False,
    ) -> list[dict[str, Any]]:
        """Post one message; Rasa's replies (`turn`, without the note)."""
        return (await self.turn(sender, text, language, message_id, again)).replies

    async def turn(
        self,
        sender: str,
        text: str,
        language: str,
        message_id: str | None = None,
        again: bool = False,
    ) -> RasaTurn:
        """Post one message. Retried once only if the connection was refused (Rasa never
        saw it); after a timeout or an error answer Rasa may have taken the turn, and a
        second post would make it take the turn twice. `message_id` names the turn;
        with `again` (a turn another replica may have posted before it died), Rasa
        answers with its first answer if it took the turn (nlu/answered.py)."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        body["metadata"] = {"language": language}
        if message_id is not None:
            body["message_id"] = message_id
        if again:
            body["again"] = True
        started = time.monotonic()
        try:
            done = await self._post(body)
        except RasaUnavailable:
            RASA_SECONDS.labels("unavailable").observe(time.monotonic() - started)
            raise
        RASA_SECONDS.labels("ok").observe(time.monotonic() - started)
        return done

    async def _post(self, body: dict[str, Any]) -> RasaTurn:
        """The post itself, with its one retry after a refused connection."""
        for attempt in (1, 2):
            try:
                headers = {SENDER_HEADER: body["sender"]}
                async with self._session.post(
                    self._url, json=body, headers=headers, timeout=self._timeout
                ) as response:
                    if response.status >= 500:
                        raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                    response.raise_for_status()
                    replies = await response.json()
                    if not isinstance(replies, list):
                        raise RasaUnavailable("Rasa answered something other than a list")
                    note = TurnNote.decode(response.headers.get(TURN_HEADER))
                    return RasaTurn([r for r in replies if isinstance(r, dict)], note)
            except aiohttp.ClientConnectorError as error:
                logger.warning(
                    "Rasa not reachable (attempt %d): %s", attempt, type(error).__name__
                )
                if attempt == 2:
                    raise RasaUnavailable(type(error).__name__) from error
                await self._before_retry()
            except (TimeoutError, aiohttp.ClientError, RasaUnavailable) as error:
                logger.warning("Rasa request failed: %s", type(error).__name__)
                raise RasaUnavailable(type(error).__name__) from error
        raise AssertionError("unreachable")

    async def _before_retry(self) -> None:
        """The pause before posting again to a Rasa that refused the connection."""
        await asyncio.sleep(REFUSED_PAUSE_SECONDS)
