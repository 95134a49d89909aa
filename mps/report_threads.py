"""The staff side of reports: queues, questions to the citizen and their answers,
which chats get a report's card, and which Telegram message belongs to which report.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.clock import Clock
from mps.contract import CITIZEN, staff_actor
from mps.delivery import card_targets
from mps.models import OutboxMessage, Report, ReportMessage, StaffMember
from mps.outbox import dead_letters, new_entry
from mps.report_access import member_may_see
from mps.report_errors import NoContact
from mps.reports import may_see, record, staff_report
from mps.stations import TRIAGE

MAX_NOTE = 1000


async def open_queue(
    session: AsyncSession, station_code: str, staff_user: int, in_group: bool = False
) -> list[Report]:
    """Open reports of a station, oldest first, that this staff member may see (in a
    group chat, if `in_group`). The triage queue also lists every report whose station
    has nobody to receive it."""
    query = select(Report).where(Report.status != "closed")
    if station_code != TRIAGE:
        query = query.where(Report.station_code == station_code)
    rows = await session.scalars(query.order_by(Report.created_at, Report.id))
    found = []
    for report in rows.all():
        if not await may_see(session, report, staff_user, in_group):
            continue
        if station_code == TRIAGE and report.station_code != TRIAGE:
            if not (await card_targets(session, report)).at_triage:
                continue
        found.append(report)
    return found


async def undelivered(
    session: AsyncSession, station_code: str, staff_user: int, in_group: bool = False
) -> list[tuple[OutboxMessage, Report]]:
    """Dead letters of a station this staff member may see (in a group chat, if
    `in_group`). The triage queue's staff see every station's."""
    member = await session.get(StaffMember, (staff_user, station_code))
    found = []
    for row, report in await dead_letters(session, station_code):
        at_triage = (
            station_code == TRIAGE
            and member is not None
            and member_may_see(member, report, in_group)
        )
        if at_triage or await may_see(session, report, staff_user, in_group):
            found.append((row, report))
    return found


async def ask_citizen(
    session: AsyncSession, reference: str, staff_user: int, question: str, clock: Clock
) -> Report:
    """Record a staff question and queue it for the citizen."""
    report = await staff_report(session, reference, staff_user)
    if not report.contact_consent or report.chat_id is None:
        raise NoContact(reference, report.status)
    text = question.strip()[:MAX_NOTE]
    record(session, report, clock, staff_actor(staff_user), "question", note=text)
    session.add(new_entry(report.id, "question", clock, {"text": text}))
    await session.flush()
    return report


async def answer_staff(session: AsyncSession, report: Report, answer: str, clock: Clock) -> None:
    """Record the citizen's answer and queue it for the station, under the card."""
    text = answer.strip()[:MAX_NOTE]
    record(session, report, clock, CITIZEN, "answer", note=text)
    session.add(new_entry(report.id, "answer", clock, {"text": text}))
    await session.flush()


def redraw_cards_later(session: AsyncSession, report: Report, clock: Clock) -> None:
    """Have the bot redraw the report's Telegram cards (an outbox row, committed with
    the change): for a change made outside the bot, in the staff console."""
    session.add(new_entry(report.id, "card_redraw", clock))


async def card_chats(session: AsyncSession, report: Report) -> list[int]:
    """Where a report's card goes now (see mps.delivery.card_targets): unit staff's
    private chats for a sensitive report, else the station's chats; the triage
    queue's when the station has nobody to receive it."""
    return (await card_targets(session, report)).chats


async def remember(
    session: AsyncSession, chat_id: int, message_id: int, report_id: int, kind: str
) -> None:
    """Note that a Telegram message belongs to a report (a card, a question, a prompt)."""
    await session.merge(
        ReportMessage(chat_id=chat_id, message_id=message_id, report_id=report_id, kind=kind)
    )


async def message_report(
    session: AsyncSession, chat_id: int, message_id: int
) -> tuple[Report, str] | None:
    """The report a message belongs to, and what the message was."""
    row = await session.get(ReportMessage, (chat_id, message_id))
    if row is None:
        return None
    report = await session.get(Report, row.report_id)
    return (report, row.kind) if report is not None else None


async def cards_of(session: AsyncSession, report_id: int) -> list[ReportMessage]:
    """The card messages of a report, in every chat it was sent to."""
    rows = await session.scalars(
        select(ReportMessage)
        .where(ReportMessage.report_id == report_id, ReportMessage.kind == "card")
        .order_by(ReportMessage.message_id)
    )
    return list(rows.all())
