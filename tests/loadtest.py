"""`make loadtest`: `make stack` under open-loop load and faults, through the emulator.

scripts/topology.py starts the production topology (BOT_REPLICAS bots in webhook mode,
RASA_REPLICAS Rasa servers and the action servers behind nginx) against the project's
Bot API emulator; tests/webhook_relay.py posts each update to nginx as Telegram does.
PostgreSQL and Redis are private to the run (scripts/backing.py: a cluster initdb'd
into a temporary folder, a redis-server on a spare port), so restarting them harms no
other user of the machine.

New short conversations (a greeting, one or two questions, a station question,
thanks) start at a fixed rate whatever the replies do; each user answers a reply
after THINK seconds, and gives up after REPLY_TIMEOUT. The rate counts messages per
second: conversations start at rate / 4.5 a second, 4.5 being the messages of one on
average; `sent_per_s` is what was offered while they arrived (lower when replies are
slow: each user waits for the last reply before the next message). Latency is
measured inside the emulator, from the update to the first bot message in that
chat. For each of LOADTEST_REPLICAS (bots = Rasa servers = n): rates
15, 30 and 60 for LOADTEST_SECONDS each, then a search for the highest rate with
p95 <= 1 s and no message unanswered. Then, on the last replica count, a 30/s run per
fault (SIGKILL a bot, SIGKILL a Rasa server, restart PostgreSQL, restart Redis, 60 s
of 429 from sendMessage) in which some users file reports and book visits: each must
arrive exactly once (cards in the staff group, rows in the database).

Writes var/loadtest.json; the last line is machine-readable.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from mps.catalogue import Catalogue
from scripts.backing import PrivateBacking as Backing
from scripts.backing import free_port, until
from scripts.stack import ROOT, start, stop, wait_ready
from scripts.stack_settings import DEFAULT_ROUTING
from scripts.topology import listening, start_topology, stop_topology
from tests.cpu_use import per_message_ms, tree_seconds
from tests.e2e.stack_fixture import emulator_service
from tests.webhook_relay import WebhookRelay

SECONDS = float(os.environ.get("LOADTEST_SECONDS", 60))
REPLICAS = [int(n) for n in os.environ.get("LOADTEST_REPLICAS", "1,2").split(",")]
# LOADTEST_RATES="" runs the faults alone; LOADTEST_FAULT_RATE lower than 30 lets the
# forms finish on a machine that cannot keep up with 30 a second.
RATES = [float(r) for r in os.environ.get("LOADTEST_RATES", "15,30,60").split(",") if r]
FAULT_RATE = float(os.environ.get("LOADTEST_FAULT_RATE", 30))
FAULTS = os.environ.get("LOADTEST_FAULTS", "1") != "0"  # 0: the rates alone
# Users who send two messages at the same moment, after the rates (lock waits).
PAIRS = int(os.environ.get("LOADTEST_PAIRS", 20))
PAIR_TEXTS = ("hello", "thanks")  # one reply each
LOCK_WAIT = re.compile(r"a turn waited ([0-9.]+) s for an earlier turn")  # nlu/lock_store.py
FAULT_429_SECONDS = 60.0
SEARCH_STEPS = int(os.environ.get("LOADTEST_SEARCH_STEPS", 3))
TARGET_P95_MS = 1000.0
THINK = 1.0  # a user reads the reply before answering
REPLY_TIMEOUT = 30.0  # then the user gives up (the message counts as lost unless answered later)
DRAIN_SECONDS = 60.0  # after a phase, late replies still count
TOKEN = "123456:loadtest-token"
SECRET = "loadtest-webhook-secret-" + "x" * 16
STAFF_GROUP, STAFF_USER = -9100, 9101  # Karrada's staff group and its member
TEXTS = Catalogue.load_dir()
REFERENCE = re.compile(r"MPS-[A-Z0-9]{4}-[A-Z0-9]{2}")
BOOKING_CODE = re.compile(r"Your code is ([A-Z0-9]{6})")
GREETINGS = ["hello", "hi", "good morning", "salam", "hello there"]
QUESTIONS = [
    "what are your opening hours?",
    "how do I get a police clearance certificate?",
    "I lost my ID card, what should I do?",
    "how can I complain about a police officer?",
    "what is the emergency number?",
    "what are the rights of a detainee?",
    "someone is blackmailing me online, what can I do?",
    "how do I report a missing person?",
]
STATIONS = [
    "police station in Mansour",
    "where is the nearest station to Karrada",
    "which station covers Ankawa",
    "station in Adhamiya",
]
THANKS = ["thanks", "thank you", "thanks a lot"]


def say(message: str) -> None:
    """One progress line on stderr (stdout keeps the summary)."""
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def label(key: str) -> str:
    return str(TEXTS[key]["en"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if values else 0


# -- the topology -------------------------------------------------------------


@dataclass
class Topology:
    """A running scripts/topology.py and what drives it."""

    process: subprocess.Popen[bytes]
    var: Path
    emulator: str
    env: dict[str, str]

    def processes(self) -> list[dict[str, Any]]:
        state = json.loads((self.var / "stack.json").read_text(encoding="utf-8"))
        return list(state["processes"])

    def kill(self, name: str) -> None:
        [process] = [p for p in self.processes() if p["name"] == name]
        os.killpg(process["pid"], signal.SIGKILL)

    def admin(self, *args: str) -> str:
        done = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "-m", "bot.admin", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def lock_waits(self) -> dict[str, list[float]]:
        """Each Rasa replica's lock waits so far, in seconds, from its log."""
        return {
            log.name: [float(w) for w in LOCK_WAIT.findall(log.read_text(errors="replace"))]
            for log in sorted((self.var / "log").glob("rasa-*.log"))
        }

    def rss_mb(self) -> float:
        """Resident memory of every process of the topology (each replica's whole group)."""
        groups = {p["pid"] for p in self.processes() if p["pid"]}
        total = 0
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                pgid = int(status.read_text().rsplit(")", 1)[1].split()[2])
                if pgid in groups:
                    rss = (status.parent / "status").read_text().split("VmRSS:")[1].split()[0]
                    total += int(rss)
            except (OSError, IndexError, ValueError):
                continue
        return total / 1024


