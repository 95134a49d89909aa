"""Console commands for Open311 partners (other public systems that hand reports in).

partners add --name NAME        a new partner; prints its API key, the only time it
                                is shown (the database keeps a hash of it)
partners list                   every partner: id, name, added, working or revoked
partners rekey --name NAME      a new key for the partner (the old one stops working
                                at once); it keeps seeing its earlier requests
partners revoke --name NAME     the key stops working at once; its reports stay

Adding, re-keying and revoking are written to the `staff_audit` table with `--by
NAME` (default: the operating-system user) as their author.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from mps.clock import Clock
from mps.database import Database
from mps.models import Partner
from mps.partners import add_partner, partners, rekey_partner, revoke_partner

KEY_NOTE = (
    "Give it this api_key now: only a hash of it is stored, so it cannot be shown "
    "again (`partners rekey` makes a new one)."
)


def add_parsers(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`partners add|list|rekey|revoke`, added to the console's command groups."""
    commands = groups.add_parser("partners", help="Open311 partners").add_subparsers(
        dest="command", required=True
    )
    add = commands.add_parser("add", help="add a partner and print its API key (once)")
    add.add_argument("--name", required=True, help="the partner system, e.g. 'Baghdad 311'")
    commands.add_parser("list", help="every partner, working or revoked")
    rekey = commands.add_parser("rekey", help="a new API key; the old one stops working")
    revoke = commands.add_parser("revoke", help="make a partner's key stop working")
    for command in (rekey, revoke):
        command.add_argument("--name", required=True)
    for command in (add, rekey, revoke):
        command.add_argument("--by", help="who does this, for the audit (default: your login)")


def _line(p: Partner) -> str:
    state = f"revoked {p.revoked_at:%Y-%m-%d %H:%M}Z" if p.revoked_at else "working"
    return f"{p.id}\t{p.name}\tadded {p.created_at:%Y-%m-%d %H:%M}Z\t{state}"


async def dispatch(args: argparse.Namespace, database: Database, clock: Clock) -> int | None:
    """Run a partners command; None if `args` is not one."""
    if args.group != "partners":
        return None
    if args.command == "list":
        async with database.sessions() as session:
            for partner in await partners(session):
                print(_line(partner))
        return 0
    actor = f"admin:{args.by or getpass.getuser()}"
    async with database.sessions.begin() as session:
        if args.command == "revoke":
            revoked = await revoke_partner(session, args.name, actor, clock.now)
            if revoked is not None:
                print(f"partner {revoked.id} ({revoked.name}) revoked: its key no longer works")
                return 0
            print(
                f"error: no working partner {args.name!r} (see `partners list`)", file=sys.stderr
            )
            return 1
        try:
            if args.command == "add":
                done: tuple[Partner, str] | None = await add_partner(
                    session, args.name, actor, clock.now
                )
            else:
                done = await rekey_partner(session, args.name, actor, clock.now)
        except ValueError as refused:
            print(f"error: {refused}", file=sys.stderr)
            return 1
    if done is None:
        print(f"error: no partner {args.name!r} (see `partners list`)", file=sys.stderr)
        return 1
    partner, key = done
    print(key)
    print(f"partner {partner.id} ({partner.name}): {KEY_NOTE}", file=sys.stderr)
    return 0
