"""Database tables (SQLAlchemy 2.x typed models), the same on SQLite and PostgreSQL.

Texts shown to users are stored per language as JSON (`{"ar":…, "ckb":…, "en":…}`).
Times are stored in UTC; event dates and times are the station's local wall clock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base of every table."""


def in_language(texts: dict[str, str], language: str) -> str:
    """One of a registry text's languages (name, address, hours), or its English."""
    return texts.get(language, texts["en"])


class Station(Base):
    """A police station from the registry."""

    __tablename__ = "stations"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    governorate: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(16))
    governorate_name: Mapped[dict[str, str]] = mapped_column(JSON)
    address: Mapped[dict[str, str]] = mapped_column(JSON)
    hours: Mapped[dict[str, str]] = mapped_column(JSON)
    phone: Mapped[str] = mapped_column(String(32))
    units: Mapped[list[str]] = mapped_column(JSON)
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    jurisdiction: Mapped[dict[str, object]] = mapped_column(JSON)
    areas: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    demo: Mapped[bool] = mapped_column(default=False)
    # When staff answer hand-offs: [{"days": ["sun", …], "start": "08:00", "end": "14:00"}],
    # wall-clock times in the stations' zone (mps.handoff_hours).
    staffed_hours: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)

    def display_name(self, language: str) -> str:
        """The station's name in `language` (English where it has none)."""
        return in_language(self.name, language)


class Event(Base):
    """An Open House Day at a station."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("stations.code"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    # Seats taken by active bookings; changed only by a guarded UPDATE
    # (`seats_taken + n <= capacity`), so capacity holds under concurrency.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)

    station: Mapped[Station] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("station_code", "day", "start"),
        CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
    )


class Booking(Base):
    """A citizen's booking for an event. `owner` is the Rasa pseudonym, never a Telegram id."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    party_size: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|cancelled
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Where to send the reminder: set by the bot when it delivers the ticket.
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    remind_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Leased to one bot replica while it sends (mps.claims); free again after.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    event: Mapped[Event] = relationship(lazy="raise")

    __table_args__ = (Index("ix_bookings_due", "status", "reminded_at", "remind_at"),)


class StaffInvite(Base):
    """A one-time code that binds a chat to a station (`/join CODE`)."""

    __tablename__ = "staff_invites"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    # None for a headquarters analyst's code (role "hq"), which binds no chat.
    station_code: Mapped[str | None] = mapped_column(ForeignKey("stations.code"), nullable=True)
    # "station": staff of the station; "hq": a headquarters analyst (statistics only).
    role: Mapped[str] = mapped_column(String(16), default="station", server_default="station")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    used_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Units the joining member is marked for (e.g. ["fcpu"]: sees sensitive reports).
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set by `invites revoke`: the code no longer works.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StaffChat(Base):
    """A Telegram chat bound to a station; staff commands work only there."""

    __tablename__ = "staff_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    station_code: Mapped[str] = mapped_column(ForeignKey("stations.code"), index=True)


class StaffMember(Base):
    """A Telegram user who joined a station with a valid code."""

    __tablename__ = "staff_members"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("stations.code"), primary_key=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Units whose sensitive reports this member may see (e.g. ["fcpu"]).
    units: Mapped[list[str]] = mapped_column(JSON, default=list)


