"""Console commands that list and revoke access, and show what was not delivered.

staff list [--station CODE]             members: number, Telegram id, station, units
staff remove --user ID [--station CODE] remove a member (from every station by default);
                                        their private chat bound there is unbound too
chats list [--station CODE]             bound chats, with their last failed delivery
chats unbind --chat ID                  no more cards or staff commands in that chat
invites list [--station CODE]           codes that still work
invites revoke --code CODE              the code stops working
outbox dead [--station CODE]            messages given up on after bounded retries
outbox retry --id N                     try a dead message again
audit list [--limit N]                  the latest changes of access (who, when, what)

Every revocation is written to the `staff_audit` table with `--by NAME` (default:
the operating-system user) as its author.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mps.clock import Clock
from mps.database import Database
from mps.models import OutboxMessage, Report, StaffAudit, StaffInvite
from mps.outbox import dead_letters, retry_dead
from mps.staff_admin import (
    BoundChat,
    Member,
    audit,
    audit_log,
    chats,
    members,
    open_invites,
    remove_member,
    revoke_invite,
    unbind_chat,
)


def add_parsers(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The access commands, added to the console's command groups."""
    chat = groups.add_parser("chats", help="chats bound to stations").add_subparsers(
        dest="command", required=True
    )
    _station_filter(chat.add_parser("list", help="bound chats and their delivery failures"))
    unbind = chat.add_parser("unbind", help="unbind a chat (no more cards there)")
    unbind.add_argument("--chat", required=True, type=int, help="Telegram chat id")
    _by(unbind)
    invites = groups.add_parser("invites", help="invite codes").add_subparsers(
        dest="command", required=True
    )
    _station_filter(invites.add_parser("list", help="codes that still work"))
    revoke = invites.add_parser("revoke", help="make an unused code stop working")
    revoke.add_argument("--code", required=True)
    _by(revoke)
    outbox = groups.add_parser("outbox", help="report deliveries").add_subparsers(
        dest="command", required=True
    )
    _station_filter(outbox.add_parser("dead", help="messages given up on"))
    retry = outbox.add_parser("retry", help="try a dead message again")
    retry.add_argument("--id", required=True, type=int)
    _by(retry)
    log = groups.add_parser("audit", help="changes of access").add_subparsers(
        dest="command", required=True
    )
    latest = log.add_parser("list", help="the latest changes, newest first")
    latest.add_argument("--limit", type=int, default=50)


