"""A text in each of the assistant's three languages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from mps.language import LANGUAGES


class Localized(BaseModel):
    """One text in Arabic, Kurdish Sorani and English; none may be missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ar: str
    ckb: str
    en: str

    @field_validator("ar", "ckb", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    def get(self, language: str) -> str:
        """Return the text in `language`, English for an unknown code."""
        return str(getattr(self, language if language in LANGUAGES else "en"))