@contextmanager
def topology(backing: Backing, emulator: str, replicas: int, var: Path) -> Iterator[Topology]:
    """`make stack` with `replicas` bots and Rasa servers (one action server per Rasa)."""
    webhook_port = free_port()
    env = {
        **os.environ,
        "BOT_REPLICAS": str(replicas),
        "RASA_REPLICAS": str(replicas),
        "ACTION_REPLICAS": str(replicas),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"{emulator}/bot",
        "TELEGRAM_FILE_URL": f"{emulator}/file/bot",
        "WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(webhook_port),
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_PORT": str(free_port()),
        "DATABASE_URL": backing.database_url,
        "REDIS_URL": backing.redis_url,
        "STAFF_LANGUAGE": "en",
        "TIMEZONE": "Asia/Baghdad",
        # The emulator does not limit; the load, not the bot's own limiter, is measured.
        "TELEGRAM_MAX_RATE": os.environ.get("TELEGRAM_MAX_RATE", "0"),
        "TELEGRAM_GROUP_MAX_RATE": os.environ.get("TELEGRAM_GROUP_MAX_RATE", "0"),
        "TELEGRAM_CHAT_MAX_RATE": os.environ.get("TELEGRAM_CHAT_MAX_RATE", "0"),
        "RATE_MESSAGES_PER_MINUTE": "100000",
        "RATE_REPORTS_PER_DAY": "100000",
        "RATE_CALLBACKS_PER_DAY": "100000",
        "RATE_JOINS_PER_HOUR": "100000",
    }
    env.setdefault("PSEUDONYM_SECRET", "loadtest-pseudonym-secret-0123456789")
    env.setdefault("REFERENCE_SECRET", "loadtest-reference-secret-0123456789")
    process, output = start_topology(var, env)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"make stack exited:\n{output.read_text()[-3000:]}")
        return "stack ready" in output.read_text(errors="replace")

    try:
        until(ready, 900, "make stack")
        with WebhookRelay(f"{emulator}/bot{TOKEN}", env["WEBHOOK_URL"], SECRET, 64):
            yield Topology(process, var, emulator, env)
    finally:
        stop_topology(process)


# -- the load -----------------------------------------------------------------


