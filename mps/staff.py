"""Staff enrolment: one-time invite codes and the chats bound to a station."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.codes import clean_code, new_code
from mps.database import one_row
from mps.models import StaffChat, StaffInvite, StaffMember, Station

INVITE_LIFETIME = dt.timedelta(hours=24)
INVITE_CODE_LENGTH = 8


class JoinResult(Enum):
    """What `/join CODE` did."""

    JOINED = "joined"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


async def invite(
    session: AsyncSession, station_code: str, now: dt.datetime, units: tuple[str, ...] = ()
) -> StaffInvite:
    """A new one-time code for `station_code`, valid for 24 hours; `units` mark the member
    (e.g. ("fcpu",): sees that unit's sensitive reports)."""
    if await session.get(Station, station_code) is None:
        raise LookupError(station_code)
    code = new_code(INVITE_CODE_LENGTH)
    row = StaffInvite(
        code=code,
        station_code=station_code,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
        units=sorted(set(units)),
    )
    session.add(row)
    await session.flush()
    return row


async def join(
    session: AsyncSession, typed_code: str, chat_id: int, user_id: int, now: dt.datetime
) -> tuple[JoinResult, str | None]:
    """Use a code: bind the chat to its station and enrol the user as staff."""
    code = clean_code(typed_code)
    found = await session.get(StaffInvite, code)
    if found is None:
        return JoinResult.UNKNOWN, None
    if found.used_at is not None:
        return JoinResult.USED, None
    if found.expires_at <= now:
        return JoinResult.EXPIRED, None
    claimed = await session.execute(
        update(StaffInvite)
        .where(StaffInvite.code == code, StaffInvite.used_at.is_(None))
        .values(used_at=now, used_by=user_id)
    )
    if not one_row(claimed):
        return JoinResult.USED, None
    chat = await session.get(StaffChat, chat_id)
    if chat is None:
        session.add(StaffChat(chat_id=chat_id, station_code=found.station_code, joined_at=now))
    else:
        chat.station_code = found.station_code
        chat.joined_at = now
    member = await session.get(StaffMember, (user_id, found.station_code))
    if member is None:
        session.add(StaffMember(user_id=user_id, station_code=found.station_code, joined_at=now,
                                units=list(found.units or [])))  # fmt: skip
    elif found.units:
        member.units = sorted({*member.units, *found.units})
    await session.flush()
    return JoinResult.JOINED, found.station_code


async def station_of_chat(session: AsyncSession, chat_id: int) -> str | None:
    """The station a chat is bound to, if any."""
    chat = await session.get(StaffChat, chat_id)
    return chat.station_code if chat else None


async def is_staff(session: AsyncSession, user_id: int, station_code: str) -> bool:
    """Whether the user joined this station."""
    found = await session.scalar(
        select(StaffMember.user_id).where(
            StaffMember.user_id == user_id, StaffMember.station_code == station_code
        )
    )
    return found is not None


async def has_unit(session: AsyncSession, user_id: int, station_code: str, unit: str) -> bool:
    """Whether the user joined this station marked for `unit`."""
    member = await session.get(StaffMember, (user_id, station_code))
    return member is not None and unit in (member.units or [])
