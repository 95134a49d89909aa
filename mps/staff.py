"""Staff enrolment: one-time invite codes and the chats bound to a station.

Removing staff, unbinding chats and revoking invites (all audited) are in
mps/staff_admin.py.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.codes import clean_code, new_code
from mps.database import one_row
from mps.models import (
    ChatFailure,
    HqAnalyst,
    StaffChat,
    StaffInvite,
    StaffMember,
    StaffNumber,
    Station,
)

INVITE_LIFETIME = dt.timedelta(hours=24)
INVITE_CODE_LENGTH = 8
# Ids Telegram gives messages not sent by a person: Telegram itself (777000),
# anonymous group admins (GroupAnonymousBot) and "send as channel" (Channel_Bot).
# Any number of people share them, so they are never staff.
FAKE_USER_IDS = frozenset({777000, 1087968824, 136817688})


class JoinResult(Enum):
    """What `/join CODE` did."""

    JOINED = "joined"
    # A headquarters analyst's code used in a private chat: the user is an analyst.
    JOINED_HQ = "joined_hq"
    # A headquarters analyst's code typed in a group: it works only in a private chat.
    PRIVATE_ONLY = "private_only"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    # The group is bound to another station: an administrator unbinds it first.
    BOUND_ELSEWHERE = "bound_elsewhere"
    # Not a person (an anonymous admin, a channel, a bot id).
    NOT_A_PERSON = "not_a_person"


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


async def invite_hq(session: AsyncSession, now: dt.datetime) -> StaffInvite:
    """A new one-time code, valid for 24 hours, that makes whoever sends `/join CODE` in
    a private chat a headquarters analyst (statistics of every station, no personal data)."""
    row = StaffInvite(
        code=new_code(INVITE_CODE_LENGTH),
        station_code=None,
        role="hq",
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
        units=[],
    )
    session.add(row)
    await session.flush()
    return row


async def is_hq(session: AsyncSession, user_id: int) -> bool:
    """Whether the user is a headquarters analyst."""
    return user_id not in FAKE_USER_IDS and await session.get(HqAnalyst, user_id) is not None


async def join(
    session: AsyncSession, typed_code: str, chat_id: int, user_id: int, now: dt.datetime
) -> tuple[JoinResult, str | None]:
    """Use a code: bind the chat to its station and enrol the user as staff.

    A group already bound to another station is not re-bound (`chats unbind`
    first); a private chat moves to the new station.
    """
    if user_id in FAKE_USER_IDS:
        return JoinResult.NOT_A_PERSON, None
    code = clean_code(typed_code)
    found = await session.get(StaffInvite, code)
    if found is None or found.revoked_at is not None:
        return JoinResult.UNKNOWN, None
    if found.used_at is not None:
        return JoinResult.USED, None
    if found.expires_at <= now:
        return JoinResult.EXPIRED, None
    if found.role == "hq" and chat_id < 0:
        return JoinResult.PRIVATE_ONLY, None
    chat = await session.get(StaffChat, chat_id)
    if chat is not None and chat_id < 0 and chat.station_code != found.station_code:
        return JoinResult.BOUND_ELSEWHERE, None
    claimed = await session.execute(
        update(StaffInvite)
        .where(
            StaffInvite.code == code,
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
        )
        .values(used_at=now, used_by=user_id)
    )
    if not one_row(claimed):
        return JoinResult.USED, None
    if found.station_code is None:  # role "hq": an analyst, bound to no station
        if await session.get(HqAnalyst, user_id) is None:
            session.add(HqAnalyst(user_id=user_id, joined_at=now))
        await staff_number(session, user_id, now)
        await session.flush()
        return JoinResult.JOINED_HQ, None
    if chat is None:
        session.add(StaffChat(chat_id=chat_id, station_code=found.station_code, joined_at=now))
    else:
        chat.station_code = found.station_code
        chat.joined_at = now
    member = await session.get(StaffMember, (user_id, found.station_code))
    if member is None:
        session.add(
            StaffMember(
                user_id=user_id,
                station_code=found.station_code,
                joined_at=now,
                units=list(found.units or []),
            )
        )
    elif found.units:
        member.units = sorted({*member.units, *found.units})
    await staff_number(session, user_id, now)
    failure = await session.get(ChatFailure, chat_id)
    if failure is not None:
        await session.delete(failure)  # someone is there again
    await session.flush()
    return JoinResult.JOINED, found.station_code


async def staff_number(session: AsyncSession, user_id: int, now: dt.datetime) -> int:
    """The member's internal number (given at the first join, never reused)."""
    number = await session.scalar(select(StaffNumber.number).where(StaffNumber.user_id == user_id))
    if number is not None:
        return number
    row = StaffNumber(user_id=user_id, created_at=now)
    session.add(row)
    await session.flush()
    return row.number


async def numbers_of(session: AsyncSession, user_ids: set[int]) -> dict[int, int]:
    """Internal numbers of these Telegram users (those who ever joined)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(StaffNumber.user_id, StaffNumber.number).where(StaffNumber.user_id.in_(user_ids))
    )
    return dict(rows.all())


async def station_of_chat(session: AsyncSession, chat_id: int) -> str | None:
    """The station a chat is bound to, if any."""
    chat = await session.get(StaffChat, chat_id)
    return chat.station_code if chat else None


async def is_staff(session: AsyncSession, user_id: int, station_code: str) -> bool:
    """Whether the user joined this station (and was not removed since)."""
    if user_id in FAKE_USER_IDS:
        return False
    found = await session.scalar(
        select(StaffMember.user_id).where(
            StaffMember.user_id == user_id, StaffMember.station_code == station_code
        )
    )
    return found is not None


async def has_unit(session: AsyncSession, user_id: int, station_code: str, unit: str) -> bool:
    """Whether the user joined this station marked for `unit`."""
    if user_id in FAKE_USER_IDS:
        return False
    member = await session.get(StaffMember, (user_id, station_code))
    return member is not None and unit in (member.units or [])