class StaffNumber(Base):
    """The internal number a staff member is shown by (on cards, in lists), never the
    Telegram id; kept after the member is removed so old changes still read right."""

    __tablename__ = "staff_numbers"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class HqAnalyst(Base):
    """A headquarters analyst: sees every station's statistics in the staff console,
    and no personal data (no report, no queue)."""

    __tablename__ = "hq_analysts"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ConsoleSeat:
    """Whom a console link or session is for: the user, their role ("station" or "hq"),
    their station (None for hq) and the language of the pages."""

    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(16))  # station | hq
    station_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ConsoleLink(ConsoleSeat, Base):
    """A one-time link into the staff console, sent by the bot on `/console`. Only a
    SHA-256 of its token is kept; it works once, until `expires_at`."""

    __tablename__ = "console_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ConsoleSession(ConsoleSeat, Base):
    """A signed-in browser of the staff console. Only a SHA-256 of the cookie's token
    is kept; the session ends after `mps.console_login.IDLE` without a request."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class StaffAudit(Base):
    """One change of who may see what: a member removed, a chat unbound or moved,
    an invite revoked, a stranger added to a staff group. Who, when, what."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # "admin:<name>" or "bot"
    action: Mapped[str] = mapped_column(String(32))
    station_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target: Mapped[str] = mapped_column(String(64))  # "user:<id>", "chat:<id>", "invite:<code>"
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ChatFailure(Base):
    """The last failed delivery to a chat (blocked, removed, gone), until one succeeds."""

    __tablename__ = "chat_failures"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    error: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=1)
    failed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Report(Base):
    """A non-emergency report. `owner` is the Rasa pseudonym, never a Telegram id; for a
    sensitive report a random value, so nothing links it to the person who filed it."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    category: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    # "TRIAGE" (mps.stations.TRIAGE, a station row no finder shows) when the report
    # could not be placed: the central triage queue. Filing never leaves it None.
    station_code: Mapped[str | None] = mapped_column(
        ForeignKey("stations.code"), nullable=True, index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    occurred_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    photo_file_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_consent: Mapped[bool] = mapped_column(default=False)
    # Sensitive reports (a call-back; Family and Child Protection, juvenile, online
    # blackmail) are shown to unit staff only, in private chats.
    sensitive: Mapped[bool] = mapped_column(default=False)
    # A call-back request: the number to call and the safe time window.
    contact_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    contact_window: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Partner(Base):
    """Another public system (a municipality's app, a call centre) that hands reports
    in through Open311. Only a SHA-256 hash of its API key is kept: the key itself is
    shown once, when the partner is added (`python -m bot.admin partners add`)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Set by `partners revoke`: the key no longer works; its reports stay.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ReportEvent(Base):
    """One change of a report: who, when, from, to, and a note."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # "citizen", "system" or "staff:<id>"
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))  # status, reroute, question, answer
    from_value: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_value: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutboxMessage(Base):
    """A message to deliver, committed with the change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # staff_card, citizen_update, question
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # When the change was committed: the age of the oldest undelivered row (/metrics).
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime, server_default=text("CURRENT_TIMESTAMP")
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Given up on after bounded retries (or nobody to deliver to): shown in /queue and
    # by `python -m bot.admin outbox dead`, retried only by `outbox retry`.
    dead_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Leased to one bot replica while it sends (mps.claims); free again after.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)


class ReportMessage(Base):
    """A Telegram message about a report (its card, a question), to route replies."""

    __tablename__ = "report_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    # card, question (to the citizen), ask or close (a staff prompt awaiting a reply)
    kind: Mapped[str] = mapped_column(String(16))


class BotState(Base):
    """Small durable values of the bot, e.g. the last processed Telegram update id."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ChatTrailEntry(Base):
    """A message the bot may still delete when its private chat says /exit (ids and
    times only, never text; kept 48 hours, Telegram's window for deleting)."""

    __tablename__ = "chat_trail"

    # A keyed hash of the chat id, not the id itself.
    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class ExitedChat(Base):
    """A private chat that just said /exit: nothing older may be posted into it."""

    __tablename__ = "exited_chats"

    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)  # the /exit (or Exit) update
    reopened: Mapped[bool] = mapped_column(default=False)  # she wrote again since
    until: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class SeenUpdate(Base):
    """A Telegram update already handled (kept 48 hours)."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class Handoff(Base):
    """A citizen's conversation with a station's staff, relayed by the bot.

    While it is open it holds the citizen's chat (to relay staff replies); closing
    it empties the chat and the question, and keeps the times for the station's
    figures. A discreet one (`sensitive`, for unit staff only) is deleted when it
    ends: only an unlinked count is kept (HandoffTally). Message texts are relayed,
    never stored.
    """

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The queue it is in: a station, or "TRIAGE".
    station_code: Mapped[str] = mapped_column(ForeignKey("stations.code"), index=True)
    sensitive: Mapped[bool] = mapped_column(default=False)
    unit: Mapped[str] = mapped_column(String(32), default="")  # "fcpu" when sensitive
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting|taken|closed
    # The citizen's private chat, only while open (unique: one open hand-off a chat).
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    # The question the assistant could not answer, passed on with consent (never for a
    # sensitive one); emptied at close.
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Who took it (a Telegram user id: shown to nobody, cards say "staff #N") and where.
    owner_user: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    owner_chat: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The last message either way: 30 minutes after it, the hand-off times out.
    last_message_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # The cards still to send (a new hand-off, a re-route) and to redraw.
    cards_due: Mapped[bool] = mapped_column(default=True)
    redraw_due: Mapped[bool] = mapped_column(default=False)
    # The closing words still to send to the citizen and staff (after a timeout).
    farewell_due: Mapped[bool] = mapped_column(default=False)
    # Leased to one bot replica while it sends (mps.claims).
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_handoffs_open", "status", "last_message_at"),)


class HandoffMessage(Base):
    """A message in a staff chat that belongs to a hand-off (its card, a relayed
    message, a staff reply): routes staff replies. Ids only, never text."""

    __tablename__ = "handoff_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # card, relay, reply


class HandoffTally(Base):
    """Discreet hand-offs of a station in a month, counted without any link to one:
    how many opened, were taken and ended, and the seconds to take and to end, summed."""

    __tablename__ = "handoff_tallies"

    station_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    opened: Mapped[int] = mapped_column(Integer, default=0)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    ended: Mapped[int] = mapped_column(Integer, default=0)
    take_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    end_seconds: Mapped[float] = mapped_column(Float, default=0.0)
