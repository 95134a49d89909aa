"""The bot's metrics move with what they count: a refused update, the outbox's rows."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY, generate_latest
from telegram.ext import ApplicationHandlerStop

from actions.metrics import TimedExecutor
from bot.limits import bot_limiter, rate_guard
from bot.outbox import refresh_gauges
from bot.services import SERVICES_KEY
from mps.database import Database
from mps.routing import StationIndex
from tests.test_outbox import NOISE, Now, _file, services


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@dataclasses.dataclass
class QuietChat:
    """A private chat that takes the one notice."""

    type: str = "private"
    sent: list[str] = dataclasses.field(default_factory=list)

    async def send_message(self, text: str, **_: Any) -> None:
        self.sent.append(text)


async def test_a_refused_message_is_counted_by_limit_not_by_user(
    database: Database, index: StationIndex
) -> None:
    svc = dataclasses.replace(
        services(database, Now()),
        limiter=bot_limiter(1, 5),
        keywords=SimpleNamespace(matches=lambda _text: False),  # type: ignore[arg-type]
    )
    context = SimpleNamespace(application=SimpleNamespace(bot_data={SERVICES_KEY: svc}))
    chat = QuietChat()
    update = SimpleNamespace(
        effective_user=SimpleNamespace(id=4242, language_code="en"),
        effective_chat=chat,
        message=SimpleNamespace(text="hello"),
        callback_query=None,
    )
    before = _value("mps_bot_rate_limited_total", limit="message")
    await rate_guard(update, context)  # type: ignore[arg-type]
    with pytest.raises(ApplicationHandlerStop):
        await rate_guard(update, context)  # type: ignore[arg-type]
    assert _value("mps_bot_rate_limited_total", limit="message") == before + 1
    assert len(chat.sent) == 1
    assert b"4242" not in generate_latest() and b"hello" not in generate_latest()


async def test_the_outbox_gauges_follow_its_rows(stocked: Database, index: StationIndex) -> None:
    now = Now()
    svc = services(stocked, now)
    await _file(stocked, index, NOISE)
    await _file(stocked, index, NOISE)
    now.later(3)
    await refresh_gauges(svc)
    assert _value("mps_bot_outbox_depth") == 2
    assert _value("mps_bot_outbox_overdue_seconds") == pytest.approx(180.0)
    assert _value("mps_bot_outbox_dead") == 0
    assert b"mps_bot_outbox_depth 2.0" in generate_latest()


async def test_an_action_that_raises_is_timed_and_counted_by_name() -> None:
    executor = TimedExecutor()
    before = _value("mps_actions_errors_total", action="action_nowhere")
    with pytest.raises(Exception, match="action_nowhere"):
        await executor.run({"next_action": "action_nowhere", "tracker": {}, "domain": {}})
    assert _value("mps_actions_errors_total", action="action_nowhere") == before + 1
    assert _value("mps_actions_seconds_count", action="action_nowhere") >= 1