class NoReply(Exception):
    """The user gave up waiting."""


@dataclass
class Load:
    """Users talking to the emulator; the first replies the emulator recorded."""

    base: str
    http: aiohttp.ClientSession
    # (chat, message id) → (the phase's start, when it was sent); all times are the
    # machine's monotonic clock, which the emulator's times share.
    sent: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    answered: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    waiters: dict[tuple[int, int], asyncio.Future[None]] = field(default_factory=dict)
    cursor: int = 0
    users: Iterator[int] = field(default_factory=lambda: itertools.count(1_000_001))
    # CPU seconds so far of each process of the run, by name (tests/cpu_use.py).
    cpu: Callable[[], dict[str, float]] | None = None

    async def poll(self) -> None:
        """Collect first replies from the emulator, and wake the users waiting on them."""
        while True:
            try:
                async with self.http.get(
                    f"{self.base}/_emu/first_replies", params={"since": self.cursor}
                ) as response:
                    body = await response.json()
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
                continue
            self.cursor = body["next"]
            for chat, message_id, asked, replied in body["replies"]:
                self.answered[(chat, message_id)] = (asked, replied)
                waiter = self.waiters.pop((chat, message_id), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
            await asyncio.sleep(0.05)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.base}{path}", json=body) as response:
            response.raise_for_status()
            result: dict[str, Any] = await response.json()
            return result

    async def say(self, user: int, text: str, phase: float) -> int:
        """Send text and wait for the first reply (NoReply after REPLY_TIMEOUT)."""
        message_id = int(
            (await self.post(f"/_emu/users/{user}/text", {"text": text}))["message_id"]
        )
        key = (user, message_id)
        self.sent[key] = (phase, time.monotonic())
        if key not in self.answered:
            waiter = self.waiters[key] = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(waiter, REPLY_TIMEOUT)
            except TimeoutError:
                self.waiters.pop(key, None)
                raise NoReply from None
        await asyncio.sleep(THINK)
        return message_id

    async def turn(self, user: int, after: int) -> list[dict[str, Any]]:
        """The bot's messages in a user's chat after `after`, once it has paused."""
        params = {"after": after, "quiet": 1.0, "timeout": REPLY_TIMEOUT}
        async with self.http.get(f"{self.base}/_emu/chats/{user}/wait", params=params) as r:
            messages: list[dict[str, Any]] = await r.json()
        if not messages:
            raise NoReply(f"no reply after message {after}")
        return messages

    async def press(self, user: int, messages: list[dict[str, Any]], title: str) -> int:
        """Press the button titled `title` on the latest message that has it."""
        for message in reversed(messages):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                if button["text"] == title or title in button["text"]:
                    body = {"message_id": message["message_id"], "data": button["callback_data"]}
                    await self.post(f"/_emu/users/{user}/press", body)
                    return int(messages[-1]["message_id"])
        raise NoReply(f"no button {title!r} in {[m['text'][:50] for m in messages]}")

    async def chat(self, user: int, i: int, phase: float) -> None:
        """A short conversation: a greeting, one or two questions, a station, thanks."""
        script = [GREETINGS[i % len(GREETINGS)], QUESTIONS[i % len(QUESTIONS)]]
        if i % 2:
            script.append(QUESTIONS[(i * 3 + 1) % len(QUESTIONS)])
        script += [STATIONS[i % len(STATIONS)], THANKS[i % len(THANKS)]]
        for text in script:
            await self.say(user, text, phase)

    async def file_report(self, user: int, phase: float) -> str:
        """File a report through the form; its reference."""
        first = await self.post(
            f"/_emu/users/{user}/text", {"text": "someone stole my bike in Karrada yesterday"}
        )
        messages = await self.turn(user, int(first["message_id"]))
        second = await self.post(
            f"/_emu/users/{user}/text", {"text": "A blue bike locked outside the bakery."}
        )
        messages = await self.turn(user, int(second["message_id"]))
        for title in ("report_no_photo", "report_consent_yes", "report_send"):
            last = await self.press(user, messages, label(title))
            messages = await self.turn(user, last)
        found = REFERENCE.search(" ".join(m["text"] for m in messages))
        if found is None:
            raise NoReply(f"no reference in {[m['text'][:50] for m in messages]}")
        return found[0]

    async def book(self, user: int, phase: float) -> str:
        """Book Mansour's Open House for one; the booking code."""
        asked = await self.post(
            f"/_emu/users/{user}/text", {"text": "book a visit to Mansour station for 1 person"}
        )
        messages = await self.turn(user, int(asked["message_id"]))
        if "Shall I book it?" not in messages[-1]["text"]:  # the form asked for the day
            messages = await self.turn(user, await self.press(user, messages, "Sun"))
        messages = await self.turn(user, await self.press(user, messages, label("yes_book")))
        found = BOOKING_CODE.search(" ".join(m["text"] for m in messages))
        if found is None:
            raise NoReply(f"no booking code in {[m['text'][:50] for m in messages]}")
        return found[1]


