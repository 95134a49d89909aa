"""Outbox changes and actors of report events: strings kept in database rows.

`status:<old>:<new>` and `reroute:<station>`; `staff:<id>` or `citizen`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mps.contract.fields import colon_field

# --- Outbox changes: what a citizen update announces ----------------------------------


@dataclass(frozen=True)
class StatusChange:
    """A report's status changed: `status:<old>:<new>`."""

    old: str
    new: str

    def encode(self) -> str:
        """The outbox row's `what`."""
        return f"status:{colon_field(self.old)}:{colon_field(self.new)}"


@dataclass(frozen=True)
class Reroute:
    """A report went to another station: `reroute:<station>`."""

    station: str

    def encode(self) -> str:
        """The outbox row's `what`."""
        return f"reroute:{colon_field(self.station)}"


Change = StatusChange | Reroute


def decode_change(what: str) -> Change | None:
    """The change an outbox row announces; None if it is not one."""
    kind, *parts = what.split(":")
    if not all(parts):
        return None
    if kind == "status" and len(parts) == 2:
        return StatusChange(parts[0], parts[1])
    if kind == "reroute" and len(parts) == 1:
        return Reroute(parts[0])
    return None


# --- Actors of report events ----------------------------------------------------------

CITIZEN = "citizen"
_STAFF = "staff:"


def staff_actor(user_id: int) -> str:
    """The actor of a staff member's change: `staff:<id>` (their Telegram id)."""
    return f"{_STAFF}{int(user_id)}"


def staff_of(actor: str) -> int | None:
    """The staff member behind an actor; None for the citizen or anything else."""
    number = actor.removeprefix(_STAFF)
    if number == actor or not number.removeprefix("-").isdigit() or not number.isascii():
        return None
    user = int(number)
    return user if staff_actor(user) == actor else None  # one spelling only: no "007"
