"""Revoking access: remove staff, unbind chats, revoke invites; and the audit of it.

Every change is written to `staff_audit` in the same transaction (who, when,
what). Membership is checked against the database on every staff action, so a
removal takes effect at the member's next press or command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.codes import clean_code
from mps.models import (
    ChatFailure,
    StaffAudit,
    StaffChat,
    StaffInvite,
    StaffMember,
    StaffNumber,
)


async def audit(
    session: AsyncSession,
    now: dt.datetime,
    actor: str,
    action: str,
    target: str,
    station: str | None = None,
    detail: str | None = None,
) -> None:
    """Record one change of access."""
    session.add(
        StaffAudit(
            at=now,
            actor=actor[:64],
            action=action,
            station_code=station,
            target=target,
            detail=detail[:200] if detail else None,
        )
    )


@dataclass(frozen=True)
class Member:
    """A staff member as the console lists them."""

    number: int | None
    user_id: int
    station_code: str
    units: list[str]
    joined_at: dt.datetime


async def members(session: AsyncSession, station: str | None = None) -> list[Member]:
    """Every current member (of one station), by station then number."""
    query = select(StaffMember, StaffNumber.number).outerjoin(
        StaffNumber, StaffNumber.user_id == StaffMember.user_id
    )
    if station is not None:
        query = query.where(StaffMember.station_code == station)
    rows = (await session.execute(query)).all()
    found = [
        Member(n, m.user_id, m.station_code, list(m.units or []), m.joined_at) for m, n in rows
    ]
    return sorted(found, key=lambda m: (m.station_code, m.number or 0, m.user_id))


async def remove_member(
    session: AsyncSession, user_id: int, station: str | None, actor: str, now: dt.datetime
) -> list[str]:
    """Remove a member from one station (or all); their private chat bound there is
    unbound too. The stations they were removed from."""
    query = select(StaffMember).where(StaffMember.user_id == user_id)
    if station is not None:
        query = query.where(StaffMember.station_code == station)
    removed = list((await session.scalars(query)).all())
    for member in removed:
        await session.delete(member)
        await audit(
            session,
            now,
            actor,
            "staff_remove",
            f"user:{user_id}",
            member.station_code,
            ",".join(member.units or []) or None,
        )
        own = await session.get(StaffChat, user_id)  # the member's private chat
        if own is not None and own.station_code == member.station_code:
            await session.delete(own)
            await audit(
                session,
                now,
                actor,
                "chat_unbind",
                f"chat:{user_id}",
                member.station_code,
                "the removed member's private chat",
            )
    await session.flush()
    return sorted(m.station_code for m in removed)


@dataclass(frozen=True)
class BoundChat:
    """A chat bound to a station, with its last failed delivery if any."""

    chat_id: int
    station_code: str
    joined_at: dt.datetime
    failure: str | None


async def chats(session: AsyncSession, station: str | None = None) -> list[BoundChat]:
    """Every bound chat (of one station), by station then chat id."""
    query = select(StaffChat, ChatFailure).outerjoin(
        ChatFailure, ChatFailure.chat_id == StaffChat.chat_id
    )
    if station is not None:
        query = query.where(StaffChat.station_code == station)
    query = query.order_by(StaffChat.station_code, StaffChat.chat_id)
    rows = (await session.execute(query)).all()
    return [
        BoundChat(
            c.chat_id,
            c.station_code,
            c.joined_at,
            f"{f.error} ×{f.failures} since {f.failed_at:%Y-%m-%d %H:%M}Z" if f else None,
        )
        for c, f in rows
    ]


async def unbind_chat(
    session: AsyncSession, chat_id: int, actor: str, now: dt.datetime, why: str | None = None
) -> str | None:
    """Unbind a chat: no more cards or staff commands there. Its station, or None."""
    chat = await session.get(StaffChat, chat_id)
    if chat is None:
        return None
    station = chat.station_code
    await session.delete(chat)
    await audit(session, now, actor, "chat_unbind", f"chat:{chat_id}", station, why)
    await session.flush()
    return station


async def migrate_chat(
    session: AsyncSession, old_id: int, new_id: int, now: dt.datetime
) -> str | None:
    """A group became a supergroup with a new id: move its binding. Its station."""
    chat = await session.get(StaffChat, old_id)
    if chat is None:
        return None
    station, joined = chat.station_code, chat.joined_at
    await session.delete(chat)
    await session.execute(delete(ChatFailure).where(ChatFailure.chat_id == old_id))
    await session.flush()
    if await session.get(StaffChat, new_id) is None:
        session.add(StaffChat(chat_id=new_id, station_code=station, joined_at=joined))
    await audit(
        session, now, "bot", "chat_migrate", f"chat:{old_id}", station, f"now chat:{new_id}"
    )
    await session.flush()
    return station


async def open_invites(
    session: AsyncSession, now: dt.datetime, station: str | None = None
) -> list[StaffInvite]:
    """Invites that still work: not used, not revoked, not expired."""
    query = select(StaffInvite).where(
        StaffInvite.used_at.is_(None),
        StaffInvite.revoked_at.is_(None),
        StaffInvite.expires_at > now,
    )
    if station is not None:
        query = query.where(StaffInvite.station_code == station)
    return list((await session.scalars(query.order_by(StaffInvite.created_at))).all())


async def revoke_invite(
    session: AsyncSession, typed_code: str, actor: str, now: dt.datetime
) -> StaffInvite | None:
    """Revoke an unused invite; None if there is no such open invite."""
    invite = await session.get(StaffInvite, clean_code(typed_code))
    if invite is None or invite.used_at is not None or invite.revoked_at is not None:
        return None
    invite.revoked_at = now
    await audit(session, now, actor, "invite_revoke", f"invite:{invite.code}", invite.station_code)
    await session.flush()
    return invite


async def audit_log(session: AsyncSession, limit: int = 50) -> list[StaffAudit]:
    """The latest audit entries, newest first."""
    rows = await session.scalars(select(StaffAudit).order_by(StaffAudit.id.desc()).limit(limit))
    return list(rows.all())
