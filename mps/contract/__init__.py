"""Every string that crosses a process boundary: one builder and one parser each.

- Rasa intent payloads, `/intent@0.9{"entity": "value"}` (buttons, bot commands);
- FAQ topic buttons, `topic:<name>` (Rasa reads braces in a response as slots);
- directives: the bot's instructions in Rasa custom messages (a ticket, a report
  link, a map pin…);
- staff card buttons, `r:<verb>:<reference>[:<station>]` (Telegram callback data);
- outbox changes, `status:<old>:<new>` and `reroute:<station>` (database rows);
- actors of report events, `staff:<id>` or `citizen` (database rows);
- the hand-off: card buttons `h:<verb>:<id>[:<station>]`, the End button, the
  discreet mode of a hand-off payload, and the directive that opens one;
- what a turn was (an FAQ topic answered, a message not understood), in a header of
  Rasa's REST channel to the bot;
- survey buttons, `sv:<token>:<answer>` (Telegram callback data).

The bot, the actions, nlu/build.py and the tests import it; nothing here knows
Telegram or Rasa. Each group is a module of this package; its names are re-exported
here. Parsers return None for anything malformed: callback data and button payloads
can be forged, and old rows and old cards must still decode.
"""

from mps.contract.cards import (
    CALLBACK_DATA_LIMIT,
    CARD_PREFIX,
    CARD_STATUS,
    CardAction,
    CardPress,
)
from mps.contract.changes import (
    CITIZEN,
    Reroute,
    StatusChange,
    decode_change,
    staff_actor,
    staff_of,
)
from mps.contract.directives import (
    CallbackFiled,
    Directive,
    Document,
    HandoffStart,
    LanguageMenu,
    Pin,
    ReportLink,
    Ticket,
)
from mps.contract.handoff import (
    DISCREET_MODE,
    END_CALLBACK,
    HANDOFF_MODE_ENTITY,
    HANDOFF_PREFIX,
    HandoffAction,
    HandoffPress,
)
from mps.contract.payloads import (
    EXIT_PAYLOAD,
    IntentPayload,
    intent_payload,
    parse_intent_payload,
    parse_topic,
    topic_intent,
    topic_payload,
)
from mps.contract.surveys import RATINGS, SURVEY_PREFIX, SurveyAnswer, SurveyPress
from mps.contract.turns import TURN_HEADER, TurnNote

__all__ = [
    "CALLBACK_DATA_LIMIT",
    "CARD_PREFIX",
    "CARD_STATUS",
    "CITIZEN",
    "CallbackFiled",
    "CardAction",
    "CardPress",
    "DISCREET_MODE",
    "Directive",
    "Document",
    "END_CALLBACK",
    "EXIT_PAYLOAD",
    "HANDOFF_MODE_ENTITY",
    "HANDOFF_PREFIX",
    "HandoffAction",
    "HandoffPress",
    "HandoffStart",
    "IntentPayload",
    "LanguageMenu",
    "Pin",
    "RATINGS",
    "ReportLink",
    "Reroute",
    "SURVEY_PREFIX",
    "StatusChange",
    "SurveyAnswer",
    "SurveyPress",
    "TURN_HEADER",
    "Ticket",
    "TurnNote",
    "decode_change",
    "intent_payload",
    "parse_intent_payload",
    "parse_topic",
    "staff_actor",
    "staff_of",
    "topic_intent",
    "topic_payload",
]