def add_staff_parsers(staff: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`staff list` and `staff remove`, next to `staff invite`."""
    _station_filter(staff.add_parser("list", help="current staff members"))
    remove = staff.add_parser("remove", help="remove a member (audited)")
    remove.add_argument("--user", required=True, type=int, help="Telegram user id")
    remove.add_argument("--station", help="only from this station (default: every one)")
    _by(remove)


def _station_filter(command: argparse.ArgumentParser) -> None:
    command.add_argument("--station", help="only this station (code)")


def _by(command: argparse.ArgumentParser) -> None:
    command.add_argument("--by", help="who does this, for the audit (default: your login)")


def _actor(args: argparse.Namespace) -> str:
    return f"admin:{args.by or getpass.getuser()}"


def _station(args: argparse.Namespace) -> str | None:
    return args.station.upper() if getattr(args, "station", None) else None


Query = Callable[[AsyncSession, argparse.Namespace, Clock], Awaitable[Sequence[Any]]]
Change = Callable[[AsyncSession, argparse.Namespace, Clock], Awaitable[str]]


class Refused(Exception):
    """A change the console could not make; the message says why and what to check."""


async def dispatch(args: argparse.Namespace, database: Database, clock: Clock) -> int | None:
    """Run an access command; None if `args` is not one."""
    key = (args.group, args.command)
    if key in LISTINGS:
        query, line = LISTINGS[key]
        async with database.sessions() as session:
            rows = await query(session, args, clock)
        for row in rows:
            print(line(row))
        return 0
    if key not in CHANGES:
        return None
    try:
        async with database.sessions.begin() as session:
            done = await CHANGES[key](session, args, clock)
    except Refused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    print(done)
    return 0


def _member_line(m: Member) -> str:
    number = f"#{m.number}" if m.number is not None else "#?"
    return (
        f"{number}\t{m.user_id}\t{m.station_code}\t{','.join(m.units) or '-'}\t"
        f"joined {m.joined_at:%Y-%m-%d %H:%M}Z"
    )


def _chat_line(c: BoundChat) -> str:
    kind = "private" if c.chat_id > 0 else "group"
    state = f"FAILING: {c.failure}" if c.failure else "ok"
    return f"{c.chat_id}\t{c.station_code}\t{kind}\tbound {c.joined_at:%Y-%m-%d %H:%M}Z\t{state}"


def _invite_line(i: StaffInvite) -> str:
    units = ",".join(i.units or []) or "-"
    return f"{i.code}\t{i.station_code}\t{units}\texpires {i.expires_at:%Y-%m-%d %H:%M}Z"


def _dead_line(dead: tuple[OutboxMessage, Report]) -> str:
    row, report = dead
    since = f"{row.dead_at:%Y-%m-%d %H:%M}Z" if row.dead_at else "?"
    return (
        f"{row.id}\t{report.reference}\t{report.station_code}\t{row.kind}\t"
        f"{row.attempts} attempts\t{row.last_error or '-'}\tdead since {since}"
    )


def _audit_line(a: StaffAudit) -> str:
    return (
        f"{a.at:%Y-%m-%d %H:%M:%S}Z\t{a.actor}\t{a.action}\t{a.station_code or '-'}\t"
        f"{a.target}\t{a.detail or ''}"
    ).rstrip()


async def _staff_remove(session: AsyncSession, args: argparse.Namespace, clock: Clock) -> str:
    removed = await remove_member(session, args.user, _station(args), _actor(args), clock.now)
    if not removed:
        raise Refused(f"user {args.user} is not staff there (see `staff list`)")
    return f"removed user {args.user} from {', '.join(removed)}"


async def _chats_unbind(session: AsyncSession, args: argparse.Namespace, clock: Clock) -> str:
    station = await unbind_chat(session, args.chat, _actor(args), clock.now)
    if station is None:
        raise Refused(f"chat {args.chat} is not bound (see `chats list`)")
    return f"chat {args.chat} unbound from {station}"


async def _invites_revoke(session: AsyncSession, args: argparse.Namespace, clock: Clock) -> str:
    invite = await revoke_invite(session, args.code, _actor(args), clock.now)
    if invite is None:
        raise Refused(f"no open invite {args.code!r} (see `invites list`)")
    return f"invite {invite.code} for {invite.station_code} revoked"


async def _outbox_retry(session: AsyncSession, args: argparse.Namespace, clock: Clock) -> str:
    if not await retry_dead(session, args.id, clock):
        raise Refused(f"outbox {args.id} is not a dead letter (see `outbox dead`)")
    await audit(session, clock.now, _actor(args), "outbox_retry", f"outbox:{args.id}")
    return f"outbox {args.id} queued again"


# What each listing reads (session, arguments, clock) and how it prints one row.
LISTINGS: dict[tuple[str, str], tuple[Query, Callable[[Any], str]]] = {
    ("staff", "list"): (lambda s, args, clock: members(s, _station(args)), _member_line),
    ("chats", "list"): (lambda s, args, clock: chats(s, _station(args)), _chat_line),
    ("invites", "list"): (
        lambda s, args, clock: open_invites(s, clock.now, _station(args)),
        _invite_line,
    ),
    ("outbox", "dead"): (lambda s, args, clock: dead_letters(s, _station(args)), _dead_line),
    ("audit", "list"): (lambda s, args, clock: audit_log(s, args.limit), _audit_line),
}
CHANGES: dict[tuple[str, str], Change] = {
    ("staff", "remove"): _staff_remove,
    ("chats", "unbind"): _chats_unbind,
    ("invites", "revoke"): _invites_revoke,
    ("outbox", "retry"): _outbox_retry,
}
