"""Open311 partners and their API keys.

A key is 256 random bits, shown once when the partner is added; the database
keeps only its SHA-256. A slow password hash would add nothing: the key is not
something a person chose, so there is no dictionary to try. A partner's reports
are owned by `open311:<partner id>` (mps.models.Report.owner), so the partner
sees its own requests and nobody else's, and a sensitive report, whose owner is
random, is never among them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.models import Partner
from mps.staff_admin import audit

KEY_PREFIX = "mps311_"
OWNER_PREFIX = "open311:"
NAME_MAX = 100


def key_hash(key: str) -> str:
    """What the database keeps of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh API key: 256 random bits behind a recognisable prefix."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def owner_of(partner: Partner) -> str:
    """The owner of the reports a partner files."""
    return f"{OWNER_PREFIX}{partner.id}"


def from_partner(owner: str) -> bool:
    """Whether a report was handed in by an Open311 partner."""
    return owner.startswith(OWNER_PREFIX)


async def add_partner(
    session: AsyncSession, name: str, actor: str, now: dt.datetime
) -> tuple[Partner, str]:
    """A new partner and its key (the only time the key exists in the clear).
    ValueError for an empty, over-long or taken name."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"a partner's name is 1 to {NAME_MAX} characters")
    if await session.scalar(select(Partner.id).where(Partner.name == name)) is not None:
        raise ValueError(f"a partner named {name!r} exists (see `partners list`)")
    key = new_key()
    partner = Partner(name=name, key_hash=key_hash(key), created_at=now)
    session.add(partner)
    await session.flush()
    await audit(session, now, actor, "partner_add", f"partner:{partner.id}", detail=name)
    return partner, key


async def partner_for_key(session: AsyncSession, key: str) -> Partner | None:
    """The partner holding this key, unless it was revoked."""
    if not key.startswith(KEY_PREFIX):
        return None
    return await session.scalar(
        select(Partner).where(Partner.key_hash == key_hash(key), Partner.revoked_at.is_(None))
    )


async def partners(session: AsyncSession) -> list[Partner]:
    """Every partner, revoked ones too, by id."""
    return list((await session.scalars(select(Partner).order_by(Partner.id))).all())


async def _named(session: AsyncSession, name: str) -> Partner | None:
    return await session.scalar(select(Partner).where(Partner.name == " ".join(name.split())))


async def rekey_partner(
    session: AsyncSession, name: str, actor: str, now: dt.datetime
) -> tuple[Partner, str] | None:
    """A new key for a partner (revoked or not); the old one stops working at once and
    the partner keeps its requests. None if there is no such partner."""
    partner = await _named(session, name)
    if partner is None:
        return None
    key = new_key()
    partner.key_hash, partner.revoked_at = key_hash(key), None
    await audit(session, now, actor, "partner_rekey", f"partner:{partner.id}", detail=partner.name)
    await session.flush()
    return partner, key


async def revoke_partner(
    session: AsyncSession, name: str, actor: str, now: dt.datetime
) -> Partner | None:
    """Make a partner's key stop working (its reports stay); None if no such partner
    holds a working key."""
    partner = await _named(session, name)
    if partner is None or partner.revoked_at is not None:
        return None
    partner.revoked_at = now
    await audit(
        session, now, actor, "partner_revoke", f"partner:{partner.id}", detail=partner.name
    )
    await session.flush()
    return partner
