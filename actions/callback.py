"""The discreet safe call-back: consent, a phone number and a safe time window.

It becomes a minimal, sensitive report in the Family and Child Protection
queue of the station the discreet contacts showed (its code comes with the
button). Nothing she wrote is stored: only the number and the window.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.asking import AskAction, Question
from actions.discreet import exit_button
from actions.forms import FormTurn, StopFormAction, forget
from actions.intents import CALLBACK
from actions.limits import may_file
from actions.reports import file_draft
from actions.store import get_store
from actions.texts import choice, label, language_of
from actions.tracker import intent_of
from mps.contract import CallbackFiled, intent_payload
from mps.formatting import digits
from mps.phone import WINDOWS, parse_mobile, parse_window
from mps.reports import Draft

logger = logging.getLogger(__name__)
# The form's slots, and the station the call-back goes to.
FORM_SLOTS = ("callback_consent", "callback_phone", "callback_window", "station")
RESET = forget(FORM_SLOTS)


class ValidateCallbackForm(Action):
    """Fills `callback_form`: yes/no, then a mobile number, then a time window."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Slot events for this turn; none when the message is not an answer."""
        if intent_of(tracker) in CALLBACK.interruptions:
            return []
        turn = _Turn(dispatcher, tracker)
        if turn.requested is None:
            turn.station()
        elif turn.takes("callback_consent"):
            turn.consent()
        elif turn.takes("callback_phone"):
            turn.phone()
        elif turn.takes("callback_window"):
            turn.window()
        return turn.events()


class _Turn(FormTurn):
    """One user turn of the call-back form."""

    intents = CALLBACK

    def station(self) -> None:
        """The station whose unit calls back, from the button that opened the form."""
        station = self.entities.get("station")
        if station:
            self.set("station", station)

    def consent(self) -> None:
        """Yes goes on to the number; no ends the form."""
        self.yes_or_no("callback_consent", self.intent == "affirm", ending=False)

    def phone(self) -> None:
        """An Iraqi mobile number, typed in any digits; asked again until it is one."""
        phone = parse_mobile(self.text)
        if phone is None:
            self.dispatcher.utter_message(text=label("callback_phone_invalid", self.language),
                                          buttons=[exit_button(self.language)])  # fmt: skip
        self.set("callback_phone", phone)

    def window(self) -> None:
        """A safe time to call: a button, or a window typed as hours."""
        window = parse_window(self.entities.get("callback_window") or self.text)
        if window is None:
            self.dispatcher.utter_message(text=label("callback_window_invalid", self.language),
                                          buttons=[exit_button(self.language)])  # fmt: skip
        else:
            window = next((k for k, v in WINDOWS.items() if v == window), window)
        self.set("callback_window", window)


def _with_exit(key: str, language: str, *buttons: dict[str, str]) -> Question:
    """A question of the call-back form: its text, its buttons and Exit."""
    return label(key, language), [*buttons, exit_button(language)]


class ActionAskCallbackConsent(AskAction):
    """What a call-back is, and whether she wants one."""

    slot = "callback_consent"

    async def question(self, tracker: Tracker, language: str) -> Question:
        """Yes or No."""
        return _with_exit(
            "callback_ask_consent",
            language,
            {"title": label("callback_yes", language), "payload": "/affirm"},
            {"title": label("callback_no", language), "payload": "/deny"},
        )


class ActionAskCallbackPhone(AskAction):
    """The number to call."""

    slot = "callback_phone"

    async def question(self, tracker: Tracker, language: str) -> Question:
        """Typed: no buttons but Exit."""
        return _with_exit("callback_ask_phone", language)


class ActionAskCallbackWindow(AskAction):
    """A safe time to call."""

    slot = "callback_window"

    async def question(self, tracker: Tracker, language: str) -> Question:
        """One button per window."""
        windows = [
            {
                "title": choice("window", name, language),
                "payload": intent_payload("inform", callback_window=name),
            }  # fmt: skip
            for name in WINDOWS
        ]
        return _with_exit("callback_ask_window", language, *windows)


def window_text(window: str, language: str) -> str:
    """A window in the reader's words and digits."""
    if window in WINDOWS:
        return choice("window", window, language)
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
        if not await may_file(store.settings, "callback", tracker.sender_id):
            dispatcher.utter_message(text=label("callback_limit", language), buttons=exit_only)
            return RESET
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
        report = await file_draft(store, draft, tracker.sender_id)
        if report is None:
            dispatcher.utter_message(text=label("callback_failed", language), buttons=exit_only)
            return RESET
        logger.info("call-back request queued")
        local = "0" + phone[4:] if phone.startswith("+964") else phone
        # Recorded, not yet received: the bot tells her once an officer has the card
        # (or that none could be reached), so "an officer will call" is never said early.
        dispatcher.utter_message(
            text=label(
                "callback_recorded",
                language,
                phone=digits(local, language),
                window=window_text(window, language),
            ),  # fmt: skip
            buttons=exit_only,
            json_message=CallbackFiled(str(report.reference)).to_json(),
        )
        return RESET


class ActionStopCallback(StopFormAction):
    """Forget the call-back answers (an emergency or another service ended it)."""

    slots = FORM_SLOTS

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_callback"
