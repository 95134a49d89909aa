"""Administration from the console: `python -m bot.admin --help`.

db upgrade                      apply the database migrations
stations list                   every station
stations import FILE            check a registry file and import it (nothing on any error)
staff invite --station CODE [--unit fcpu]
                                a one-time code (24 h) for `/join CODE` in a staff chat;
                                --unit marks the member for a unit's sensitive reports
                                (send /join in a private chat with the bot); the central
                                triage queue's code is TRIAGE
staff invite --role hq          a one-time code (24 h) that makes whoever sends
                                `/join CODE` in a private chat a headquarters analyst
                                (the console's statistics of every station, no
                                personal data)
events add --station CODE --date YYYY-MM-DD --start HH:MM --end HH:MM --capacity N
events list [--station CODE]    upcoming Open House events with seats left
purge                           remove personal data past its retention period now
                                (the bot does it daily; RETENTION_* settings)
handoffs figures [--station CODE] [--days N]
                                hand-offs to staff: how many, and the median times to
                                take and to close (discreet ones: monthly counts only)

Listing and revoking access (staff list|remove, chats list|unbind, invites
list|revoke), dead letters (outbox dead|retry) and the audit (audit list):
see bot/admin_access.py. Open311 partners (partners add|list|rekey|revoke):
see bot/admin_partners.py.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import admin_access, admin_partners
from bot.retention import purge_once
from mps.bookings import BookingError, add_event, seats_left, upcoming_events
from mps.clock import Clock
from mps.database import Database, open_database, upgrade
from mps.handoff_figures import HandoffFigures, handoff_figures
from mps.registry import check_registry
from mps.settings import StoreSettings
from mps.staff import INVITE_LIFETIME, invite, invite_hq
from mps.stations import all_stations, import_registry

EVENT_ERRORS = {
    "unknown_station": "no station with that code (see `stations list`)",
    "end_before_start": "the end time must be after the start time",
    "bad_capacity": "capacity must be between 1 and 10000",
    "in_past": "that date and time have already passed",
    "duplicate_event": "the station already has an event starting then",
}


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(prog="python -m bot.admin", description=__doc__.split("\n")[0])
    groups = cli.add_subparsers(dest="group", required=True)
    db = groups.add_parser("db", help="database").add_subparsers(dest="command", required=True)
    db.add_parser("upgrade", help="apply migrations up to the latest")
    stations = groups.add_parser("stations", help="the station registry")
    st = stations.add_subparsers(dest="command", required=True)
    st.add_parser("list", help="list the stations")
    imp = st.add_parser("import", help="check and import a registry file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--if-empty", action="store_true", help="only when no station exists yet")
    staff = groups.add_parser("staff", help="staff enrolment").add_subparsers(
        dest="command", required=True
    )
    inv = staff.add_parser("invite", help="print a one-time code for /join")
    inv.add_argument("--station", help="the station (required unless --role hq)")
    inv.add_argument(
        "--role",
        choices=["station", "hq"],
        default="station",
        help="hq: a headquarters analyst's code (no station, private chat only)",
    )
    inv.add_argument(
        "--unit",
        action="append",
        default=[],
        choices=["fcpu", "juvenile", "community_policing"],
        help="mark the member for this unit (sees its sensitive reports); repeatable",
    )
    admin_access.add_staff_parsers(staff)
    admin_access.add_parsers(groups)
    admin_partners.add_parsers(groups)
    events = groups.add_parser("events", help="Open House events").add_subparsers(
        dest="command", required=True
    )
    add = events.add_parser("add", help="add an Open House event")
    add.add_argument("--station", required=True)
    add.add_argument("--date", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")
    add.add_argument("--start", required=True, type=_time, help="HH:MM")
    add.add_argument("--end", required=True, type=_time, help="HH:MM")
    add.add_argument("--capacity", required=True, type=int)
    lst = events.add_parser("list", help="upcoming events with seats left")
    lst.add_argument("--station")
    groups.add_parser("purge", help="remove personal data past its retention period")
    handoffs = groups.add_parser("handoffs", help="talk to a person").add_subparsers(
        dest="command", required=True
    )
    figures = handoffs.add_parser("figures", help="counts and times to take and to close")
    figures.add_argument("--station")
    figures.add_argument("--days", type=int, default=30)
    return cli


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def figures_text(f: HandoffFigures) -> str:
    """The figures as lines for the console."""
    return "\n".join(
        (
            f"opened {f.opened}, taken {f.taken}, closed {f.closed} "
            f"({f.timed_out} after 30 minutes without a message)",
            f"median time to take {_minutes(f.median_take_seconds)}, "
            f"to close {_minutes(f.median_close_seconds)}",
            f"discreet (monthly counts): opened {f.discreet_opened}, taken {f.discreet_taken}, "
            f"ended {f.discreet_ended}; mean time to take "
            f"{_minutes(f.discreet_mean_take_seconds)}, to end "
            f"{_minutes(f.discreet_mean_end_seconds)}",
        )
    )


def _time(text: str) -> dt.time:
    try:
        return dt.datetime.strptime(text, "%H:%M").time()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not HH:MM") from error


async def run(args: argparse.Namespace, settings: StoreSettings) -> int:
    """Run one command; returns the exit status."""
    database = open_database(settings.database_url)
    try:
        if args.group == "db":
            await upgrade(database)
            print("database is at the latest migration")
            return 0
        await upgrade(database)
        return await _dispatch(args, database, settings)
    finally:
        await database.close()


async def _dispatch(args: argparse.Namespace, database: Database, settings: StoreSettings) -> int:
    clock = settings.clock()
    if args.group == "purge":
        purged = await purge_once(database, clock, settings.retention())
        print(
            f"purged: {purged.callbacks} call-back numbers, {purged.reports} reports' details, "
            f"{purged.notes} notes, {purged.outbox} outbox texts, {purged.bookings} bookings, "
            f"{purged.comments} survey comments"
        )
        return 0
    key = (args.group, args.command)
    if key == ("handoffs", "figures"):
        station = args.station.upper() if args.station else None
        since = clock.now - dt.timedelta(days=args.days)
        async with database.sessions() as session:
            print(figures_text(await handoff_figures(session, since, station)))
        return 0
    for commands in (admin_access, admin_partners):
        done = await commands.dispatch(args, database, clock)
        if done is not None:
            return done
    if key == ("stations", "list"):
        async with database.sessions() as session:
            for s in await all_stations(session):
                units = ", ".join(s.units) or "-"
                print(f"{s.code}\t{s.governorate}\t{s.name['en']}\t{units}")
        return 0
    if key == ("stations", "import"):
        return await _import(args, database)
    if key == ("staff", "invite") and args.role == "hq":
        return await _invite_hq(args, database, clock)
    if key == ("staff", "invite"):
        if not args.station:
            print("error: --station CODE is required (or --role hq)", file=sys.stderr)
            return 2
        try:
            async with database.sessions.begin() as session:
                row = await invite(session, args.station.upper(), clock.now, tuple(args.unit))
        except LookupError:
            print(f"error: no station {args.station!r} (see `stations list`)", file=sys.stderr)
            return 1
        hours = int(INVITE_LIFETIME.total_seconds() // 3600)
        print(row.code)
        where = "a private chat with the bot" if args.unit else "the station's staff chat"
        print(
            f"send `/join {row.code}` in {where} within {hours} hours; the code works once",
            file=sys.stderr,
        )
        return 0
    if key == ("events", "add"):
        try:
            async with database.sessions.begin() as session:
                event = await add_event(
                    session,
                    args.station.upper(),
                    args.date,
                    args.start,
                    args.end,
                    args.capacity,
                    clock,
                )
        except BookingError as error:
            print(f"error: {EVENT_ERRORS.get(error.reason, error.reason)}", file=sys.stderr)
            return 1
        print(
            f"event {event.id}: {event.station_code} {event.day} {event.start:%H:%M}-"
            f"{event.end:%H:%M}, {event.capacity} seats"
        )
        return 0
    if key == ("events", "list"):
        station = args.station.upper() if args.station else None
        async with database.sessions() as session:
            for e in await upcoming_events(session, clock, station, with_seats=False, limit=500):
                print(
                    f"{e.id}\t{e.station_code}\t{e.day}\t{e.start:%H:%M}-{e.end:%H:%M}\t"
                    f"{seats_left(e)}/{e.capacity} seats left"
                )
        return 0
    raise AssertionError(key)


async def _invite_hq(args: argparse.Namespace, database: Database, clock: Clock) -> int:
    """`staff invite --role hq`: print a headquarters analyst's one-time code."""
    if args.unit or args.station:
        print("error: an hq code has no --station or --unit", file=sys.stderr)
        return 2
    async with database.sessions.begin() as session:
        row = await invite_hq(session, clock.now)
    hours = int(INVITE_LIFETIME.total_seconds() // 3600)
    print(row.code)
    print(
        f"send `/join {row.code}` in a private chat with the bot within {hours} hours; "
        "the code works once and makes that user a headquarters analyst",
        file=sys.stderr,
    )
    return 0


async def _import(args: argparse.Namespace, database: Database) -> int:
    registry, problems = check_registry(args.file)
    if registry is None:
        for problem in problems:
            print(f"{args.file}:{problem}", file=sys.stderr)
        print(f"nothing imported: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    async with database.sessions.begin() as session:
        if args.if_empty and await all_stations(session):
            print("stations already present; nothing imported")
            return 0
        added, updated = await import_registry(session, registry)
    note = " (DEMO data: not for deployment)" if registry.demo else ""
    print(f"imported {len(registry.stations)} stations: {added} new, {updated} updated{note}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parser().parse_args(argv)
    return asyncio.run(run(args, StoreSettings()))


if __name__ == "__main__":
    sys.exit(main())
