"""The Rasa server's Prometheus metrics (Rasa 3.6 has none of its own): each turn's
latency and the turns that failed, by channel. Labels hold the channel's name and
an error kind only, never a sender id or a text. Served on /metrics by
nlu/probes.py (per Sanic worker; `rasa run` starts one)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds: most turns take tens of milliseconds; the bot gives up after RASA_TIMEOUT (8 s).
TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
ERRORS = ("timeout", "exception")

TURN_SECONDS = Histogram(
    "mps_rasa_turn_seconds",
    "One turn through a channel: the message handled and its replies collected",
    ["channel"],
    buckets=TURN_BUCKETS,
)
TURN_ERRORS = Counter(
    "mps_rasa_turn_errors",
    "Turns that failed, by channel and error (timeout: cancelled; exception: raised)",
    ["channel", "error"],
)


def declare(channel: str) -> None:
    """Show a channel's series at 0 before its first turn (a rate needs a start)."""
    TURN_SECONDS.labels(channel)
    for error in ERRORS:
        TURN_ERRORS.labels(channel, error)
