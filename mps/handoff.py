"""The hand-off to station staff: open, take (one winner), messages, close, time out.

A hand-off is a row that routes a citizen's chat to a station's staff chats while
it is open; the bot relays the messages and stores none of their text. The card
goes where a report's card would (mps.delivery.card_targets): the station's
chats, or for a discreet one (`sensitive`, unit "fcpu") only the private chats
of that unit's staff, and the triage queue's when the station has nobody.
Who may act is the report rule (mps.reports.may_see, mps.report_access).

Taking is a guarded `UPDATE … WHERE status = 'waiting'`: of any number of staff
pressing Take at once, exactly one changes the row; the others are told who
has it. The work the bot must still do for a row (send its cards, redraw them,
say goodbye after a timeout, wipe a discreet one) is flagged on the row in the
same transaction as the change, and leased to one replica (mps.claims), so a
restart or a second replica neither loses nor repeats it.

Figures (mps.handoff_figures) read the times kept on closed rows; a discreet
hand-off is deleted when it ends and leaves only a monthly count (HandoffTally).
Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mps.claims import REPLICA, claim
from mps.clock import Clock
from mps.database import one_row
from mps.handoff_hours import next_opening, periods, staffed_at
from mps.models import Handoff, HandoffMessage, HandoffTally, Station
from mps.reports import may_see
from mps.stations import TRIAGE

# Thirty minutes without a message from either side closes a hand-off.
IDLE = dt.timedelta(minutes=30)
LEASE = dt.timedelta(minutes=2)
MAX_QUESTION = 1000
DISCREET_UNIT = "fcpu"
# How a hand-off ended (`closed_by`).
ENDINGS = ("citizen", "staff", "timeout", "exit")


class HandoffError(Exception):
    """A staff action on a hand-off that cannot be done; `key` is the text staff see."""

    key: ClassVar[str] = "handoff_gone"

    def __init__(self, handoff_id: int, owner: int | None = None) -> None:
        super().__init__(handoff_id, owner)
        self.handoff_id = handoff_id
        self.owner = owner  # who has it, for "already taken by staff #N"


class HandoffGone(HandoffError, LookupError):
    """No such hand-off, or it has ended."""


class NotHandoffStaff(HandoffError, PermissionError):
    """Not staff of its station (or unit, for a discreet one, and never in a group)."""

    key = "handoff_not_staff"


class TakenByOther(HandoffError):
    """Someone else took it: only they reply, close or pass it on."""

    key = "handoff_taken_by"


class NotTakenYet(HandoffError):
    """A reply before anyone pressed Take."""

    key = "handoff_take_first"


class BadHandoffStation(HandoffError, ValueError):
    """Not a station it can go to (its own, the triage queue, unknown; for a discreet
    one, a station without a Family and Child Protection unit)."""

    key = "handoff_bad_station"


def is_open(handoff: Handoff) -> bool:
    """Whether the hand-off still relays messages."""
    return handoff.status != "closed"


async def open_handoff(
    session: AsyncSession,
    chat_id: int,
    station_code: str,
    language: str,
    clock: Clock,
    discreet: bool = False,
    question: str | None = None,
) -> tuple[Handoff, bool]:
    """Open a hand-off of a citizen's chat to a station (the triage queue if the station
    is unknown, or has no unit for a discreet one); the chat's open one if it has one.
    Whether it is new. Outside staffed hours its idle clock starts when staff come on
    duty, so that it waits for them."""
    existing = await session.scalar(select(Handoff).where(Handoff.chat_id == chat_id))
    if existing is not None:
        if is_open(existing):
            return existing, False
        existing.chat_id = None  # an old one still saying goodbye: that can go
        existing.farewell_due = False
        await session.flush()
    station = await session.get(Station, station_code)
    if station is None or (discreet and DISCREET_UNIT not in station.units):
        station = await session.get(Station, TRIAGE)
        assert station is not None, "the triage queue is created by migration 0003"
    local = clock.now.astimezone(clock.zone)
    hours = periods(station.staffed_hours)
    starts = clock.now
    if not staffed_at(hours, local):
        opening = next_opening(hours, local)
        starts = opening.astimezone(dt.UTC) if opening is not None else clock.now
    row = Handoff(
        station_code=station.code,
        sensitive=discreet,
        unit=DISCREET_UNIT if discreet else "",
        language=language,
        status="waiting",
        chat_id=chat_id,
        question=None if discreet or not question else question.strip()[:MAX_QUESTION],
        opened_at=clock.now,
        last_message_at=starts,
        cards_due=True,
        redraw_due=False,
        farewell_due=False,
    )
    session.add(row)
    await session.flush()
    if discreet:
        await _tally(session, station.code, clock, opened=1)
    return row, True


async def citizen_handoff(session: AsyncSession, chat_id: int) -> Handoff | None:
    """The open hand-off of a citizen's chat, if any."""
    return await session.scalar(
        select(Handoff).where(Handoff.chat_id == chat_id, Handoff.status != "closed")
    )


