"""Forgetting a citizen's chat after /exit.

Reports and bookings remember the private chat their updates and reminders go
to, surveys the chat they ask in. Once she has wiped the chat, nothing may
appear in it again: the links are cleared (the reports and bookings themselves
stay, under her pseudonym; a survey under way ends, mps.surveys).
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from mps import surveys
from mps.models import Booking, Report, ReportMessage


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """No report update, question, reminder or survey goes to `chat_id` any more."""
    for table in (Report, Booking):
        await session.execute(
            update(table)
            .where(table.chat_id == chat_id)
            .values(chat_id=None)
            .execution_options(synchronize_session=False)
        )
    await session.execute(delete(ReportMessage).where(ReportMessage.chat_id == chat_id))
    await surveys.forget_chat(session, chat_id)
