"""The database layer fails fast and says nothing private: errors hide the values,
PostgreSQL connections and statements time out, and a dropped connection is replaced."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

import mps.database
from mps.clock import Clock
from mps.database import Database, alembic_config, open_database, upgrade
from mps.models import OutboxMessage, Report, UtcDateTime
from mps.outbox import new_entry
from mps.routing import StationIndex
from tests.db import BACKENDS, fresh_database
from tests.staffing import file
from tests.test_outbox import NOISE
from tests.test_reports import NOW

MARKER = "marker-words-of-a-citizen"


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set (`.ci/run` sets it)")
    return url


async def test_an_error_never_carries_the_values(database: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(IntegrityError) as error:
        async with database.sessions.begin() as session:
            session.add(
                Report(
                    owner="o",
                    category="noise",
                    unit="u",
                    station_code="NO-SUCH",
                    description=MARKER,
                    created_at=now,
                    updated_at=now,
                )
            )
    assert MARKER not in str(error.value)
    assert "hidden" in str(error.value)


async def test_a_statement_that_hangs_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    url = _pg_url()
    monkeypatch.setattr(mps.database, "COMMAND_SECONDS", 0.5)
    database = open_database(url)
    try:
        with pytest.raises((TimeoutError, DBAPIError)) as error:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT pg_sleep(30)"))
        assert "timeout" in repr(error.value).lower() or isinstance(error.value, TimeoutError)
    finally:
        await database.close()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


async def test_a_database_that_does_not_answer_fails_the_connection(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mps.database, "CONNECT_SECONDS", 0.5)
    database = open_database(f"postgresql+asyncpg://mps@127.0.0.1:{silent_server}/mps")
    try:
        with pytest.raises((TimeoutError, OSError, DBAPIError)):
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await database.close()


async def test_a_dropped_connection_is_replaced() -> None:
    url = _pg_url()
    database = open_database(url)
    other = open_database(url)
    try:
        async with database.engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with other.engine.connect() as connection:  # the database restarts, say
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0)
        async with database.engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await database.close()
        await other.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_claims_migration_goes_up_and_down(backend: str, tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect
    from sqlalchemy.engine import Connection

    def columns(connection: Connection) -> dict[str, set[str]]:
        found = inspect(connection)
        return {t: {c["name"] for c in found.get_columns(t)} for t in ("outbox", "bookings")}

    def down(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0005")

    database = await fresh_database(backend, tmp_path)  # at head
    try:
        leases = {"claimed_until", "claimed_by"}
        async with database.engine.connect() as connection:
            assert all(leases <= c for c in (await connection.run_sync(columns)).values())
        async with database.engine.begin() as connection:
            await connection.run_sync(down)
        async with database.engine.connect() as connection:
            assert not any(leases & c for c in (await connection.run_sync(columns)).values())
        await upgrade(database)
        async with database.engine.connect() as connection:
            assert all(leases <= c for c in (await connection.run_sync(columns)).values())
    finally:
        await database.close()


async def test_the_outbox_age_migration_backfills_old_rows(
    stocked: Database, index: StationIndex
) -> None:
    from alembic import command
    from sqlalchemy import column, insert, select, table, update
    from sqlalchemy.engine import Connection

    def to(revision: str) -> Callable[[Connection], None]:
        def run(connection: Connection) -> None:
            command.downgrade(alembic_config(connection), revision)

        return run

    filed = NOW.now
    report = await file(stocked, index, NOISE)
    later = Clock(filed + dt.timedelta(minutes=10), NOW.zone)
    async with stocked.sessions.begin() as session:
        session.add(new_entry(report.id, "citizen_update", later, {"what": "status:closed"}))
    async with stocked.engine.begin() as connection:
        await connection.run_sync(to("0006"))  # as the rows were before 0007
        outbox = table(
            "outbox", column("kind"), column("next_attempt_at", UtcDateTime()), column("id")
        )
        retried = filed + dt.timedelta(minutes=7)  # the card failed and waits its backoff
        await connection.execute(
            update(outbox).where(outbox.c.kind == "staff_card").values(next_attempt_at=retried)
        )
    await upgrade(stocked)
    async with stocked.sessions() as session:
        rows = await session.execute(select(OutboxMessage.kind, OutboxMessage.created_at))
        found = dict(rows.all())
    # The card is as old as its report; the update counts from its (only) attempt.
    assert found == {"staff_card": filed, "citizen_update": later.now}
    async with stocked.engine.begin() as connection:  # a row written without the code
        await connection.execute(
            insert(
                table(
                    "outbox",
                    column("report_id"),
                    column("kind"),
                    column("payload"),
                    column("attempts"),
                    column("next_attempt_at", UtcDateTime()),
                )
            ),
            [
                {
                    "report_id": report.id,
                    "kind": "answer",
                    "payload": "{}",
                    "attempts": 0,
                    "next_attempt_at": filed,
                }
            ],
        )
    async with stocked.sessions() as session:
        made = await session.scalar(
            select(OutboxMessage.created_at).where(OutboxMessage.kind == "answer")
        )
    assert made is not None and made > filed  # the database's now
    async with stocked.engine.begin() as connection:
        await connection.run_sync(to("0006"))
    await upgrade(stocked)
