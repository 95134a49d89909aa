"""The questions of `report_form`, each with its buttons, and the summary to confirm."""

from __future__ import annotations

import datetime as dt

from rasa_sdk import Tracker

from actions.asking import AskAction, Question
from actions.places import choice_buttons, did_you_mean, read_choices
from actions.store import Store, get_store
from actions.texts import choice, label
from actions.tracker import parse_location
from mps.contract import intent_payload
from mps.formatting import day_text
from mps.report_rules import CATEGORIES
from mps.stations import TRIAGE


def _button(title: str, payload: str) -> dict[str, str]:
    return {"title": title, "payload": payload}


def category_name(category: str, language: str) -> str:
    """A category in the reader's language."""
    return choice("category", category, language)


def place_name(store: Store, code: str | None, text: str | None, language: str) -> str:
    """Where a report goes, as the citizen reads it."""
    if code is None or code == TRIAGE:
        return label("place_unknown", language) + (f": {text}" if text else "")
    station = store.stations.get(code)
    name = station.display_name(language) if station else code
    if text and parse_location(text) is not None:
        return f"{label('place_point', language)} → {name}"
    return f"{text} → {name}" if text else name


class ActionAskReportCategory(AskAction):
    """What kind of problem: one button per category."""

    slot = "report_category"

    async def question(self, tracker: Tracker, language: str) -> Question:
        buttons = [
            _button(category_name(c, language), intent_payload("inform", category=c))
            for c in CATEGORIES
        ]
        return label("report_ask_category", language), buttons


class ActionAskReportDescription(AskAction):
    """What happened, in the citizen's words."""

    slot = "report_description"

    async def question(self, tracker: Tracker, language: str) -> Question:
        return label("report_ask_description", language), []


class ActionAskReportPlace(AskAction):
    """Where: share a location or name a place; or choose among matching areas."""

    slot = "report_place"

    async def question(self, tracker: Tracker, language: str) -> Question:
        store = await get_store()
        choices = read_choices(tracker.get_slot("report_place_choices"), store.stations)
        unsure = _button(label("report_place_unsure", language), "/deny")
        if any(c.suggested for c in choices):
            return did_you_mean(choices, store.stations, language, "inform", unsure)
        if choices:
            buttons = choice_buttons(choices, store.stations, language, "inform")
            return label("report_place_choose", language), [*buttons, unsure]
        return label("report_ask_place", language), []


class ActionAskReportWhen(AskAction):
    """When: today or yesterday as buttons, or any date in words or digits."""

    slot = "report_when"

    async def question(self, tracker: Tracker, language: str) -> Question:
        today = (await get_store()).clock().today
        days = (("report_when_today", today), ("report_when_yesterday", today - dt.timedelta(1)))
        buttons = [
            _button(label(key, language), intent_payload("inform", date=day.isoformat()))
            for key, day in days
        ]
        return label("report_ask_when", language), buttons


class ActionAskReportPhoto(AskAction):
    """An optional photo."""

    slot = "report_photo"

    async def question(self, tracker: Tracker, language: str) -> Question:
        return label("report_ask_photo", language), [
            _button(label("report_no_photo", language), "/deny")
        ]


class ActionAskReportConsent(AskAction):
    """Consent to be contacted and to receive updates."""

    slot = "report_consent"

    async def question(self, tracker: Tracker, language: str) -> Question:
        return label("report_ask_consent", language), [
            _button(label("report_consent_yes", language), "/affirm"),
            _button(label("report_consent_no", language), "/deny"),
        ]


class ActionAskReportConfirmed(AskAction):
    """The summary, to send or correct."""

    slot = "report_confirmed"

    async def question(self, tracker: Tracker, language: str) -> Question:
        store = await get_store()
        when = tracker.get_slot("report_when")
        photo = tracker.get_slot("report_photo")
        text = label(
            "report_summary",
            language,
            category=category_name(tracker.get_slot("report_category") or "other", language),
            description=tracker.get_slot("report_description") or "",
            place=place_name(
                store,
                tracker.get_slot("report_place"),
                tracker.get_slot("report_place_text"),
                language,
            ),  # fmt: skip
            date=day_text(dt.date.fromisoformat(when), language) if when else "",
            photo=label("with_photo" if photo and photo != "none" else "without_photo", language),
            consent=label(
                "consent_yes" if tracker.get_slot("report_consent") else "consent_no", language
            ),  # fmt: skip
        )
        return text, [
            _button(label("report_send", language), "/affirm"),
            _button(label("report_cancel", language), "/deny"),
        ]
