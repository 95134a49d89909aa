"""Signing in to the staff console without a password: the bot's `/console` sends a
one-time link; following it opens a session kept in a cookie.

Only a SHA-256 of each token is stored (links and sessions alike), so a copy of
the database opens nothing. A link works once, for LINK_LIFETIME; a session ends
after IDLE without a request (checked here, on the server, not by the cookie's
age alone), at logout, or as soon as its holder is no longer staff (or analyst).
Both live in the database, so they survive a restart of the web process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.database import one_row
from mps.language import LANGUAGES
from mps.models import ConsoleLink, ConsoleSession, StaffMember
from mps.staff import FAKE_USER_IDS, is_hq, is_staff, station_of_chat

LINK_LIFETIME = dt.timedelta(minutes=10)
IDLE = dt.timedelta(hours=8)
# A session's last-seen time is written at most this often (not on every page).
SEEN_EVERY = dt.timedelta(minutes=1)
STATION, HQ = "station", "hq"


def token_hash(token: str) -> str:
    """What the database keeps of a link's or a session's token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def console_seat(
    session: AsyncSession, user_id: int, chat_id: int
) -> tuple[str, str | None] | None:
    """The role and station a user signs in with from their private chat `chat_id`:
    ("hq", None) for an analyst; else ("station", code) for the station that chat is
    bound to, or the station they joined last; None for anyone else."""
    if user_id in FAKE_USER_IDS:
        return None
    if await is_hq(session, user_id):
        return HQ, None
    bound = await station_of_chat(session, chat_id)
    if bound is not None and await is_staff(session, user_id, bound):
        return STATION, bound
    latest = await session.scalar(
        select(StaffMember.station_code)
        .where(StaffMember.user_id == user_id)
        .order_by(StaffMember.joined_at.desc())
        .limit(1)
    )
    return (STATION, latest) if latest is not None else None


async def new_link(
    session: AsyncSession, user_id: int, chat_id: int, language: str, now: dt.datetime
) -> str | None:
    """A one-time login token for the user (what `/console` sends), or None when they
    are neither staff nor an analyst. Expired links and idle sessions are cleared."""
    seat = await console_seat(session, user_id, chat_id)
    if seat is None:
        return None
    await session.execute(delete(ConsoleLink).where(ConsoleLink.expires_at <= now))
    await session.execute(delete(ConsoleSession).where(ConsoleSession.last_seen_at <= now - IDLE))
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleLink(
            token_hash=token_hash(token),
            user_id=user_id,
            role=seat[0],
            station_code=seat[1],
            language=language if language in LANGUAGES else "ar",
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    await session.flush()
    return token


async def find_link(session: AsyncSession, token: str) -> ConsoleLink | None:
    """The link of a login token, whether or not it still works."""
    return await session.get(ConsoleLink, token_hash(token))


def link_works(link: ConsoleLink, now: dt.datetime) -> bool:
    """Whether a link would still sign in (unused and not expired)."""
    return link.used_at is None and link.expires_at > now


async def use_link(session: AsyncSession, token: str, now: dt.datetime) -> str | None:
    """Spend a login token: a new session's token, or None if the link is unknown,
    used or expired (a guarded UPDATE: two tabs racing get one session)."""
    hashed = token_hash(token)
    spent = await session.execute(
        update(ConsoleLink)
        .where(
            ConsoleLink.token_hash == hashed,
            ConsoleLink.used_at.is_(None),
            ConsoleLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not one_row(spent):
        return None
    link = await session.get(ConsoleLink, hashed)
    assert link is not None
    opened = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=token_hash(opened),
            user_id=link.user_id,
            role=link.role,
            station_code=link.station_code,
            language=link.language,
            created_at=now,
            last_seen_at=now,
        )
    )
    await session.flush()
    return opened


async def _still_allowed(session: AsyncSession, row: ConsoleSession) -> bool:
    """Whether the session's holder still has its role (not removed since)."""
    if row.role == HQ:
        return await is_hq(session, row.user_id)
    return row.station_code is not None and await is_staff(session, row.user_id, row.station_code)


async def session_for(
    session: AsyncSession, token: str, now: dt.datetime
) -> ConsoleSession | None:
    """The live session of a cookie's token, its last-seen time moved on; None (and the
    row deleted) once it has been idle for IDLE or its holder lost their role."""
    row = await session.get(ConsoleSession, token_hash(token))
    if row is None:
        return None
    if row.last_seen_at + IDLE <= now or not await _still_allowed(session, row):
        await session.delete(row)
        await session.flush()
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        await session.flush()
    return row


async def end_session(session: AsyncSession, token: str) -> None:
    """Logout: the session is deleted."""
    await session.execute(
        delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token))
    )


async def set_language(session: AsyncSession, token: str, language: str) -> None:
    """The language the session's pages are shown in (one of LANGUAGES)."""
    if language not in LANGUAGES:
        raise ValueError(language)
    await session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.token_hash == token_hash(token))
        .values(language=language)
        .execution_options(synchronize_session=False)
    )
