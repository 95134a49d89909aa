"""One line on Rasa's story tests for `make test`, read from their report:
`python scripts/story_summary.py results/stories/story_report.json EXIT_CODE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summary(report: Path, exit_code: int) -> str:
    """The line "stories: N passed, M failed", or why there is no such count."""
    if not report.exists():
        return f"stories: not run (make validate test-stories exited {exit_code})"
    stories = json.loads(report.read_text(encoding="utf-8"))["conversation_accuracy"]
    correct, total = int(stories["correct"]), int(stories["total"])
    return f"stories: {correct} passed, {total - correct} failed"


if __name__ == "__main__":
    print(summary(Path(sys.argv[1]), int(sys.argv[2])))
