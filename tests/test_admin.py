"""The admin console: import, invite, events, with a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin import main
from tests.conftest import DEMO_REGISTRY


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/admin.db")
    return tmp_path


def test_import_list_invite_and_events(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stations", "import", str(DEMO_REGISTRY)]) == 0
    assert "imported 10 stations: 10 new, 0 updated (DEMO data" in capsys.readouterr().out
    assert main(["stations", "import", str(DEMO_REGISTRY), "--if-empty"]) == 0
    assert "nothing imported" in capsys.readouterr().out
    assert main(["stations", "list"]) == 0
    assert "BGD-KRD\tbaghdad\tKarrada Police Station" in capsys.readouterr().out
    assert main(["staff", "invite", "--station", "bgd-krd"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == 8
    assert main(["staff", "invite", "--station", "XXX"]) == 1
    assert "no station 'XXX'" in capsys.readouterr().err
    assert (
        main(
            [
                "events",
                "add",
                "--station",
                "BGD-KRD",
                "--date",
                "2099-01-03",
                "--start",
                "09:00",
                "--end",
                "13:00",
                "--capacity",
                "40",
            ]
        )
        == 0
    )
    assert "event 1: BGD-KRD 2099-01-03 09:00-13:00, 40 seats" in capsys.readouterr().out
    assert (
        main(
            [
                "events",
                "add",
                "--station",
                "BGD-KRD",
                "--date",
                "2099-01-03",
                "--start",
                "14:00",
                "--end",
                "13:00",
                "--capacity",
                "40",
            ]
        )
        == 1
    )
    assert "end time must be after the start time" in capsys.readouterr().err
    assert main(["events", "list"]) == 0
    assert "40/40 seats left" in capsys.readouterr().out


def test_a_bad_registry_imports_nothing(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = database / "bad.yml"
    text = DEMO_REGISTRY.read_text(encoding="utf-8")
    text = text.replace("governorate: basra", "governorate: x")
    bad.write_text(text, encoding="utf-8")
    assert main(["stations", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("unknown governorate 'x'") == 2
    assert "nothing imported: 2 problem(s)" in err
    assert main(["stations", "list"]) == 0
    assert capsys.readouterr().out == ""


def _join(path: Path, code: str, chat: int, user: int) -> None:
    """What `/join CODE` does, straight on the database."""
    import asyncio
    import datetime as dt

    from mps.database import open_database
    from mps.staff import JoinResult, join

    async def run() -> None:
        database = open_database(f"sqlite+aiosqlite:///{path}/admin.db")
        async with database.sessions.begin() as session:
            result, _ = await join(session, code, chat, user, dt.datetime.now(dt.UTC))
            assert result is JoinResult.JOINED
        await database.close()

    asyncio.run(run())


def test_list_and_revoke_access_with_an_audit(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stations", "import", str(DEMO_REGISTRY)]) == 0
    capsys.readouterr()
    codes = []
    for extra in ([], ["--unit", "fcpu"], []):
        assert main(["staff", "invite", "--station", "BGD-KRD", *extra]) == 0
        codes.append(capsys.readouterr().out.strip())
    _join(database, codes[0], -100, 555000111)
    _join(database, codes[1], 555000222, 555000222)
    assert main(["staff", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:4] for line in out] == [
        ["#1", "555000111", "BGD-KRD", "-"],
        ["#2", "555000222", "BGD-KRD", "fcpu"],
    ]
    assert main(["chats", "list", "--station", "bgd-krd"]) == 0
    assert [line.split("\t")[:3] for line in capsys.readouterr().out.splitlines()] == [
        ["-100", "BGD-KRD", "group"],
        ["555000222", "BGD-KRD", "private"],
    ]
    assert main(["invites", "list"]) == 0
    assert capsys.readouterr().out.split("\t")[:2] == [codes[2], "BGD-KRD"]

    assert main(["staff", "remove", "--user", "555000222", "--by", "chief"]) == 0
    assert "removed user 555000222 from BGD-KRD" in capsys.readouterr().out
    assert main(["staff", "remove", "--user", "555000222"]) == 1
    assert "is not staff" in capsys.readouterr().err
    assert main(["chats", "unbind", "--chat", "-100", "--by", "chief"]) == 0
    assert main(["chats", "unbind", "--chat", "-100"]) == 1
    assert main(["invites", "revoke", "--code", codes[2], "--by", "chief"]) == 0
    assert main(["invites", "revoke", "--code", codes[2]]) == 1
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    assert [line.split("\t")[:2] for line in capsys.readouterr().out.splitlines()] == [
        ["#1", "555000111"]
    ]
    for command in (["chats", "list"], ["invites", "list"]):
        assert main(command) == 0
        assert capsys.readouterr().out == ""
    assert main(["audit", "list"]) == 0
    audit = [line.split("\t")[1:5] for line in capsys.readouterr().out.splitlines()]
    assert audit == [
        ["admin:chief", "invite_revoke", "BGD-KRD", f"invite:{codes[2]}"],
        ["admin:chief", "chat_unbind", "BGD-KRD", "chat:-100"],
        ["admin:chief", "chat_unbind", "BGD-KRD", "chat:555000222"],
        ["admin:chief", "staff_remove", "BGD-KRD", "user:555000222"],
    ]
    assert main(["outbox", "dead"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["outbox", "retry", "--id", "1"]) == 1