async def staff_handoff(
    session: AsyncSession, handoff_id: int, user: int, in_group: bool = False
) -> Handoff:
    """The open hand-off if this staff member may work it (in a group chat, if
    `in_group`): the report rule, mps.reports.may_see."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None or not is_open(handoff):
        raise HandoffGone(handoff_id)
    if not await may_see(session, handoff, user, in_group):
        raise NotHandoffStaff(handoff_id)
    return handoff


async def take(
    session: AsyncSession,
    handoff_id: int,
    user: int,
    chat_id: int,
    clock: Clock,
    in_group: bool = False,
) -> Handoff:
    """Make `user` its owner, answering from `chat_id`. One winner: the UPDATE changes
    the row only while it is waiting, so of staff pressing at once all but one get
    TakenByOther (with the owner) or HandoffGone."""
    handoff = await staff_handoff(session, handoff_id, user, in_group)
    first = handoff.taken_at is None
    done = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == "waiting")
        .values(
            status="taken",
            owner_user=user,
            owner_chat=chat_id,
            taken_at=func.coalesce(Handoff.taken_at, clock.now),  # the first take counts
            last_message_at=clock.now,
            redraw_due=True,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(handoff)
    if not one_row(done):
        if not is_open(handoff):
            raise HandoffGone(handoff_id)
        raise TakenByOther(handoff_id, handoff.owner_user)
    if handoff.sensitive and first:
        await _tally(
            session,
            handoff.station_code,
            clock,
            taken=1,
            take_seconds=(clock.now - handoff.opened_at).total_seconds(),
        )
    return handoff


def check_owner(handoff: Handoff, user: int) -> None:
    """Only the owner replies to a taken hand-off, closes it or passes it on."""
    if handoff.status == "waiting":
        raise NotTakenYet(handoff.id)
    if handoff.owner_user != user:
        raise TakenByOther(handoff.id, handoff.owner_user)


async def touch(session: AsyncSession, handoff: Handoff, clock: Clock) -> None:
    """A message either way: the idle clock starts again (never earlier than staff
    come on duty, for one opened outside their hours)."""
    if handoff.last_message_at < clock.now:
        await session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.last_message_at < clock.now)
            .values(last_message_at=clock.now)
            .execution_options(synchronize_session=False)
        )


async def close(session: AsyncSession, handoff_id: int, by: str, clock: Clock) -> Handoff | None:
    """End it (`by`: one of ENDINGS); None if it had ended already. The citizen's chat
    and the question are let go at once, but after a timeout the chat is kept until
    the goodbye is sent (`farewell_due`)."""
    if by not in ENDINGS:
        raise ValueError(f"not an ending: {by!r}")
    farewell = by == "timeout"
    values: dict[str, object] = {
        "status": "closed",
        "closed_at": clock.now,
        "closed_by": by,
        "question": None,
        "redraw_due": True,
        "farewell_due": farewell,
    }
    if not farewell:
        values["chat_id"] = None
    done = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status != "closed")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        return None
    handoff = await session.get(Handoff, handoff_id, populate_existing=True)
    assert handoff is not None
    if handoff.sensitive:
        await _tally(
            session,
            handoff.station_code,
            clock,
            ended=1,
            end_seconds=(clock.now - handoff.opened_at).total_seconds(),
        )
    return handoff


async def close_by_staff(
    session: AsyncSession, handoff_id: int, user: int, clock: Clock, in_group: bool = False
) -> Handoff:
    """Staff close it: anyone of the station while it waits, else only its owner."""
    handoff = await staff_handoff(session, handoff_id, user, in_group)
    if handoff.status == "taken":
        check_owner(handoff, user)
    closed = await close(session, handoff_id, "staff", clock)
    if closed is None:
        raise HandoffGone(handoff_id)
    return closed


async def reroute(
    session: AsyncSession,
    handoff_id: int,
    user: int,
    station_code: str,
    clock: Clock,
    in_group: bool = False,
) -> Handoff:
    """Pass it to another station: it waits there for someone to take it, and new
    cards go out (anyone of the station while it waits, else only its owner)."""
    handoff = await staff_handoff(session, handoff_id, user, in_group)
    if handoff.status == "taken":
        check_owner(handoff, user)
    target = await session.get(Station, station_code)
    if (
        target is None
        or station_code in (handoff.station_code, TRIAGE)
        or (handoff.sensitive and DISCREET_UNIT not in target.units)
    ):
        raise BadHandoffStation(handoff_id)
    done = await session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.status == handoff.status,
            Handoff.station_code == handoff.station_code,
        )
        .values(
            station_code=station_code,
            status="waiting",
            owner_user=None,
            owner_chat=None,
            last_message_at=clock.now,
            cards_due=True,
            redraw_due=True,
        )
        .execution_options(synchronize_session=False)
    )
    if not one_row(done):
        raise HandoffGone(handoff_id)
    await session.refresh(handoff)
    return handoff


async def expire_idle(session: AsyncSession, clock: Clock, idle: dt.timedelta = IDLE) -> int:
    """Close every hand-off quiet for `idle`; how many."""
    ids = await session.scalars(
        select(Handoff.id).where(
            Handoff.status != "closed", Handoff.last_message_at < clock.now - idle
        )
    )
    closed = 0
    for handoff_id in ids.all():
        closed += await close(session, handoff_id, "timeout", clock) is not None
    return closed


# --- Messages in staff chats: ids only, to route replies -------------------------------


async def remember(
    session: AsyncSession, chat_id: int, message_id: int, handoff_id: int, kind: str
) -> None:
    """Note that a staff-chat message belongs to a hand-off (card, relay, reply)."""
    await session.merge(
        HandoffMessage(chat_id=chat_id, message_id=message_id, handoff_id=handoff_id, kind=kind)
    )


async def message_handoff(session: AsyncSession, chat_id: int, message_id: int) -> Handoff | None:
    """The hand-off a staff-chat message belongs to."""
    row = await session.get(HandoffMessage, (chat_id, message_id))
    return await session.get(Handoff, row.handoff_id) if row is not None else None


async def thread(
    session: AsyncSession, handoff_id: int, kind: str | None = None
) -> list[HandoffMessage]:
    """The staff-chat messages of a hand-off (of one kind), oldest first."""
    query = select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)
    if kind is not None:
        query = query.where(HandoffMessage.kind == kind)
    rows = await session.scalars(query.order_by(HandoffMessage.message_id))
    return list(rows.all())


async def forget(session: AsyncSession, handoff_id: int) -> None:
    """Delete a discreet hand-off and every row of its thread: nothing of it is left."""
    await session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id))
    await session.execute(delete(Handoff).where(Handoff.id == handoff_id))


# --- The bot's work on rows, leased to one replica ------------------------------------


def _work_due() -> list[ColumnElement[bool]]:
    return [
        or_(
            Handoff.cards_due,
            Handoff.redraw_due,
            Handoff.farewell_due,
            and_(Handoff.sensitive, Handoff.status == "closed"),
        )
    ]


async def claim_work(
    session: AsyncSession, clock: Clock, replica: str = REPLICA, limit: int = 20
) -> list[int]:
    """Lease the hand-offs with work due that no other replica holds; their ids."""
    return await claim(session, Handoff, _work_due(), [Handoff.id], clock, replica, LEASE, limit)


async def work_done(session: AsyncSession, done: Handoff, **flags: bool) -> None:
    """Clear the flags of work done (`cards_due=False`, …) from the state `done` was read
    in: if it was taken, passed on or closed meanwhile, the flag stays, and the work is
    done again for the new state."""
    await session.execute(
        update(Handoff)
        .where(
            Handoff.id == done.id,
            Handoff.status == done.status,
            Handoff.station_code == done.station_code,
        )
        .values(**flags)
        .execution_options(synchronize_session=False)
    )


# --- Unlinked counts of discreet hand-offs --------------------------------------------


async def _tally(session: AsyncSession, station: str, clock: Clock, **counts: float) -> None:
    """Add to the month's counts of a station's discreet hand-offs (insert the month's
    row the first time; a concurrent first insert is retried as an update)."""
    month = clock.now.astimezone(clock.zone).strftime("%Y-%m")
    where = (HandoffTally.station_code == station, HandoffTally.month == month)
    values = {name: getattr(HandoffTally, name) + value for name, value in counts.items()}
    done = await session.execute(
        update(HandoffTally)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if one_row(done):
        return
    fresh = {"opened": 0, "taken": 0, "ended": 0, "take_seconds": 0.0, "end_seconds": 0.0}
    try:
        async with session.begin_nested():
            session.add(HandoffTally(station_code=station, month=month, **(fresh | counts)))
    except IntegrityError:  # another replica inserted the month's row first
        await session.execute(
            update(HandoffTally)
            .where(*where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
