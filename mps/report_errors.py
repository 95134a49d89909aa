"""Why staff work on a report was refused: one exception type per reason.

Each carries the message key staff are shown (`refusal` words it, for the bot and
the staff console alike), the report's reference and, where it matters, its status
then.
"""

from __future__ import annotations

from typing import ClassVar

from mps.catalogue import Catalogue


class ReportError(Exception):
    """A staff action on a report that cannot be done."""

    key: ClassVar[str] = "report_unknown"

    def __init__(self, reference: str, status: str = "") -> None:
        super().__init__(reference, status)
        self.reference = reference
        self.status = status


class UnknownReport(ReportError, LookupError):
    """No report has this reference."""


class BadStation(ReportError, LookupError):
    """Not a station a report can be re-routed to (its own, the triage queue, unknown)."""


class NotAllowed(ReportError, PermissionError):
    """The user is not staff of the report's station (or unit, for sensitive ones), or
    the report may not be shown in this chat."""

    key = "not_station_staff"


class IllegalTransition(ReportError, ValueError):
    """A status change the workflow does not allow (e.g. reopening a closed report)."""

    key = "status_illegal"


class IllegalReroute(ReportError, ValueError):
    """A closed report cannot be re-routed."""

    key = "status_illegal"


class ChangedMeanwhile(ReportError):
    """Someone else changed the report between reading and writing it."""

    key = "status_illegal"


class NoContact(ReportError, ValueError):
    """The citizen did not agree to be contacted (or never opened a chat we can reach)."""

    key = "ask_no_contact"


def refusal(texts: Catalogue, error: ReportError, language: str) -> str:
    """What staff are told when an action is refused (in Telegram or the console)."""
    status = texts.choice("status", error.status, language) if error.status else ""
    return texts.get(error.key, language, reference=error.reference, status=status)
