"""Filing a report, stopping the form, and following reports up (`/status REF`).

The owner of a report is the Rasa sender id, a keyed pseudonym: a report is
shown only to the pseudonym that filed it, and any other gets "not found".
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.forms import StopFormAction, forget
from actions.limits import may_file
from actions.report_form import FORM_SLOTS
from actions.report_questions import category_name
from actions.report_routing import RULES
from actions.store import Store, get_store
from actions.texts import choice, label, language_of
from actions.tracker import entity_values, free_text, parse_location
from mps.contract import ReportLink
from mps.file_ids import is_file_id
from mps.formatting import day_text
from mps.models import Report, ReportEvent
from mps.report_rules import find_reference
from mps.reports import Draft, file_report, history, report_of, reports_of
from mps.stations import TRIAGE

logger = logging.getLogger(__name__)
RESET = forget(FORM_SLOTS)


def _draft(tracker: Tracker, language: str) -> Draft:
    place = tracker.get_slot("report_place")
    place_text = tracker.get_slot("report_place_text") or ""
    point = parse_location(place_text)
    photo = tracker.get_slot("report_photo")
    when = tracker.get_slot("report_when")
    return Draft(
        category=tracker.get_slot("report_category") or "other",
        description=tracker.get_slot("report_description") or "",
        place="" if point else place_text,
        point=point,
        occurred_on=dt.date.fromisoformat(when) if when else None,
        photo_file_id=photo if photo != "none" and is_file_id(photo) else None,
        contact_consent=bool(tracker.get_slot("report_consent")),
        language=language,
        station=place if place and place != TRIAGE else None,
    )


def station_label(store: Store, code: str | None, language: str) -> str:
    """A station's name, or the central team for the triage queue."""
    station = store.stations.get(code or "")
    if station is None:
        return label("place_unknown", language)
    return station.display_name(language)


async def file_draft(store: Store, draft: Draft, owner: str) -> Report | None:
    """File a draft with its outbox entry in one transaction; None (logged, nothing
    saved) if the database or the reference key failed."""
    try:
        key = store.settings.reference_key()
        async with store.database.sessions.begin() as session:
            return await file_report(session, draft, owner, key, store.clock(), RULES, store.index)
    except (SQLAlchemyError, ValueError) as error:
        logger.error("filing a %s report failed: %s", draft.category, type(error).__name__)
        return None


class ActionFileReport(Action):
    """The end of the form: file the report and give its reference, or say it stopped."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_file_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """File once, in one transaction with its outbox entry."""
        language = language_of(tracker)
        if tracker.get_slot("report_confirmed") is not True:
            dispatcher.utter_message(text=label("report_stopped", language))
            return RESET
        store = await get_store()
        if not await may_file(store.settings, "report", tracker.sender_id):
            dispatcher.utter_message(text=label("report_limit", language))
            return RESET
        draft = _draft(tracker, language)
        report = await file_draft(store, draft, tracker.sender_id)
        if report is None:
            dispatcher.utter_message(text=label("report_failed", language))
            return RESET
        reference, station = report.reference, report.station_code
        logger.info("report filed for station %s", station)
        name = station_label(store, station, language)
        if report.sensitive:
            # For the unit's eyes only, and linked to nobody: no /status, no updates.
            text = label("report_filed_sensitive", language, station=name, reference=reference,
                         unit=choice("unit", report.unit, language))  # fmt: skip
            dispatcher.utter_message(text=text)
            return RESET
        text = label("report_filed", language, station=name, reference=reference)
        if draft.contact_consent:
            text += "\n" + label("report_filed_updates", language)
        dispatcher.utter_message(text=text, json_message=ReportLink(str(reference)).to_json())
        return RESET


class ActionStopReport(StopFormAction):
    """Forget the form's answers (an emergency or another service ended it); nothing is filed."""

    slots = FORM_SLOTS

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_report"


class ActionReportFormHelp(Action):
    """A message the form cannot use: say how to go on (or how to send a photo)."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_report_form_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the hint."""
        in_form = tracker.active_loop.get("name") == "report_form"
        key = "report_form_help" if in_form else "report_photo_outside"
        dispatcher.utter_message(text=label(key, language_of(tracker)))
        return []


def _event_text(event: ReportEvent, store: Store, language: str) -> str:
    if event.kind == "status":
        what = choice("status", str(event.to_value), language)
    elif event.kind == "reroute":
        what = label("history_rerouted", language,
                     station=station_label(store, event.to_value, language))  # fmt: skip
    else:
        key = "history_question" if event.kind == "question" else "history_answer"
        what = label(key, language)
    if event.kind == "status" and event.to_value == "closed" and event.note:
        what = label("history_note", language, what=what, note=event.note)
    when = day_text(event.at.astimezone(store.clock().zone).date(), language, short=True)
    return label("history_line", language, when=when, what=what)


class ActionReportStatus(Action):
    """`/status REF`: the history of one's own report, or a list of one's reports."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_report_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the history or the list."""
        language = language_of(tracker)
        store = await get_store()
        reference = find_reference(entity_values(tracker).get("report_ref") or "") or (
            find_reference(free_text(tracker))
        )
        async with store.database.sessions() as session:
            if reference is None:
                reports = await reports_of(session, tracker.sender_id)
                if not reports:
                    dispatcher.utter_message(text=label("status_none", language))
                    return []
                lines = [
                    label(
                        "status_line",
                        language,
                        reference=r.reference,
                        category=category_name(r.category, language),
                        status=choice("status", r.status, language),
                    )  # fmt: skip
                    for r in reports
                ]
                dispatcher.utter_message(
                    text=label("status_list", language, lines="\n".join(lines))
                )
                return []
            report = await report_of(session, reference, tracker.sender_id)
            if report is None:  # not theirs, or sensitive (mps.report_access)
                dispatcher.utter_message(text=label("status_not_found", language))
                return []
            events = await history(session, report.id)
        steps = "\n".join(_event_text(e, store, language) for e in events)
        dispatcher.utter_message(
            text=label(
                "status_history",
                language,
                reference=report.reference,
                category=category_name(report.category, language),
                status=choice("status", report.status, language),
                lines=steps,
            )
        )
        return []
