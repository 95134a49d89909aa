"""The staff side of reports: queues, questions to the citizen and their answers,
which chats get a report's card, and which Telegram message belongs to which report.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.bookings import Clock
from mps.models import OutboxMessage, Report, ReportEvent, ReportMessage, StaffChat, StaffMember
from mps.reports import may_see, staff_report
from mps.stations import TRIAGE

MAX_NOTE = 1000


class NoContact(ValueError):
    """The citizen did not agree to be contacted (or never opened a chat we can reach)."""


async def open_queue(session: AsyncSession, station_code: str, staff_user: int) -> list[Report]:
    """Open reports of a station, oldest first, that this staff member may see."""
    rows = await session.scalars(
        select(Report)
        .where(Report.station_code == station_code, Report.status != "closed")
        .order_by(Report.created_at, Report.id)
    )
    return [r for r in rows.all() if await may_see(session, r, staff_user)]


async def ask_citizen(
    session: AsyncSession, reference: str, staff_user: int, question: str, clock: Clock
) -> Report:
    """Record a staff question and queue it for the citizen."""
    report = await staff_report(session, reference, staff_user)
    if not report.contact_consent or report.chat_id is None:
        raise NoContact(reference)
    text = question.strip()[:MAX_NOTE]
    session.add(ReportEvent(report_id=report.id, at=clock.now, actor=f"staff:{staff_user}",
                            kind="question", note=text))  # fmt: skip
    session.add(OutboxMessage(report_id=report.id, kind="question", payload={"text": text},
                              next_attempt_at=clock.now))  # fmt: skip
    await session.flush()
    return report


async def answer_staff(session: AsyncSession, report: Report, answer: str, clock: Clock) -> None:
    """Record the citizen's answer and queue it for the station, under the card."""
    text = answer.strip()[:MAX_NOTE]
    session.add(ReportEvent(report_id=report.id, at=clock.now, actor="citizen", kind="answer",
                            note=text))  # fmt: skip
    session.add(OutboxMessage(report_id=report.id, kind="answer", payload={"text": text},
                              next_attempt_at=clock.now))  # fmt: skip
    await session.flush()


async def card_chats(session: AsyncSession, report: Report) -> list[int]:
    """Where a report's card goes.

    A sensitive report goes only to the private chats of staff marked for its unit;
    any other to the chats bound to its station, or to the triage queue's chats
    when the station has none.
    """
    assert report.station_code is not None
    if report.sensitive:
        members = await session.scalars(
            select(StaffMember).where(StaffMember.station_code == report.station_code)
        )
        return sorted(m.user_id for m in members.all() if report.unit in (m.units or []))
    for code in (report.station_code, TRIAGE):
        chats = await session.scalars(
            select(StaffChat.chat_id)
            .where(StaffChat.station_code == code)
            .order_by(StaffChat.chat_id)
        )
        found = list(chats.all())
        if found:
            return found
    return []


async def remember(
    session: AsyncSession, chat_id: int, message_id: int, report_id: int, kind: str
) -> None:
    """Note that a Telegram message belongs to a report (a card, a question, a prompt)."""
    await session.merge(ReportMessage(chat_id=chat_id, message_id=message_id,
                                      report_id=report_id, kind=kind))  # fmt: skip


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
