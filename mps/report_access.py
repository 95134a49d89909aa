"""Who may see a report: the rule for sensitive reports, in one place.

A sensitive report (family, children, blackmail, a call-back) is for the staff
marked for its unit only, and never in a group chat, where others read along.
It is linked to nobody, so no citizen sees it either. The bot, the actions and
the delivery of cards ask here; so will the staff console.
"""

from __future__ import annotations

from typing import Protocol

from mps.models import Report, StaffMember


class Guarded(Protocol):
    """What the rule reads: a report, or a hand-off (mps.handoff), alike."""

    @property
    def sensitive(self) -> bool: ...

    @property
    def unit(self) -> str: ...


def member_may_see(member: StaffMember, report: Guarded, in_group: bool = False) -> bool:
    """Whether a member of a station that holds the report (or hand-off) may see it, in a
    group chat (`in_group`) or in private (their own chat, a console)."""
    if not report.sensitive:
        return True
    return not in_group and report.unit in (member.units or [])


def owner_may_see(report: Report, owner: str) -> bool:
    """Whether a citizen (by pseudonym) may see a report: their own, never a sensitive one."""
    return report.owner == owner and not report.sensitive
