"""The bot's metrics move with what they count: a refused update; the outbox's depth,
oldest row and dead letters, read from the table when /metrics is, on SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from telegram.ext import ApplicationHandlerStop

from actions.metrics import TimedExecutor
from bot.limits import bot_limiter, rate_guard
from bot.outbox_metrics import OUTBOX
from bot.probes import BotProbes
from bot.services import SERVICES_KEY
from mps.database import Database, open_database
from mps.outbox import mark_dead, mark_failed, mark_sent
from mps.routing import StationIndex
from tests.e2e.stack_fixture import free_port
from tests.staffing import file
from tests.test_outbox import NOISE, Now, _row, services


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
    for sample in _exposed():  # neither her id nor her words, in a name, label or value
        words = [sample.name, *sample.labels, *sample.labels.values()]
        assert not any("4242" in word or "hello" in word for word in words), sample
        assert sample.value != 4242, sample


def _exposed() -> list[Sample]:
    """Every sample /metrics shows in this process. (Not a search of its bytes: the
    counters of other tests in the process may hold the digits 4242, as 424213.0.)"""
    text = generate_latest().decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


async def _gauges(database: Database, now: Now) -> dict[str, float | None]:
    await OUTBOX.refresh(database, now())
    names = ("depth", "oldest_seconds", "overdue_seconds", "dead")
    return {n: REGISTRY.get_sample_value(f"mps_bot_outbox_{n}") for n in names}


async def test_the_outbox_gauges_show_depth_oldest_age_and_dead_letters(
    stocked: Database, index: StationIndex
) -> None:
    now = Now()
    first = await file(stocked, index, NOISE, clock=now())
    now.later(3)
    second = await file(stocked, index, NOISE, clock=now())
    async with stocked.sessions.begin() as session:  # the first card failed once just now
        await mark_failed(session, await _row(stocked, first), now(), "NetworkError")
    now.later(2)
    # Committed 5 minutes ago, though due again only since 3 minutes less 2 s backoff.
    assert await _gauges(stocked, now) == {
        "depth": 2,
        "oldest_seconds": 300,
        "overdue_seconds": 120,  # the second card, due since it was filed
        "dead": 0,
    }
    async with stocked.sessions.begin() as session:
        await mark_dead(session, (await _row(stocked, second)).id, now(), "Forbidden")
    assert await _gauges(stocked, now) == {
        "depth": 1,
        "oldest_seconds": 300,
        "overdue_seconds": 118,
        "dead": 1,
    }
    async with stocked.sessions.begin() as session:
        await mark_sent(session, (await _row(stocked, first)).id, now())
    assert await _gauges(stocked, now) == {
        "depth": 0,
        "oldest_seconds": 0,
        "overdue_seconds": 0,
        "dead": 1,
    }


async def test_a_scrape_reads_the_outbox_and_shows_none_when_it_cannot(
    stocked: Database, index: StationIndex
) -> None:
    now = Now()
    await file(stocked, index, NOISE, clock=now())
    now.later(1)
    svc = services(stocked, now)
    probes = BotProbes(SimpleNamespace(bot_data={SERVICES_KEY: svc}), ())  # type: ignore[arg-type]
    body = (await probes.metrics(None)).body  # type: ignore[arg-type]
    assert isinstance(body, bytes)
    assert b"mps_bot_outbox_depth 1.0" in body and b"mps_bot_outbox_oldest_seconds 60.0" in body
    down = open_database(f"postgresql+asyncpg://mps@127.0.0.1:{free_port()}/mps")
    try:
        svc = dataclasses.replace(svc, database=down)
        probes = BotProbes(SimpleNamespace(bot_data={SERVICES_KEY: svc}), ())  # type: ignore[arg-type]
        body = (await probes.metrics(None)).body  # type: ignore[arg-type]
    finally:
        await down.close()
    assert isinstance(body, bytes)
    assert b"mps_bot_outbox" not in body  # no number rather than an old one
    assert b"mps_bot_reply_seconds_count" in body  # the rest is served


async def test_an_action_that_raises_is_timed_and_counted_by_name() -> None:
    executor = TimedExecutor()
    before = _value("mps_actions_errors_total", action="action_nowhere")
    with pytest.raises(Exception, match="action_nowhere"):
        await executor.run({"next_action": "action_nowhere", "tracker": {}, "domain": {}})
    assert _value("mps_actions_errors_total", action="action_nowhere") == before + 1
    assert _value("mps_actions_seconds_count", action="action_nowhere") >= 1
