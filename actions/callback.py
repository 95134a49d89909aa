"""The discreet safe call-back: consent, a phone number and a safe time window.

It becomes a minimal, sensitive report in the Family and Child Protection
queue of the station the discreet contacts showed (its code comes with the
button). Nothing she wrote is stored: only the number and the window.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.discreet import exit_button
from actions.report_form import RULES
from actions.stations import entity_values, free_text
from actions.store import get_store
from actions.texts import label, language_of
from mps.formatting import digits
from mps.phone import WINDOWS, parse_mobile, parse_window
from mps.reports import Draft, file_report

logger = logging.getLogger(__name__)
RESET = [SlotSet(name, None) for name in
         ("callback_consent", "callback_phone", "callback_window", "station")]  # fmt: skip


class ValidateCallbackForm(Action):
    """Fills `callback_form`: yes/no, then a mobile number, then a time window."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Slot events for this turn; none when the message is not an answer."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "emergency":
            return []
        language = language_of(tracker)
        requested = tracker.get_slot("requested_slot")
        entities = entity_values(tracker)
        text = free_text(tracker)
        if requested is None:
            station = entities.get("station")
            return [SlotSet("station", station)] if station else []
        if requested == "callback_consent":
            if intent == "affirm":
                return [SlotSet("callback_consent", True)]
            if intent == "deny":
                return [SlotSet("callback_consent", False), SlotSet("requested_slot", None)]
            return []
        if requested == "callback_phone":
            phone = parse_mobile(text)
            if phone is None:
                dispatcher.utter_message(text=label("callback_phone_invalid", language),
                                         buttons=[exit_button(language)])  # fmt: skip
            return [SlotSet("callback_phone", phone)]
        if requested == "callback_window":
            window = parse_window(entities.get("callback_window") or text)
            if window is None:
                dispatcher.utter_message(text=label("callback_window_invalid", language),
                                         buttons=[exit_button(language)])  # fmt: skip
            else:
                window = next((k for k, v in WINDOWS.items() if v == window), window)
            return [SlotSet("callback_window", window)]
        return []


class _AskCallback(Action):
    slot = ""
    key = ""

    def name(self) -> str:
        """Name of the action in the domain."""
        return f"action_ask_{self.slot}"

    def buttons(self, language: str) -> list[dict[str, str]]:
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the question, with Exit."""
        language = language_of(tracker)
        buttons = [*self.buttons(language), exit_button(language)]
        dispatcher.utter_message(text=label(self.key, language), buttons=buttons)
        return []


class ActionAskCallbackConsent(_AskCallback):
    """What a call-back is, and whether she wants one."""

    slot, key = "callback_consent", "callback_ask_consent"

    def buttons(self, language: str) -> list[dict[str, str]]:
        return [
            {"title": label("callback_yes", language), "payload": "/affirm"},
            {"title": label("callback_no", language), "payload": "/deny"},
        ]


class ActionAskCallbackPhone(_AskCallback):
    """The number to call."""

    slot, key = "callback_phone", "callback_ask_phone"


class ActionAskCallbackWindow(_AskCallback):
    """A safe time to call."""

    slot, key = "callback_window", "callback_ask_window"

    def buttons(self, language: str) -> list[dict[str, str]]:
        return [
            {
                "title": label(f"window_{name}", language),
                "payload": f'/inform{{"callback_window": "{name}"}}',
            }  # fmt: skip
            for name in WINDOWS
        ]


def window_text(window: str, language: str) -> str:
    """A window in the reader's words and digits."""
    if window in WINDOWS:
        return label(f"window_{window}", language)
    return digits(window, language)


class ActionFileCallback(Action):
    """The end of the call-back form: queue the request, or say no call will come."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_file_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """File a sensitive report holding only the number and the window."""
        language = language_of(tracker)
        exit_only = [exit_button(language)]
        phone, window = tracker.get_slot("callback_phone"), tracker.get_slot("callback_window")
        if tracker.get_slot("callback_consent") is not True or not phone or not window:
            dispatcher.utter_message(text=label("callback_declined", language), buttons=exit_only)
            return RESET
        store = await get_store()
        station = tracker.get_slot("station")
        draft = Draft(
            category="callback",
            description="",
            language=language,
            sensitive=True,
            contact_consent=False,
            station=station if station in store.stations else None,
            contact_phone=phone,
            contact_window=WINDOWS.get(window, window),
        )
        try:
            key = store.settings.reference_key()
            async with store.database.sessions.begin() as session:
                await file_report(
                    session, draft, tracker.sender_id, key, store.clock(), RULES, store.index
                )
        except (SQLAlchemyError, ValueError) as error:
            logger.error("filing a call-back failed: %s", type(error).__name__)
            dispatcher.utter_message(text=label("callback_failed", language), buttons=exit_only)
            return RESET
        logger.info("call-back request queued")
        local = "0" + phone[4:] if phone.startswith("+964") else phone
        dispatcher.utter_message(
            text=label(
                "callback_done",
                language,
                phone=digits(local, language),
                window=window_text(window, language),
            ),  # fmt: skip
            buttons=exit_only,
        )
        return RESET


class ActionStopCallback(Action):
    """Forget the call-back answers (an emergency or another service ended it)."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Leave the form and reset its slots."""
        return [ActiveLoop(None), SlotSet("requested_slot", None), *RESET]
