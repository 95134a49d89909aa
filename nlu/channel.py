"""The REST channel the bot talks to, with a safety line that does not hang on the top guess.

Same URL and body as Rasa's own REST channel (`/webhooks/rest/webhook`), with
two differences:

- After the turn, when the message's emergency probability
  (`emergency_score`, from nlu.classifier) is at least `emergency_line`
  (credentials.yml) and the turn did not already answer with the emergency
  takeover, the reply starts with `utter_emergency_line` in the user's
  language ("If you are in danger now, call 911 ..."). So a doubtful cry for
  help gets the numbers even when another intent wins.
- A failed turn is logged without the message text (Rasa's own channel logs
  the text), so no log line holds what a citizen wrote.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from nlu import action_results
from nlu.classifier import EMERGENCY_SCORE
from nlu.tracker_store import take_saved

logger = logging.getLogger(__name__)

LINE_RESPONSE = "utter_emergency_line"
DEFAULT_LINE_THRESHOLD = 0.025


def needs_line(parse: dict[str, Any], threshold: float) -> bool:
    """True if the emergency line should start this turn's reply.

    Not when emergency is the reading: then the whole emergency answer is
    given (the takeover), by the model or by the keyword net.
    """
    if (parse.get("intent") or {}).get("name") == "emergency":
        return False
    return float(parse.get(EMERGENCY_SCORE) or 0.0) >= threshold


class SafetyRestInput(RestInput):
    """Rasa's REST channel plus the emergency line; logs no message text."""

    @classmethod
    def name(cls) -> str:
        """Keeps the URL of Rasa's REST channel: /webhooks/rest/webhook."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafetyRestInput:
        """Read the emergency-line threshold from credentials.yml."""
        credentials = credentials or {}
        return cls(float(credentials.get("emergency_line", DEFAULT_LINE_THRESHOLD)))

    def __init__(self, emergency_line: float = DEFAULT_LINE_THRESHOLD) -> None:
        self.emergency_line = emergency_line
        # Rasa builds its channels once at start: the place to swap in the action
        # answers' validator kept for the life of the server (nlu/action_results.py).
        action_results.install()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """The health and webhook routes."""
        webhook = Blueprint("mps_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender_id,
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("turn timed out")
            except Exception as error:  # noqa: BLE001 - the reply must still be sent
                logger.error("turn failed: %s", type(error).__name__)
            messages = list(collector.messages)
            line = await self._line(request, sender_id, message.message_id)
            return response.json(line + messages)

        return webhook

    async def _line(
        self, request: Request, sender_id: str, message_id: str
    ) -> list[dict[str, Any]]:
        """The emergency line as a reply, or nothing. The turn's tracker as the tracker
        store saved it, else read back from the store."""
        agent = request.app.ctx.agent
        if agent is None or agent.tracker_store is None:
            return []
        tracker = take_saved(sender_id, message_id) or await agent.tracker_store.retrieve(
            sender_id
        )
        if tracker is None or tracker.latest_message is None:
            return []
        if not needs_line(tracker.latest_message.parse_data, self.emergency_line):
            return []
        line = await agent.nlg.generate(LINE_RESPONSE, tracker, self.name())
        if not line or not line.get("text"):
            return []
        return [{"recipient_id": sender_id, "text": line["text"]}]
