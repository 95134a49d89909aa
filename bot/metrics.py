"""The bot's Prometheus metrics (default registry); labels hold kinds only, never a
user, a chat or a text. The outbox's gauges are read on scrape
(bot/outbox_metrics.py); bot/probes.py serves them all on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds: a turn is usually answered in well under a second, and Rasa's timeout is 8 s.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)

UPDATES_IN = Counter(
    "mps_bot_updates",
    "Updates received from Telegram, by kind (message, callback, member)",
    ["kind"],
)
REPLIES_OUT = Counter(
    "mps_bot_replies",
    "Replies sent in a conversation, by kind (text, photo, ticket, …)",
    ["kind"],
)
REPLY_SECONDS = Histogram(
    "mps_bot_reply_seconds",
    "From a turn reaching Rasa to its last reply sent",
    buckets=LATENCY_BUCKETS,
)
RASA_SECONDS = Histogram(
    "mps_bot_rasa_seconds",
    "One call to Rasa's REST channel, by outcome (ok, unavailable)",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)
TELEGRAM_429 = Counter(
    "mps_bot_telegram_429",
    "Telegram's 429 answers, by sender (reply, outbox, reminder, typing)",
    ["sender"],
)
RATE_LIMITED = Counter(
    "mps_bot_rate_limited",
    "Updates refused by the per-user limits, by limit (message, join)",
    ["limit"],
)
JOURNAL_REPLAYED = Counter(
    "mps_bot_journal_replayed",
    "Updates taken over from a replica that stopped before handling them (the journal)",
)
JOURNAL_UNWRITTEN = Counter(
    "mps_bot_journal_unwritten",
    "Updates handled without a journal entry because Redis could not be written",
)
