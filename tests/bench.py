"""`make bench`: reply latency and throughput through the emulator.

The whole pipeline runs (emulator → bot → Rasa → action server). Latency is
measured inside the emulator, from the moment a user's message becomes an
update to the moment the bot's sendMessage arrives, so the client's own
polling does not count. Reports p50/p95/p99 sequentially and with 50
concurrent users, replies per second under load, and each process's RSS.
It also drives load open-loop: new users' messages arrive at a fixed rate
(OPEN_RATES per second, OPEN_SECONDS each), whether or not earlier ones were
answered, and reports the latency distribution and the replies per second
achieved; and it times Rasa's `/model/parse` over HTTP. The Rasa process's
RSS is read after every scenario (over 1,000 messages in all).
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

import httpx
import yaml

from tests.e2e.stack_fixture import RASA_TOKEN, Stack, Telegram, running_stack

ROOT = Path(__file__).resolve().parent.parent
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", 300))
USERS = int(os.environ.get("BENCH_USERS", 50))
PER_USER = int(os.environ.get("BENCH_PER_USER", 12))
OPEN_RATES = [float(r) for r in os.environ.get("BENCH_OPEN_RATES", "15,30").split(",")]
OPEN_SECONDS = float(os.environ.get("BENCH_OPEN_SECONDS", 20))
PARSES = int(os.environ.get("BENCH_PARSES", 300))


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


def open_loop(telegram: Telegram, questions: list[str], rate: float, first_user: int) -> dict:
    """Messages from new users arriving every 1/rate seconds, answered or not."""
    count = int(rate * OPEN_SECONDS)
    clients = [Telegram(telegram.base) for _ in range(8)]

    def one(i: int) -> float:
        # Wait for this message's arrival time: the schedule never waits for replies.
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return _latency(clients[i % len(clients)], first_user + i, questions[i % len(questions)])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(count, 256)) as pool:
        latencies = list(pool.map(one, range(count)))
    elapsed = time.monotonic() - started
    for client in clients:
        client.client.close()
    return {"rate": rate, **_summary(latencies), "replies_per_s": count / elapsed}


def parse_times(stack: Stack, questions: list[str]) -> dict[str, float]:
    """Rasa's /model/parse over HTTP, one question at a time."""
    times = []
    with httpx.Client(timeout=30) as client:
        for i in range(PARSES):
            started = time.perf_counter()
            client.post(
                f"{stack.rasa_url}/model/parse",
                params={"token": RASA_TOKEN},
                json={"text": questions[i % len(questions)]},
            ).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return _summary(times)


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
    open_loop_runs = [
        open_loop(telegram, questions, rate, 200_000 + k * 100_000)
        for k, rate in enumerate(OPEN_RATES)
    ]
    parse = parse_times(stack, questions)
    messages = 10 + 2 * SEQUENTIAL + USERS * PER_USER + int(sum(OPEN_RATES) * OPEN_SECONDS)
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
        "open_loop": open_loop_runs,
        "parse_ms": parse,
        "messages": messages,
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
        f"rss_mb={sum(rss.values()):.0f} rasa_rss_mb={rss.get('rasa', 0):.0f} "
        f"parse_p95_ms={figures['parse_ms']['p95']:.1f} "  # type: ignore[index]
        + " ".join(
            f"open{int(r['rate'])}_p95_ms={r['p95']:.0f} "
            f"open{int(r['rate'])}_per_s={r['replies_per_s']:.1f}"
            for r in figures["open_loop"]  # type: ignore[attr-defined]
        )
    )


if __name__ == "__main__":
    main()
