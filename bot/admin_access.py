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

from mps.clock import Clock
from mps.database import Database
from mps.outbox import dead_letters, retry_dead
from mps.staff_admin import (
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


async def dispatch(args: argparse.Namespace, database: Database, clock: Clock) -> int | None:
    """Run an access command; None if `args` is not one."""
    key = (args.group, args.command)
    handler = HANDLERS.get(key)
    return None if handler is None else await handler(args, database, clock)


async def _staff_list(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions() as session:
        for m in await members(session, _station(args)):
            number = f"#{m.number}" if m.number is not None else "#?"
            print(f"{number}\t{m.user_id}\t{m.station_code}\t{','.join(m.units) or '-'}\t"
                  f"joined {m.joined_at:%Y-%m-%d %H:%M}Z")  # fmt: skip
    return 0


async def _staff_remove(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions.begin() as session:
        removed = await remove_member(session, args.user, _station(args), _actor(args), clock.now)
    if not removed:
        print(f"error: user {args.user} is not staff there (see `staff list`)", file=sys.stderr)
        return 1
    print(f"removed user {args.user} from {', '.join(removed)}")
    return 0


async def _chats_list(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions() as session:
        for c in await chats(session, _station(args)):
            kind = "private" if c.chat_id > 0 else "group"
            state = f"FAILING: {c.failure}" if c.failure else "ok"
            print(f"{c.chat_id}\t{c.station_code}\t{kind}\tbound {c.joined_at:%Y-%m-%d %H:%M}Z"
                  f"\t{state}")  # fmt: skip
    return 0


async def _chats_unbind(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions.begin() as session:
        station = await unbind_chat(session, args.chat, _actor(args), clock.now)
    if station is None:
        print(f"error: chat {args.chat} is not bound (see `chats list`)", file=sys.stderr)
        return 1
    print(f"chat {args.chat} unbound from {station}")
    return 0


async def _invites_list(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions() as session:
        for i in await open_invites(session, clock.now, _station(args)):
            print(f"{i.code}\t{i.station_code}\t{','.join(i.units or []) or '-'}\t"
                  f"expires {i.expires_at:%Y-%m-%d %H:%M}Z")  # fmt: skip
    return 0


async def _invites_revoke(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions.begin() as session:
        invite = await revoke_invite(session, args.code, _actor(args), clock.now)
    if invite is None:
        print(f"error: no open invite {args.code!r} (see `invites list`)", file=sys.stderr)
        return 1
    print(f"invite {invite.code} for {invite.station_code} revoked")
    return 0


async def _outbox_dead(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions() as session:
        for row, report in await dead_letters(session, _station(args)):
            dead = f"{row.dead_at:%Y-%m-%d %H:%M}Z" if row.dead_at else "?"
            print(
                f"{row.id}\t{report.reference}\t{report.station_code}\t{row.kind}\t"
                f"{row.attempts} attempts\t{row.last_error or '-'}\tdead since {dead}"
            )
    return 0


async def _outbox_retry(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions.begin() as session:
        done = await retry_dead(session, args.id, clock)
        if done:
            await audit(session, clock.now, _actor(args), "outbox_retry", f"outbox:{args.id}")
    if not done:
        print(f"error: outbox {args.id} is not a dead letter (see `outbox dead`)", file=sys.stderr)
        return 1
    print(f"outbox {args.id} queued again")
    return 0


async def _audit_list(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    async with database.sessions() as session:
        for a in await audit_log(session, args.limit):
            print(f"{a.at:%Y-%m-%d %H:%M:%S}Z\t{a.actor}\t{a.action}\t{a.station_code or '-'}\t"
                  f"{a.target}\t{a.detail or ''}".rstrip())  # fmt: skip
    return 0


HANDLERS = {
    ("staff", "list"): _staff_list,
    ("staff", "remove"): _staff_remove,
    ("chats", "list"): _chats_list,
    ("chats", "unbind"): _chats_unbind,
    ("invites", "list"): _invites_list,
    ("invites", "revoke"): _invites_revoke,
    ("outbox", "dead"): _outbox_dead,
    ("outbox", "retry"): _outbox_retry,
    ("audit", "list"): _audit_list,
}
