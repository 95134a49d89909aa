"""Non-emergency reports: filing with its outbox entry, status changes, re-routing.

Delivering the outbox (due rows, sent, failed, dead letters) is mps.outbox.

Callers own the transaction: filing a report and queueing its staff card
happen in one commit, so a report is never confirmed without its delivery
being recorded (the transactional outbox).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps.clock import Clock
from mps.contract import CITIZEN, Reroute, StatusChange, staff_actor
from mps.database import one_row
from mps.delivery import Routed, card_targets
from mps.models import OutboxMessage, Report, ReportEvent, StaffMember, Station
from mps.outbox import new_entry
from mps.references import reference_for
from mps.report_access import member_may_see, owner_may_see
from mps.report_errors import (
    BadStation,
    ChangedMeanwhile,
    IllegalReroute,
    NotAllowed,
    UnknownReport,
)
from mps.report_rules import CATEGORIES, UnitRules, check_transition
from mps.routing import StationIndex
from mps.staff import FAKE_USER_IDS
from mps.stations import TRIAGE
from mps.surveys import after_closure


def sealed_owner() -> str:
    """A random owner for a sensitive report: it links to nobody."""
    return "sealed:" + secrets.token_hex(16)


@dataclass(frozen=True)
class Draft:
    """What the citizen told the report form."""

    category: str
    description: str
    place: str = ""
    point: tuple[float, float] | None = None  # lon, lat
    occurred_on: dt.date | None = None
    photo_file_id: str | None = None
    contact_consent: bool = False
    language: str = "en"
    sensitive: bool = False
    # Set for a call-back: the station is already chosen, and whom to call when.
    station: str | None = None
    contact_phone: str | None = None
    contact_window: str | None = None


# A point outside every jurisdiction goes to the nearest station only if it is this
# close (the demo's polygons reach 4 to 9 km from their station). Further out, in a
# governorate no station covers or at a mistyped point, the central triage team
# places it rather than a station far away.
NEAREST_MAX_KM = 30.0


def station_for_point(index: StationIndex, lon: float, lat: float) -> str | None:
    """The station whose jurisdiction covers the point, else the nearest one within
    NEAREST_MAX_KM; None means the central triage queue."""
    match = index.by_point(lon, lat)
    if match is None:
        return None
    if match.how == "nearest" and (match.distance_km or 0.0) > NEAREST_MAX_KM:
        return None
    return match.code


def place_report(draft: Draft, index: StationIndex) -> str | None:
    """The station for a draft: its point's station (`station_for_point`), else the
    place name when it names exactly one; None means the central triage queue."""
    if draft.station is not None:
        return draft.station
    if draft.point is not None:
        code = station_for_point(index, *draft.point)
        if code is not None:
            return code
    if draft.place:
        matches = index.by_name(draft.place)
        if len(matches) == 1:
            return matches[0].code
    return None


async def file_report(
    session: AsyncSession,
    draft: Draft,
    owner: str,
    key: bytes,
    clock: Clock,
    rules: UnitRules,
    index: StationIndex,
) -> Report:
    """Store the report, its first event and its staff card in the outbox.

    A sensitive report (its unit or category, or a call-back) gets a random owner
    and no contact: nothing in the database leads from it to the person.
    """
    if draft.category not in (*CATEGORIES, "callback"):
        raise ValueError(f"unknown category {draft.category!r}")
    unit = rules.unit_for(draft.category, draft.description)
    sensitive = draft.sensitive or rules.is_sensitive(draft.category, unit)
    report = Report(
        owner=sealed_owner() if sensitive else owner,
        language=draft.language,
        category=draft.category,
        unit=unit,
        station_code=place_report(draft, index) or TRIAGE,
        description=draft.description,
        place=draft.place,
        longitude=draft.point[0] if draft.point else None,
        latitude=draft.point[1] if draft.point else None,
        occurred_on=draft.occurred_on,
        photo_file_id=draft.photo_file_id,
        contact_consent=draft.contact_consent and not sensitive,
        sensitive=sensitive,
        contact_phone=draft.contact_phone,
        contact_window=draft.contact_window,
        status="new",
        created_at=clock.now,
        updated_at=clock.now,
    )
    session.add(report)
    await session.flush()
    report.reference = reference_for(key, report.id)
    record(session, report, clock, CITIZEN, "status", (None, "new"))
    session.add(new_entry(report.id, "staff_card", clock))
    await session.flush()
    return report


async def link_chat(session: AsyncSession, reference: str, owner: str, chat_id: int) -> bool:
    """Store where the owner's updates go, only if they agreed to be contacted."""
    done = await session.execute(
        update(Report)
        .where(Report.reference == reference, Report.owner == owner, Report.contact_consent)
        .values(chat_id=chat_id)
        .execution_options(synchronize_session=False)
    )
    return one_row(done)


async def report_by_reference(session: AsyncSession, reference: str) -> Report | None:
    """The report with this reference (any case), whoever may see it."""
    return await session.scalar(select(Report).where(Report.reference == reference.upper()))


async def report_of(session: AsyncSession, reference: str, owner: str) -> Report | None:
    """The owner's report by reference; anyone else, and any sensitive report, gets None
    ("not found")."""
    report = await report_by_reference(session, reference)
    return report if report is not None and owner_may_see(report, owner) else None