@dataclass
class Filings:
    """What the users of a fault run were told was filed or booked."""

    references: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    unfinished: int = 0
    why: list[str] = field(default_factory=list)  # the first few reasons, to debug a flow


async def drive(
    load: Load,
    rate: float,
    seconds: float,
    filings: Filings | None = None,
    fault: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """New conversations at `rate` messages per second for `seconds`; the figures."""
    phase = time.monotonic()
    cpu_before = load.cpu() if load.cpu is not None else None
    per_chat = 4.5  # messages in a conversation, on average
    count = max(1, int(rate * seconds / per_chat))
    tasks: list[asyncio.Task[None]] = []

    async def one(i: int) -> None:
        user = next(load.users)
        try:
            if filings is not None and i % 10 == 3:
                filings.references.append(await load.file_report(user, phase))
            elif filings is not None and i % 10 == 8:
                filings.codes.append(await load.book(user, phase))
            else:
                await load.chat(user, i, phase)
        except (NoReply, aiohttp.ClientError, TimeoutError) as error:
            if filings is not None and i % 5 == 3:
                filings.unfinished += 1
                filings.why = [*filings.why, f"{type(error).__name__}: {error}"][:3]

    async def inject() -> None:  # a third into the run, beside the arrivals
        await asyncio.sleep(seconds / 3)
        if fault is not None:
            await asyncio.to_thread(fault)

    injected = asyncio.create_task(inject())
    for i in range(count):
        delay = phase + i * per_chat / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    end = max(time.monotonic(), phase + seconds)
    await asyncio.gather(injected, *tasks)
    await settle(load, phase)
    result = figures(load, phase, end)
    if load.cpu is not None and cpu_before is not None:
        result["cpu_ms_per_msg"] = per_message_ms(cpu_before, load.cpu(), result["messages"])
        result["phase_s"] = round(time.monotonic() - phase, 1)  # arrivals and draining
    return result


async def idle_cpu(load: Load, seconds: float = 10.0) -> dict[str, float]:
    """CPU milliseconds per second of each process with no load at all (its fixed cost,
    part of each phase's cpu_ms_per_msg: phase_s of it, shared by the messages)."""
    if load.cpu is None:
        return {}
    before = load.cpu()
    await asyncio.sleep(seconds)
    return per_message_ms(before, load.cpu(), round(seconds))


async def settle(load: Load, phase: float) -> None:
    """Wait for late replies: until every message of the phase is answered, or nothing
    new came for 10 s, or DRAIN_SECONDS passed."""
    deadline, last, seen = time.monotonic() + DRAIN_SECONDS, time.monotonic(), -1
    while time.monotonic() < deadline and time.monotonic() - last < 10:
        mine = [k for k, (p, _) in load.sent.items() if p == phase]
        answered = sum(k in load.answered for k in mine)
        if answered == len(mine):
            return
        if answered != seen:
            seen, last = answered, time.monotonic()
        await asyncio.sleep(0.5)


def figures(load: Load, phase: float, end: float) -> dict[str, Any]:
    """Latency (update to first reply); messages sent and replies per second while
    conversations arrived (from `phase` to `end`: later, conversations only finish);
    messages never answered; the longest time with no reply at all."""
    mine = {k: at for k, (p, at) in load.sent.items() if p == phase}
    times = [load.answered[k] for k in mine if k in load.answered]
    latencies = [(replied - asked) * 1000 for asked, replied in times]
    replied = sorted(r for _, r in times)
    points = [phase, *replied]
    return {
        "messages": len(mine),
        "sent_per_s": round(sum(at <= end for at in mine.values()) / (end - phase), 1),
        "p50_ms": round(percentile(latencies, 0.50)),
        "p95_ms": round(percentile(latencies, 0.95)),
        "p99_ms": round(percentile(latencies, 0.99)),
        "max_ms": round(max(latencies, default=0)),
        "replies_per_s": round(sum(r <= end for r in replied) / (end - phase), 1),
        "no_reply": len(mine) - len(times),
        "longest_gap_s": round(max((b - a for a, b in itertools.pairwise(points)), default=0), 1),
    }


def passes(result: dict[str, Any]) -> bool:
    return bool(result["p95_ms"] <= TARGET_P95_MS and result["no_reply"] == 0)


async def search(load: Load, results: dict[float, dict[str, Any]]) -> float:
    """The highest rate with p95 <= 1 s and nothing unanswered (rates tried are added)."""
    good = max((r for r, f in results.items() if passes(f)), default=0.0)
    bad = min((r for r, f in results.items() if not passes(f)), default=None)
    for _ in range(SEARCH_STEPS):
        rate = good * 1.5 if bad is None else (good + bad) / 2
        if rate == 0 or (bad is not None and bad - good <= max(3.0, good * 0.1)):
            break
        rate = round(rate, 1)
        say(f"search: {rate}/s")
        results[rate] = await drive(load, rate, SECONDS)
        say(f"  {results[rate]}")
        if passes(results[rate]):
            good = rate
        else:
            bad = rate
    return good


def cpu_meter(
    top: Topology, backing: Backing, emulator: subprocess.Popen[bytes]
) -> Callable[[], dict[str, float]]:
    """CPU seconds so far of every process of the run: each replica (with its workers),
    nginx, the emulator, Redis, PostgreSQL, and this driver (with the relay's threads)."""

    def read() -> dict[str, float]:
        trees = {p["name"]: p["pid"] for p in top.processes() if p["pid"]}
        trees["emulator"] = emulator.pid
        if backing.redis is not None:
            trees["redis"] = backing.redis.pid
        postmaster = backing.folder / "pg" / "postmaster.pid"
        trees["postgres"] = int(postmaster.read_text().split()[0])
        alone = {"driver": os.getpid(), "topology": top.process.pid}
        return tree_seconds(trees, alone)

    return read


async def run_rates(
    emulator: str, top: Topology, cpu: Callable[[], dict[str, float]] | None = None
) -> dict[str, Any]:
    """Rates 15, 30, 60, then the search, on one topology."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400)) as http:
        load = Load(emulator, http, cpu=cpu)
        poller = asyncio.create_task(load.poll())
        await drive(load, 2, 10)  # warm-up: every replica has loaded and answered
        idle = await idle_cpu(load)
        results: dict[float, dict[str, Any]] = {}
        for rate in RATES:
            say(f"rate {rate}/s for {SECONDS:.0f} s")
            before = top.lock_waits()
            results[rate] = await drive(load, rate, SECONDS)
            results[rate].update(waits_since(top, before))
            say(f"  {results[rate]}")
        rss = top.rss_mb()
        best = await search(load, results) if results else 0.0
        pairs = await double_messages(load, top, PAIRS) if PAIRS else {}
        poller.cancel()
    return {
        "rates": {str(r): f for r, f in sorted(results.items())},
        "max_rps": best,
        "rss_mb": round(rss),
        "double_messages": pairs,
        "idle_cpu_ms_per_s": idle,
    }


def waits_since(top: Topology, before: dict[str, list[float]]) -> dict[str, Any]:
    """How many turns waited for Rasa's lock since `before`, and how long (ms)."""
    now = top.lock_waits()
    waits = [w * 1000 for log, seen in now.items() for w in seen[len(before.get(log, [])) :]]
    return {
        "lock_waits": len(waits),
        "lock_wait_p50_ms": round(percentile(waits, 0.50)),
        "lock_wait_p95_ms": round(percentile(waits, 0.95)),
    }


async def double_messages(load: Load, top: Topology, count: int) -> dict[str, Any]:
    """`count` users, two a second, each send two messages at the same moment (two
    lines typed fast): Rasa's lock runs the second turn after the first. How long
    until both were answered, and the lock waits."""
    before = top.lock_waits()

    async def one(user: int) -> float | None:
        started = time.monotonic()
        sent = await asyncio.gather(
            *(load.post(f"/_emu/users/{user}/text", {"text": text}) for text in PAIR_TEXTS)
        )
        params = {"after": max(int(m["message_id"]) for m in sent), "count": 2}
        url = f"{load.base}/_emu/chats/{user}/wait"
        async with load.http.get(url, params={**params, "timeout": REPLY_TIMEOUT}) as response:
            answered = len(await response.json()) >= 2
        return (time.monotonic() - started) * 1000 if answered else None

    tasks = []
    for _ in range(count):
        tasks.append(asyncio.create_task(one(next(load.users))))
        await asyncio.sleep(0.5)
    both = await asyncio.gather(*tasks)
    done = [ms for ms in both if ms is not None]
    result = {
        "pairs": count,
        "not_both_answered": count - len(done),
        "both_answered_p50_ms": round(percentile(done, 0.50)),
        "both_answered_p95_ms": round(percentile(done, 0.95)),
        **waits_since(top, before),
    }
    say(f"double messages: {result}")
    return result


async def run_faults(emulator: str, top: Topology, backing: Backing) -> dict[str, Any]:
    """A 30/s run per fault; messages lost, duplicate cards, reports and bookings."""
    seconds_429 = min(FAULT_429_SECONDS, SECONDS)
    faults: dict[str, Callable[[], object]] = {
        "kill_bot": lambda: top.kill("bot-1"),
        "kill_rasa": lambda: top.kill("rasa-1"),
        "restart_postgres": backing.restart_postgres,
        "restart_redis": backing.restart_redis,
        "telegram_429": lambda: _http_post(
            f"{emulator}/_emu/faults",
            {"method": "sendMessage", "status": 429, "retry_after": 5, "seconds": seconds_429},
        ),
    }
    out: dict[str, Any] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400)) as http:
        load = Load(emulator, http)
        poller = asyncio.create_task(load.poll())
        for name, fault in faults.items():
            say(f"fault {name} during {FAULT_RATE}/s for {SECONDS:.0f} s")
            filings = Filings()
            result = await drive(load, FAULT_RATE, SECONDS, filings, fault)
            await asyncio.to_thread(wait_for_ready, top)
            result.update(await asyncio.to_thread(exactly_once, load, backing, filings))
            out[name] = result
            say(f"  {result}")
        poller.cancel()
    return out


