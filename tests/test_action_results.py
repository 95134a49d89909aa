"""The action server's answers are still checked after nlu.action_results swaps in a kept
validator (in the Rasa env): a good answer passes, a bad one is refused as before."""

from __future__ import annotations

import json
import subprocess

import pytest

from scripts.stack import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = """
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from nlu.channel import SafetyRestInput

original = RemoteAction._validate_action_result
SafetyRestInput()  # Rasa builds the channel at start: the validator is swapped in
action = RemoteAction("action_x", None)
good = {"events": [{"event": "slot", "name": "language", "value": "ar"}],
        "responses": [{"text": "مرحبا"}]}
bad = [{"events": "not a list"}, {"responses": "no"}, {"events": [{"no_event": 1}]}]
out = {"swapped": RemoteAction._validate_action_result is not original,
       "good": action._validate_action_result(good), "bad": []}
for answer in bad:
    for check in (original, RemoteAction._validate_action_result):
        try:
            check(action, answer)
            out["bad"].append(None)
        except ValidationError as error:
            out["bad"].append(str(error.message).endswith("/custom-actions"))
print(json.dumps(out))
"""


def test_action_answers_are_checked_as_rasa_checks_them() -> None:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa env is missing (`make setup` builds it)")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, check=True
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["swapped"] is True
    assert out["good"] is True
    # Every bad answer is refused by Rasa's own check and by the kept validator alike.
    assert out["bad"] == [True] * 6
