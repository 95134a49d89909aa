"""What people asked the assistant, counted by day: FAQ topics answered, and messages
it could not read by language. Counts only (QuestionCount): never the text, the
sender or the time of a message, so nothing leads back to a person.

The bot counts a turn when Rasa's channel says what it was (mps/contract/turns.py):
once per turn Rasa took, after its replies went out. One upsert a turn, adding 1 to
the day's row, so bot replicas add up instead of overwriting each other.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mps.contract import TurnNote
from mps.faq import FAQ_TOPICS
from mps.language import LANGUAGES
from mps.models import QuestionCount

FAQ, UNANSWERED = "faq", "unanswered"


def count_key(note: TurnNote, language: str) -> tuple[str, str] | None:
    """(kind, key) of a turn: ("faq", topic) or ("unanswered", language); None for a
    topic or language the product does not have (a forged payload names anything)."""
    if note.kind == "faq":
        return (FAQ, note.topic) if note.topic in FAQ_TOPICS else None
    return (UNANSWERED, language) if language in LANGUAGES else None


async def count_question(session: AsyncSession, day: dt.date, kind: str, key: str) -> None:
    """Add one to the day's count of `kind` and `key` (created at 1)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(QuestionCount).values(day=day, kind=kind, key=key, count=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "kind", "key"],
            set_={"count": QuestionCount.count + 1},
        )
    )


async def question_counts(
    session: AsyncSession, first: dt.date, last: dt.date, kind: str
) -> Counter[str]:
    """The counts of `kind` by key over the days `first` to `last`, both included."""
    rows = await session.execute(
        select(QuestionCount.key, func.sum(QuestionCount.count))
        .where(QuestionCount.kind == kind, QuestionCount.day.between(first, last))
        .group_by(QuestionCount.key)
    )
    return Counter({key: int(total) for key, total in rows.all()})