def _http_post(url: str, body: dict[str, Any]) -> None:
    httpx.post(url, json=body, timeout=10).raise_for_status()


def ready(process: dict[str, Any]) -> bool:
    """nginx listens; any other replica answers 200 on its /readyz (a bot's on its
    metrics port): up, and its database, Redis, Rasa or model there."""
    if process["role"] == "nginx":
        return listening(process["port"])
    port = process["metrics_port"] or process["port"]
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for_ready(top: Topology) -> None:
    """Before the next fault: every replica is ready again (the supervisor restarts the
    killed ones; the restarted database or Redis is back)."""
    until(lambda: all(ready(p) for p in top.processes()), 300, "every replica ready")


def exactly_once(load: Load, backing: Backing, filings: Filings) -> dict[str, Any]:
    """Each report filed has one card in the staff group and one row; each booking one row."""
    time.sleep(5)  # the outbox's next round
    staff = httpx.get(f"{load.base}/_emu/chats/{STAFF_GROUP}/messages", timeout=30).json()
    cards = [m["text"] for m in staff if m["sender"] == "bot" and m["text"].startswith("Report ")]
    per_ref = {
        ref: sum(c.startswith(f"Report {ref}") for c in cards) for ref in filings.references
    }
    quoted = ",".join(f"'{r}'" for r in filings.references) or "''"
    rows = dict(
        backing.sql(
            f"SELECT reference, count(*) FROM reports WHERE reference IN "
            f"({quoted}) GROUP BY reference"
        )
    )
    booked = ",".join(f"'{c}'" for c in filings.codes) or "''"
    booking_rows = dict(
        backing.sql(f"SELECT code, count(*) FROM bookings WHERE code IN ({booked}) GROUP BY code")
    )
    return {
        "reports": len(filings.references),
        "bookings": len(filings.codes),
        "unfinished_filings": filings.unfinished,
        "why_unfinished": filings.why,
        "reports_without_card": sum(n == 0 for n in per_ref.values()),
        "dup_cards": sum(max(0, n - 1) for n in per_ref.values()),
        "report_rows_not_once": sum(rows.get(r) != "1" for r in filings.references),
        "booking_rows_not_once": sum(booking_rows.get(c) != "1" for c in filings.codes),
    }