async def reports_of(session: AsyncSession, owner: str, limit: int = 10) -> list[Report]:
    """The owner's latest reports, newest first (sensitive ones are never listed; they
    have no owner anyone has, so they never take a place within `limit`)."""
    rows = await session.scalars(
        select(Report).where(Report.owner == owner).order_by(Report.id.desc()).limit(limit)
    )
    return [r for r in rows.all() if owner_may_see(r, owner)]


async def last_change(session: AsyncSession, report_id: int) -> ReportEvent | None:
    """The newest event of a report."""
    return await session.scalar(
        select(ReportEvent)
        .where(ReportEvent.report_id == report_id)
        .order_by(ReportEvent.id.desc())
        .limit(1)
    )


async def history(session: AsyncSession, report_id: int) -> list[ReportEvent]:
    """Every change of a report, oldest first."""
    rows = await session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
    )
    return list(rows.all())


async def _sees_at(
    session: AsyncSession, report: Routed, user: int, station: str, in_group: bool
) -> bool:
    """Whether the user is staff of `station` who may see the report (mps.report_access)."""
    if user in FAKE_USER_IDS:
        return False
    member = await session.get(StaffMember, (user, station))
    return member is not None and member_may_see(member, report, in_group)


async def may_see(
    session: AsyncSession, report: Routed, staff_user: int, in_group: bool = False
) -> bool:
    """Staff of the report's (or hand-off's) station, and the triage queue's staff when
    the card falls back to them; for a sensitive one only those of its unit, and never
    in a group chat (`in_group`)."""
    if report.station_code is None:
        return False
    if await _sees_at(session, report, staff_user, report.station_code, in_group):
        return True
    if report.station_code == TRIAGE or not await _sees_at(
        session, report, staff_user, TRIAGE, in_group
    ):
        return False
    return (await card_targets(session, report)).at_triage


async def staff_report(
    session: AsyncSession, reference: str, staff_user: int, in_group: bool = False
) -> Report:
    """The report by reference if this staff member may work it (in a group chat, if
    `in_group`); else UnknownReport or NotAllowed."""
    report = await report_by_reference(session, reference)
    if report is None:
        raise UnknownReport(reference)
    if not await may_see(session, report, staff_user, in_group):
        raise NotAllowed(reference, report.status)
    return report


def _notify(
    session: AsyncSession, report: Report, clock: Clock, what: str, note: str | None = None
) -> OutboxMessage | None:
    """Queue an update for the citizen, if they agreed to updates; its outbox row."""
    if not report.contact_consent:
        return None
    payload: dict[str, object] = {"what": what, "note": note}
    entry = new_entry(report.id, "citizen_update", clock, payload)
    session.add(entry)
    return entry


async def change_status(
    session: AsyncSession,
    reference: str,
    staff_user: int,
    new_status: str,
    clock: Clock,
    note: str | None = None,
) -> Report:
    """Move a report along its workflow; refuses illegal changes and non-staff."""
    report = await staff_report(session, reference, staff_user)
    check_transition(report.status, new_status, reference)
    values: dict[str, object] = {"status": new_status, "updated_at": clock.now}
    if new_status == "closed":  # the call is done: her number goes (mps.retention)
        values |= {"contact_phone": None, "contact_window": None}
    done = await session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == report.status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        raise ChangedMeanwhile(reference, report.status)
    actor = staff_actor(staff_user)
    record(session, report, clock, actor, "status", (report.status, new_status), note)
    old = report.status
    report.status = new_status
    if new_status == "closed":
        report.contact_phone = report.contact_window = None
    told = _notify(session, report, clock, StatusChange(old, new_status).encode(), note)
    await session.flush()
    if new_status == "closed" and told is not None:  # her survey follows that update
        after_closure(session, report, told.id, clock)
        await session.flush()
    return report


def record(
    session: AsyncSession,
    report: Report,
    clock: Clock,
    actor: str,
    kind: str,
    change: tuple[str | None, str | None] = (None, None),
    note: str | None = None,
) -> None:
    """Add one line to a report's history (`ReportEvent`): who, what, from → to, a note."""
    before, after = change
    session.add(
        ReportEvent(
            report_id=report.id,
            at=clock.now,
            actor=actor,
            kind=kind,
            from_value=before,
            to_value=after,
            note=note,
        )
    )


async def reroute(
    session: AsyncSession, reference: str, staff_user: int, station_code: str, clock: Clock
) -> Report:
    """Send a report to another station's queue (a new staff card goes out)."""
    report = await staff_report(session, reference, staff_user)
    if report.status == "closed":
        raise IllegalReroute(reference, report.status)
    # Only a real station (never the triage queue, whatever the callback data says).
    if (
        station_code in (report.station_code, TRIAGE)
        or await session.get(Station, station_code) is None
    ):
        raise BadStation(reference, report.status)
    actor = staff_actor(staff_user)
    record(session, report, clock, actor, "reroute", (report.station_code, station_code))
    report.station_code = station_code
    report.updated_at = clock.now
    _notify(session, report, clock, Reroute(station_code).encode())
    session.add(new_entry(report.id, "staff_card", clock))
    await session.flush()
    return report
