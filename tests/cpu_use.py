"""CPU time per process tree, from /proc: what each part of a stack costs per message.

Wall-clock latency depends on whatever else the machine runs; CPU-seconds spent
by a process do not (much), so on a shared machine they are the figure to
compare. A tree is a process and all its descendants (Sanic's workers, nginx's,
PostgreSQL's backends); children already reaped are counted through their
parent's cutime/cstime. Linux only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, CPU ticks: utime + stime + cutime + cstime) of every process."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        # After the name: state, ppid, …; utime, stime, cutime, cstime are fields 14-17.
        out[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return out


def own_ticks(pid: int) -> int:
    """utime + stime of one process (all its threads), without its children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def tree_seconds(trees: Mapping[str, int], alone: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named tree (a root pid and its descendants) and of
    each process of `alone` by itself (one whose children are other trees)."""
    stats = _stats()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    out = {}
    for name, root in trees.items():
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            if pid in stats:
                total += stats[pid][1]
                todo.extend(children.get(pid, []))
        out[name] = total / TICK
    for name, pid in alone.items():
        try:
            out[name] = own_ticks(pid) / TICK
        except OSError:
            out[name] = 0.0
    return out


def per_message_ms(
    before: Mapping[str, float], after: Mapping[str, float], messages: int
) -> dict[str, float]:
    """CPU milliseconds per message of each tree between two readings, and the total.
    A process started in between counts whole; one restarted in between (less CPU
    than before) counts its new life."""
    spent = {}
    for name, now in after.items():
        start = before.get(name, 0.0)
        spent[name] = now - start if now >= start else now
    spent["total"] = sum(spent.values())
    return {name: round(seconds * 1000 / max(1, messages), 1) for name, seconds in spent.items()}
