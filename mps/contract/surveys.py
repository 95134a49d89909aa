"""Survey buttons: `sv:<token>:<answer>` (Telegram callback data).

The token is the survey's own random token (mps.surveys.mark_asked), emptied when the
survey ends: an old button then leads nowhere. A press counts only from the chat the
survey was asked in (mps.survey_answers), so data copied into another chat does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from mps.contract.cards import CALLBACK_DATA_LIMIT

SURVEY_PREFIX = "sv:"
# secrets.token_urlsafe(9): 12 characters of the URL-safe alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{12}")


class SurveyAnswer(Enum):
    """A survey button; the value is its answer in the callback data."""

    RATE_1 = "1"
    RATE_2 = "2"
    RATE_3 = "3"
    RATE_4 = "4"
    RATE_5 = "5"
    RESPECTED = "y"
    NOT_RESPECTED = "n"
    SKIP = "s"

    @property
    def rating(self) -> int | None:
        """The rating of a rating button (1 to 5); None for the others."""
        return int(self.value) if self.value.isdigit() else None


RATINGS = tuple(a for a in SurveyAnswer if a.rating is not None)


@dataclass(frozen=True)
class SurveyPress:
    """A press on a survey button: `sv:<token>:<answer>`."""

    token: str
    answer: SurveyAnswer

    def encode(self) -> str:
        """The button's callback data."""
        if not _TOKEN.fullmatch(self.token):
            raise ValueError("not a survey token")
        data = f"{SURVEY_PREFIX}{self.token}:{self.answer.value}"
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError("callback data over 64 bytes")
        return data

    @classmethod
    def decode(cls, data: str) -> SurveyPress | None:
        """The press behind callback data; None if it is not a survey button's."""
        if not data.startswith(SURVEY_PREFIX):
            return None
        token, _, answer = data.removeprefix(SURVEY_PREFIX).partition(":")
        if not _TOKEN.fullmatch(token):
            return None
        try:
            return cls(token, SurveyAnswer(answer))
        except ValueError:
            return None
