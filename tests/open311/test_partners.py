"""Partners from the console (`python -m bot.admin partners …`): the key is shown
once and only its hash is kept; re-keying and revoking take effect at once and are
audited; and `python -m web`, as `make run` starts it, serves Open311 with the key."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from bot.admin import main
from mps.database import alembic_config, open_database, upgrade
from mps.models import Partner, StaffAudit
from mps.partners import key_hash, partner_for_key
from scripts.stack import log_tail, start, stop, wait_ready, web_service
from tests.conftest import DEMO_REGISTRY
from tests.db import BACKENDS, fresh_database
from tests.e2e.stack_fixture import free_port

URL_OF = "sqlite+aiosqlite:///{}/admin.db"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = URL_OF.format(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.strip(), err


async def _works(url: str, key: str) -> bool:
    database = open_database(url)
    try:
        async with database.sessions() as session:
            return await partner_for_key(session, key) is not None
    finally:
        await database.close()


async def _rows(url: str) -> tuple[list[Partner], list[StaffAudit]]:
    database = open_database(url)
    try:
        async with database.sessions() as session:
            partners = list((await session.scalars(select(Partner))).all())
            audit = list((await session.scalars(select(StaffAudit).order_by(StaffAudit.id))).all())
            return partners, audit
    finally:
        await database.close()


def test_add_list_rekey_and_revoke(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, key, err = _run(capsys, "partners", "add", "--name", "Baghdad 311", "--by", "lead")
    assert status == 0 and key.startswith("mps311_") and len(key) > 40
    assert "cannot be shown again" in err
    [partner], _ = asyncio.run(_rows(database))
    assert partner.key_hash == key_hash(key) and key not in repr(vars(partner))
    assert asyncio.run(_works(database, key))
    assert _run(capsys, "partners", "add", "--name", " Baghdad   311 ")[0] == 1  # taken
    status, out, _ = _run(capsys, "partners", "list")
    assert status == 0 and out.startswith("1\tBaghdad 311\tadded ") and out.endswith("working")
    status, new_key, _ = _run(capsys, "partners", "rekey", "--name", "Baghdad 311")
    assert status == 0 and new_key != key
    assert not asyncio.run(_works(database, key)) and asyncio.run(_works(database, new_key))
    assert _run(capsys, "partners", "revoke", "--name", "Baghdad 311")[0] == 0
    assert not asyncio.run(_works(database, new_key))
    status, _, err = _run(capsys, "partners", "revoke", "--name", "Baghdad 311")
    assert status == 1 and "no working partner" in err
    assert "\trevoked " in _run(capsys, "partners", "list")[1]
    _, audit = asyncio.run(_rows(database))
    assert [(a.actor, a.action, a.target) for a in audit] == [
        ("admin:lead", "partner_add", "partner:1"),
        (audit[1].actor, "partner_rekey", "partner:1"),
        (audit[2].actor, "partner_revoke", "partner:1"),
    ]


def test_python_m_web_serves_open311_with_the_partners_key(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stations", "import", str(DEMO_REGISTRY)]) == 0
    assert main(["partners", "add", "--name", "Call centre"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    port = free_port()
    service = web_service(port, {"REFERENCE_SECRET": "web-test-reference-secret-0123456789"})
    start(service, tmp_path)
    base = f"http://127.0.0.1:{port}/open311/v2"
    try:
        assert wait_ready(service, timeout=60), log_tail(service)
        with urllib.request.urlopen(f"{base}/services.xml", timeout=10) as response:
            assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
            assert b"<service_code>noise</service_code>" in response.read()
        form = {"api_key": key, "service_code": "noise", "lat": "33.302", "long": "44.428"}
        form["description"] = "Music from the wedding hall until four in the morning."
        body = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(f"{base}/requests.json", body, timeout=10) as response:
            [created] = json.load(response)
        query = urllib.parse.urlencode({"api_key": key})
        with urllib.request.urlopen(f"{base}/requests.json?{query}", timeout=10) as response:
            [shown] = json.load(response)
        assert shown["service_request_id"] == created["service_request_id"]
        assert shown["agency_responsible"] == "Karrada Police Station"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/requests.json", timeout=10)
        assert refused.value.code == 403
        refused.value.close()
    finally:
        stop(service)
    log = (tmp_path / "web.log").read_text()
    assert "web ready" in log and "GET /open311/v2/requests.json 200" in log
    assert key not in log and "wedding" not in log


def test_python_m_web_refuses_to_start_without_a_reference_key(tmp_path: Path) -> None:
    env = {"REFERENCE_SECRET": "", "PSEUDONYM_SECRET": "", "DATABASE_URL": URL_OF.format(tmp_path)}
    service = web_service(free_port(), env)
    start(service, tmp_path)
    try:
        assert service.process is not None and service.process.wait(timeout=60) == 2
    finally:
        stop(service)
    assert "REFERENCE_SECRET" in (tmp_path / "web.log").read_text()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_partners_migration_goes_up_and_down(backend: str, tmp_path: Path) -> None:
    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    def down(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0006")

    database = await fresh_database(backend, tmp_path)  # at head
    try:
        async with database.engine.connect() as connection:
            assert "partners" in await connection.run_sync(tables)
        async with database.engine.begin() as connection:
            await connection.run_sync(down)
        async with database.engine.connect() as connection:
            assert "partners" not in await connection.run_sync(tables)
        await upgrade(database)
        async with database.engine.connect() as connection:
            assert "partners" in await connection.run_sync(tables)
    finally:
        await database.close()
