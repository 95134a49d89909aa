"""Per-user limits before any handler runs: messages, button presses and /join.

A user past a limit gets one polite notice in their language and is then
ignored until the window ends; other users are not slowed at all. A message
that matches the emergency keywords still gets the emergency numbers (from the
bot itself, not Rasa), and /exit and the Exit button are never limited.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.metrics import RATE_LIMITED
from bot.safety_net import in_danger
from bot.services import Services, services, user_language
from mps.contract import EXIT_PAYLOAD
from mps.emergency import emergency_text
from mps.limits import Counters, Limit, RateLimiter, Verdict

logger = logging.getLogger(__name__)


def bot_limiter(
    messages_per_minute: int, joins_per_hour: int, counters: Counters | None = None
) -> RateLimiter:
    """The bot's limits: messages and presses per minute, /join attempts per hour."""
    return RateLimiter(
        {"message": Limit(messages_per_minute, 60.0), "join": Limit(joins_per_hour, 3600.0)},
        counters,
    )


def _command(update: Update) -> str:
    message = update.message
    text = (message.text or "") if message is not None else ""
    return text.split(maxsplit=1)[0].split("@")[0].lower() if text.startswith("/") else ""


async def _is_exit(update: Update, svc: Services, user_id: int) -> bool:
    if _command(update) == "/exit":
        return True
    query = update.callback_query
    if query is None or not query.data:
        return False
    stored = await svc.buttons.find(query.data, user_id)
    return query.data.startswith("x:") or (stored is not None and stored.payload == EXIT_PAYLOAD)


def _kind(update: Update) -> str | None:
    """Which limit an update counts against; None: not limited."""
    if _command(update) == "/join":
        return "join"
    if update.callback_query is not None:
        return "message"
    chat = update.effective_chat
    if update.message is not None and chat is not None:
        if chat.type == "private" or _command(update):
            return "message"
    return None


async def rate_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let the update through, or answer once politely and stop it."""
    svc = services(context)
    user = update.effective_user
    if user is None:
        return
    kind = _kind(update)
    if kind is not None and await _is_exit(update, svc, user.id):
        kind = None
    # Her language first, so every answer is in it, and the count, in one step (on
    # Redis one round trip: bot.shared_state.RedisUsers.load).
    count = await svc.users.load(user.id, svc.limiter.window(kind, user.id) if kind else None)
    if kind is None:
        return
    verdict = svc.limiter.judge(kind, count)
    if verdict is Verdict.ALLOW:
        return
    RATE_LIMITED.labels(kind).inc()
    if verdict is Verdict.NOTIFY:
        logger.info("rate limit reached (%s)", kind)
    try:
        await _answer(update, svc, verdict, kind)
    except TelegramError as error:
        logger.warning("rate-limit notice not sent: %s", type(error).__name__)
    raise ApplicationHandlerStop


async def _answer(update: Update, svc: Services, verdict: Verdict, kind: str) -> None:
    language = user_language(svc, update)
    notice = svc.catalogue.get("join_slow_down" if kind == "join" else "slow_down", language)
    query, chat = update.callback_query, update.effective_chat
    if query is not None:
        if verdict is Verdict.NOTIFY:
            await query.answer(notice, show_alert=True)
        else:
            await query.answer()
        return
    if chat is None:
        return
    text = update.message.text if update.message is not None else None
    if text and in_danger(svc, text):
        await chat.send_message(emergency_text(svc.emergency, svc.catalogue, language))
    elif verdict is Verdict.NOTIFY:
        await chat.send_message(notice)
