"""Which intents each form reads as answers, step by step, and what the rules do with the rest.

While a form is open its validator reads every message. A message it takes
fills slots; one it hands back (no slot event for the asked slot) goes to the
rules of data/rules/, which either reply and let the form go on ("X during the
form") or end the form ("X ends the form"). This module is the Python half of
that policy; tests/test_form_rules.py checks that the rules agree with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def _names(text: str) -> frozenset[str]:
    """A set of intent names written as words."""
    return frozenset(text.split())


# Every intent the NLU can give: the domain's, and the fallback classifier's.
INTENTS = _names(
    "greet goodbye thank affirm deny help out_of_scope find_station book_visit my_bookings "
    "cancel_booking confirm_cancel move_booking report_incident report_status emergency "
    "discreet_help human_handoff change_language inform faq choose_topic share_location "
    "share_photo request_callback nlu_fallback"
)
# In a step's set: every message is read as the answer to that step.
ANY = INTENTS
# Never read as an answer: these interrupt the booking and report forms at every step.
INTERRUPTIONS = _names("emergency discreet_help")
# Questions: answered by the rules, never read as a form's answer.
QUESTIONS = _names("faq choose_topic")


@dataclass(frozen=True)
class FormIntents:
    """How one form treats each intent while it is open."""

    # Read at every step: the text may fill or correct any slot.
    answers: frozenset[str] = frozenset()
    # Answers asked again when nothing in them is understood; other answers the
    # form cannot use go to the rules.
    insisting: frozenset[str] = frozenset()
    # Further intents read when that slot is asked (for that slot only).
    steps: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Handed back: a rule replies and the form goes on.
    goes_on: frozenset[str] = frozenset()
    # Handed back: a rule ends the form.
    ends: frozenset[str] = frozenset()
    # Never read, except at a step that names them.
    interruptions: frozenset[str] = INTERRUPTIONS

    def takes(self, step: str, intent: str | None) -> bool:
        """`intent` is read as the answer to `step` when that step is asked."""
        return intent in self.steps.get(step, frozenset())


BOOKING = FormIntents(
    answers=_names("book_visit inform affirm deny share_location nlu_fallback"),
    # A bare "yes" or "no" outside the confirmation goes to the rules instead.
    insisting=_names("book_visit inform share_location nlu_fallback"),
    # Asked for a station or a party size, any message may name one.
    steps={"station": ANY, "party_size": ANY},
    goes_on=_names(
        "faq choose_topic help greet thank out_of_scope nlu_fallback affirm share_photo"
    ),
    ends=_names(
        "emergency discreet_help deny goodbye find_station my_bookings cancel_booking "
        "confirm_cancel move_booking report_incident report_status request_callback "
        "human_handoff change_language"
    ),
)

REPORT = FormIntents(
    answers=_names("report_incident inform affirm deny share_location share_photo nlu_fallback"),
    steps={
        # What happened is free text: any message (but an interruption) describes it.
        "report_description": ANY,
        # "Near the Karrada station", "wadi X" answer "where?" too.
        "report_place": _names("find_station out_of_scope"),
    },
    goes_on=_names(
        "faq choose_topic help greet thank out_of_scope nlu_fallback affirm deny inform "
        "report_incident"
    ),
    ends=_names(
        "emergency discreet_help goodbye find_station book_visit my_bookings cancel_booking "
        "confirm_cancel move_booking report_status human_handoff change_language "
        "request_callback"
    ),
)
# At these steps of the report form a message giving a day answers whatever its
# intent ("no, it happened today" read as report_status), unless it is a question.
REPORT_DAY_STEPS = _names("report_when report_confirmed")

DISCREET = FormIntents(
    steps={
        # Yes, or an emergency: she is in danger; no: she is not.
        "in_danger": _names("affirm emergency deny"),
        # Where she is: any message but a question, small talk or danger may name it.
        "governorate": ANY - _names("emergency faq out_of_scope greet help"),
    },
    goes_on=_names(
        "faq choose_topic help greet nlu_fallback out_of_scope thank discreet_help share_photo"
    ),
    ends=_names(
        "emergency goodbye find_station book_visit my_bookings cancel_booking report_incident "
        "report_status request_callback human_handoff change_language"
    ),
    interruptions=_names("emergency"),
)
# At the governorate step, these are told the place was not found (or offered the
# places it came close to) when the text names none; the others go to the rules.
DISCREET_PLACE_ANSWERS = _names("inform nlu_fallback share_location discreet_help")

CALLBACK = FormIntents(
    steps={
        "callback_consent": _names("affirm deny"),
        # The number and the time are typed: any message (but an emergency) is read.
        "callback_phone": ANY,
        "callback_window": ANY,
    },
    goes_on=_names(
        "faq choose_topic help greet thank out_of_scope nlu_fallback affirm deny inform "
        "discreet_help request_callback share_location share_photo"
    ),
    ends=_names(
        "emergency goodbye find_station book_visit my_bookings cancel_booking report_incident "
        "report_status human_handoff change_language"
    ),
    interruptions=_names("emergency"),
)

HANDOFF = FormIntents(
    answers=_names("human_handoff inform affirm deny share_location nlu_fallback"),
    # Not understood: said so, and asked again ("Not sure" is always there).
    insisting=_names("human_handoff inform affirm share_location nlu_fallback"),
    steps={
        # Where: any message that may name a place ("deny" is "Not sure").
        "handoff_station": _names(
            "human_handoff inform affirm deny share_location nlu_fallback find_station "
            "out_of_scope"
        ),
        "handoff_share": _names("affirm deny"),
    },
    goes_on=_names("faq choose_topic help greet thank out_of_scope"),
    ends=_names(
        "emergency discreet_help goodbye find_station book_visit my_bookings cancel_booking "
        "confirm_cancel move_booking report_incident report_status request_callback "
        "change_language"
    ),
)

# Each form by its name in the domain.
FORMS = {
    "booking_form": BOOKING,
    "report_form": REPORT,
    "discreet_form": DISCREET,
    "callback_form": CALLBACK,
    "handoff_form": HANDOFF,
}
