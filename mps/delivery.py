"""Who gets a report's card: the report's station, else the central triage queue.

A sensitive report goes only to the private chats of staff marked for its unit;
any other to the chats bound to its station. Chats whose last delivery failed
for good (the bot blocked or removed) are skipped. When the station has no one
left to receive the card, the triage queue's chats (its unit-marked staff, for
a sensitive report) get it at once, and the triage staff may act on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.models import ChatFailure, StaffChat, StaffMember
from mps.report_access import Guarded, member_may_see
from mps.stations import TRIAGE


class Routed(Guarded, Protocol):
    """What the delivery reads: a report, or a hand-off (mps.handoff), alike."""

    @property
    def station_code(self) -> str | None: ...


@dataclass(frozen=True)
class Targets:
    """The station whose staff get the card, and the chats it goes to."""

    station: str
    chats: list[int]

    @property
    def at_triage(self) -> bool:
        """Whether the card falls back to the triage queue."""
        return self.station == TRIAGE


async def _chats_of(session: AsyncSession, report: Routed, station: str) -> list[int]:
    if report.sensitive:
        members = await session.scalars(
            select(StaffMember).where(StaffMember.station_code == station)
        )
        return sorted(m.user_id for m in members.all() if member_may_see(m, report))
    chats = await session.scalars(
        select(StaffChat.chat_id).where(StaffChat.station_code == station)
    )
    return sorted(chats.all())


async def card_targets(session: AsyncSession, report: Routed) -> Targets:
    """Where the report's (or hand-off's) card goes now (no chats: nobody can receive it
    yet)."""
    assert report.station_code is not None
    failed = set((await session.scalars(select(ChatFailure.chat_id))).all())
    tiers = [report.station_code] + ([TRIAGE] if report.station_code != TRIAGE else [])
    for station in tiers:
        live = [c for c in await _chats_of(session, report, station) if c not in failed]
        if live:
            return Targets(station, live)
    return Targets(report.station_code, [])


# Errors after which a chat is not tried again until someone is back there.
PERMANENT = ("Forbidden", "ChatNotFound")


async def note_failure(session: AsyncSession, chat_id: int, error: str, now: dt.datetime) -> None:
    """Record that a chat cannot be reached (the bot blocked, removed, the chat gone)."""
    found = await session.get(ChatFailure, chat_id)
    if found is None:
        session.add(ChatFailure(chat_id=chat_id, error=error[:64], failures=1, failed_at=now))
    else:
        found.error = error[:64]
        found.failures += 1
    await session.flush()


async def clear_failure(session: AsyncSession, chat_id: int) -> None:
    """Someone is in the chat again (a command, a re-added bot, a delivery went through)."""
    await session.execute(delete(ChatFailure).where(ChatFailure.chat_id == chat_id))
