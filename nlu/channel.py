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
- A turn posted again (`"again": true`, with the `message_id` of the first post)
  is answered with the first answer if Rasa took it (nlu/answered.py).
- A turn, once started, runs to its end even if the bot goes away: Sanic cancels a
  request's handler when its connection drops (a bot replica killed mid-turn), and a
  turn cancelled after its action ran (a report filed) but before the tracker was
  saved would be taken, and the action run, a second time when the bot's journal
  posts it again. Shielded, it finishes and is saved, so the repost finds it.

Each turn is timed and a failed one counted (nlu/turn_metrics.py, on /metrics).

The reply to a turn Rasa took carries what the turn was in a header (`X-MPS-Turn`,
mps/contract/turns.py): an FAQ topic answered, or a message the assistant could not
read (the fallback, unless an open form took the message as its answer). The bot
counts it in the database (mps.question_counts); the header holds no text and no
sender. A turn answered again (`again`) carries none: its first answer did.
"""

from __future__ import annotations

import asyncio
import logging
import time
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from mps.contract.turns import TURN_HEADER, UNANSWERED, TurnNote
from nlu import action_results, answered, turn_metrics
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


# Turns whose request went away, still running to their end (a reference keeps the
# task from being collected before it finishes).
_UNATTENDED: set[asyncio.Task[Any]] = set()


async def to_the_end(turn: Awaitable[Any]) -> Any:
    """Await `turn`; if the waiter is cancelled (the client went away, or Sanic's
    response timeout), the turn still runs to its end in the background."""
    task = asyncio.ensure_future(turn)
    try:
        return await asyncio.shield(task)
    except CancelledError:
        if not task.done():
            _UNATTENDED.add(task)
            task.add_done_callback(_finished)
        raise


def _finished(task: asyncio.Task[Any]) -> None:
    """Forget an unattended turn; log its failure by type only (never the text)."""
    _UNATTENDED.discard(task)
    if not task.cancelled() and task.exception() is not None:
        turn_metrics.TURN_ERRORS.labels(SafetyRestInput.name(), "exception").inc()
        logger.error("unattended turn failed: %s", type(task.exception()).__name__)


def taken_by_form(tracker: DialogueStateTracker) -> bool:
    """Whether a form open before the latest message took it as an answer: the first
    action after the message is that form, not rejected first."""
    events = list(tracker.events)
    start = next(
        (i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), None
    )
    if start is None:
        return False
    loop = None
    for event in events[:start]:
        if isinstance(event, ActiveLoop):
            loop = event.name
        elif isinstance(event, (Restarted, SessionStarted)):
            loop = None
    for event in events[start + 1 :]:
        if isinstance(event, ActionExecutionRejected):
            return False
        if isinstance(event, ActionExecuted):
            return loop is not None and event.action_name == loop
    return False


def turn_headers(tracker: DialogueStateTracker | None, message_id: str | None) -> dict[str, str]:
    """The note of the turn `message_id` as a header, if the tracker's latest message is
    that turn and the turn answered an FAQ topic or could not read the message."""
    latest = tracker.latest_message if tracker is not None else None
    if tracker is None or latest is None or message_id is None or latest.message_id != message_id:
        return {}
    note = TurnNote.of_parse(latest.parse_data)
    if note is None or (note.kind == UNANSWERED and taken_by_form(tracker)):
        return {}
    return {TURN_HEADER: note.encode()}


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
        turn_metrics.declare(self.name())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """The health and webhook routes."""
        webhook = Blueprint("mps_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            try:
                return await self._turn(request, on_new_message)
            except Exception:  # the emergency line's tracker read; Sanic answers 500
                turn_metrics.TURN_ERRORS.labels(self.name(), "exception").inc()
                raise
            finally:
                turn_metrics.TURN_SECONDS.labels(self.name()).observe(time.monotonic() - started)

        return webhook

    async def _turn(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> HTTPResponse:
        """Take the turn; its replies after the emergency line, if any. A failed turn
        still answers (with what was collected), counted and logged without the text."""
        sender_id = await self._extract_sender(request)
        collector = CollectingOutputChannel()
        message = UserMessage(
            self._extract_message(request),
            collector,
            sender_id,
            input_channel=self.name(),
            metadata=self.get_metadata(request),
            message_id=request.json.get("message_id"),
        )
        agent = request.app.ctx.agent
        first = None
        try:
            if request.json.get("again") and agent is not None and agent.is_ready():
                first = await to_the_end(answered.answer_again(agent, message))
            else:
                await to_the_end(on_new_message(message))
        except CancelledError:  # the bot went away, or Sanic's response timeout
            turn_metrics.TURN_ERRORS.labels(self.name(), "timeout").inc()
            logger.error("turn's request went away; the turn runs to its end")
        except Exception as error:  # noqa: BLE001 - the reply must still be sent
            turn_metrics.TURN_ERRORS.labels(self.name(), "exception").inc()
            logger.error("turn failed: %s", type(error).__name__)
        if first is not None:  # the bot asked again for a turn Rasa took: its replies
            replies, parse = first
            tracker = await self._tracker(request, sender_id)
            return response.json(await self._line(request, sender_id, tracker, parse) + replies)
        messages = list(collector.messages)
        tracker = await self._tracker(request, sender_id, message.message_id)
        line = await self._line(request, sender_id, tracker)
        return response.json(line + messages, headers=turn_headers(tracker, message.message_id))

    async def _tracker(
        self, request: Request, sender_id: str, message_id: str | None = None
    ) -> DialogueStateTracker | None:
        """The conversation as the tracker store saved it in this request (the turn
        `message_id`), else read back from the store; None without a store."""
        agent = request.app.ctx.agent
        if agent is None or agent.tracker_store is None:
            return None
        saved = take_saved(sender_id, message_id) if message_id is not None else None
        return saved or await agent.tracker_store.retrieve(sender_id)

    async def _line(
        self,
        request: Request,
        sender_id: str,
        tracker: DialogueStateTracker | None,
        parse: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The emergency line as a reply, or nothing; for the tracker's latest message,
        or the one whose `parse` is given."""
        if tracker is None or (parse is None and tracker.latest_message is None):
            return []
        if parse is None:
            parse = tracker.latest_message.parse_data
        if not needs_line(parse, self.emergency_line):
            return []
        line = await request.app.ctx.agent.nlg.generate(LINE_RESPONSE, tracker, self.name())
        if not line or not line.get("text"):
            return []
        return [{"recipient_id": sender_id, "text": line["text"]}]
