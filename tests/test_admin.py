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
    assert main(["events", "add", "--station", "BGD-KRD", "--date", "2099-01-03",
                 "--start", "09:00", "--end", "13:00", "--capacity", "40"]) == 0  # fmt: skip
    assert "event 1: BGD-KRD 2099-01-03 09:00-13:00, 40 seats" in capsys.readouterr().out
    assert main(["events", "add", "--station", "BGD-KRD", "--date", "2099-01-03",
                 "--start", "14:00", "--end", "13:00", "--capacity", "40"]) == 1  # fmt: skip
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
