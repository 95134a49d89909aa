"""`make bench`: reply latency and throughput through the emulator.

The whole pipeline runs (emulator → bot → Rasa → action server). Latency is
measured inside the emulator, from the moment a user's message becomes an
update to the moment the bot's sendMessage arrives, so the client's own
polling does not count. Reports p50/p95/p99 sequentially and with 50
concurrent users, replies per second under load, and each process's RSS.
The last line is machine-readable.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from tests.e2e.stack_fixture import Stack, Telegram, running_stack

ROOT = Path(__file__).resolve().parent.parent
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", 300))
USERS = int(os.environ.get("BENCH_USERS", 50))
PER_USER = int(os.environ.get("BENCH_PER_USER", 12))


def _questions() -> list[str]:
    heldout = yaml.safe_load((ROOT / "build/eval/heldout.yml").read_text("utf-8"))["examples"]
    return [e["text"] for e in heldout]


def _latency(telegram: Telegram, user: int, text: str) -> float:
    message_id = telegram.say(user, text)
    reply = telegram.replies(user, message_id)[0]
    sent = next(m for m in telegram.transcript(user) if m["message_id"] == message_id)
    return (float(reply["created"]) - float(sent["created"])) * 1000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _rss_mb(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1])
    return total / 1024


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": _percentile(values, 0.50),
        "p95": _percentile(values, 0.95),
        "p99": _percentile(values, 0.99),
        "mean": statistics.fmean(values),
        "max": max(values),
    }


def run(stack: Stack) -> dict[str, object]:
    """Measure; returns the figures."""
    telegram, questions = stack.telegram, _questions()
    for i in range(10):  # warm-up
        _latency(telegram, 1, questions[i % len(questions)])
    sequential = [_latency(telegram, 2, questions[i % len(questions)]) for i in range(SEQUENTIAL)]
    # The same questions, each from a new user: conversations as short as real ones.
    fresh = [
        _latency(telegram, 10_000 + i, questions[i % len(questions)]) for i in range(SEQUENTIAL)
    ]

    def user_session(user: int) -> list[float]:
        client = Telegram(telegram.base)
        try:
            return [
                _latency(client, user, questions[(user * 7 + i) % len(questions)])
                for i in range(PER_USER)
            ]
        finally:
            client.client.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        concurrent = [
            v for values in pool.map(user_session, range(100, 100 + USERS)) for v in values
        ]
    elapsed = time.monotonic() - started
    rss = {
        s.name: _rss_mb(s.process.pid)
        for s in stack.services
        if s.process is not None and s.process.poll() is None
    }
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "sequential_ms": _summary(sequential),
        # Does a reply slow down as one conversation grows?
        "sequential_first_50_p50_ms": _percentile(sequential[:50], 0.50),
        "sequential_last_50_p50_ms": _percentile(sequential[-50:], 0.50),
        "fresh_users_ms": _summary(fresh),
        "concurrent_ms": _summary(concurrent),
        "concurrent_users": USERS,
        "replies_per_s": len(concurrent) / elapsed,
        "rss_mb": rss,
    }


def main() -> None:
    """Start the stack, measure, print and save."""
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        figures = run(stack)
    out = ROOT / "results" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    seq, conc = figures["sequential_ms"], figures["concurrent_ms"]
    assert isinstance(seq, dict) and isinstance(conc, dict)
    rss = figures["rss_mb"]
    assert isinstance(rss, dict)
    print(
        f"bench: seq_p50_ms={seq['p50']:.1f} seq_p95_ms={seq['p95']:.1f} "
        f"fresh_p95_ms={figures['fresh_users_ms']['p95']:.1f} "  # type: ignore[index]
        f"conc_p95_ms={conc['p95']:.1f} msgs_per_s={figures['replies_per_s']:.1f} "
        f"rss_mb={sum(rss.values()):.0f}"
    )


if __name__ == "__main__":
    main()
