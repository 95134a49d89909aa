"""The load test's CPU accounting (tests/cpu_use.py): a process tree's CPU includes its
descendants', living or already reaped; per-message figures add up to the total."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cpu_use import per_message_ms, tree_seconds

# A child that starts a grandchild burning CPU, reaps it, then starts another that
# burns and waits: the tree's CPU must hold both, one reaped and one alive.
BURN = "import time\\nwhile time.process_time() < 0.3: pass\\nprint(time.process_time())"
PARENT = f"""
import subprocess, sys
done = subprocess.run([sys.executable, "-c", "{BURN}"], capture_output=True, text=True)
alive = subprocess.Popen([sys.executable, "-c", "{BURN}\\nimport sys; sys.stdin.read()"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
print(float(done.stdout) + float(alive.stdout.readline()), flush=True)
sys.stdin.read()
alive.stdin.close(); alive.wait()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_tree_counts_its_living_and_reaped_descendants() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdin is not None and parent.stdout is not None
        burnt = float(parent.stdout.readline())  # both grandchildren's own CPU seconds
        seconds = tree_seconds({"parent": parent.pid}, {"parent alone": parent.pid})
        parent.stdin.close()
        parent.wait(timeout=60)
    assert seconds["parent"] >= burnt - 0.02  # a clock tick or two of rounding
    assert seconds["parent alone"] < seconds["parent"] - burnt / 2


def test_per_message_figures_share_each_process_and_the_total() -> None:
    before = {"rasa-1": 10.0, "bot-1": 4.0, "bot-2": 6.0}
    after = {"rasa-1": 13.0, "bot-1": 5.5, "bot-2": 0.5, "emulator": 1.0}
    assert per_message_ms(before, after, 100) == {
        "rasa-1": 30.0,
        "bot-1": 15.0,
        "bot-2": 5.0,  # restarted in between: its new life
        "emulator": 10.0,  # started in between: all of it
        "total": 60.0,
    }