def prepare(top: Topology, emulator: str) -> None:
    """Karrada's staff group, and an Open House at Mansour on a Sunday two or more days on."""
    code = top.admin("staff", "invite", "--station", "BGD-KRD").split()[0]
    _http_post(
        f"{emulator}/_emu/users/{STAFF_USER}/text",
        {"text": f"/join {code}", "chat_id": STAFF_GROUP},
    )
    joined = f"{emulator}/_emu/chats/{STAFF_GROUP}/wait?count=1&timeout=60"
    [reply] = httpx.get(joined, timeout=90).json()[:1]
    assert "is now the staff chat of" in reply["text"], reply["text"]
    sunday = dt.date.today() + dt.timedelta(days=(6 - dt.date.today().weekday()) % 7 or 7)
    if sunday - dt.date.today() < dt.timedelta(days=2):
        sunday += dt.timedelta(days=7)
    top.admin(
        "events",
        "add",
        "--station",
        "BGD-MNS",
        "--date",
        sunday.isoformat(),
        "--start",
        "09:00",
        "--end",
        "13:00",
        "--capacity",
        "10000",
    )


def main() -> int:
    """Start the emulator and private stores; each replica count; the faults; report."""
    var = ROOT / "var" / "loadtest"
    shutil.rmtree(var, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="mps-loadtest-"))
    os.chmod(folder, 0o755)
    backing = Backing(folder)
    emulator_svc = emulator_service(free_port())
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "seconds_per_rate": SECONDS,
        "rasa_routing": os.environ.get("RASA_ROUTING") or DEFAULT_ROUTING,
        "replicas": {},
    }
    try:
        backing.start()
        start(emulator_svc, var / "log")
        assert wait_ready(emulator_svc, timeout=60)
        emulator = emulator_svc.health_url.removesuffix("/_emu/stats")  # type: ignore[union-attr]
        for n, replicas in enumerate(REPLICAS):
            say(f"make stack with {replicas} bot(s) and {replicas} Rasa server(s)")
            with topology(backing, emulator, replicas, var / f"stack-{replicas}") as top:
                if n == 0:
                    prepare(top, emulator)
                assert emulator_svc.process is not None
                meter = cpu_meter(top, backing, emulator_svc.process)
                results["replicas"][str(replicas)] = asyncio.run(run_rates(emulator, top, meter))
                if FAULTS and n == len(REPLICAS) - 1:
                    results["faults_replicas"] = replicas
                    results["fault_rate"] = FAULT_RATE
                    results["faults"] = asyncio.run(run_faults(emulator, top, backing))
    finally:
        stop(emulator_svc)
        backing.stop()
        shutil.rmtree(folder, ignore_errors=True)
    results["load_average_at_end"] = os.getloadavg()
    out = ROOT / "var" / "loadtest.json"
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    last = results["replicas"][str(REPLICAS[-1])]
    faults = results.get("faults", {}).values()
    lost = sum(
        f["no_reply"]
        + f["reports_without_card"]
        + f["report_rows_not_once"]
        + f["booking_rows_not_once"]
        for f in faults
    )
    p95 = {r: last["rates"].get(str(float(r)), {}).get("p95_ms") for r in (15, 30, 60)}
    print(
        f"loadtest: r15_p95_ms={p95[15]} r30_p95_ms={p95[30]} r60_p95_ms={p95[60]} "
        f"max_rps={max(r['max_rps'] for r in results['replicas'].values())} lost={lost} "
        f"dup_cards={sum(f['dup_cards'] for f in faults)} "
        f"rss_mb={max(r['rss_mb'] for r in results['replicas'].values())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
