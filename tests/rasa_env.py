"""Run a script in the Rasa env (.venv-rasa) from a test in the app env."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from scripts.stack import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def in_rasa(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON the script prints last (skips the test if the Rasa env is missing)."""
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa env (.venv-rasa) is not installed")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            **(env or {}),
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
