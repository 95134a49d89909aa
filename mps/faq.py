"""The FAQ knowledge base: one YAML file a topic in data/faq/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from mps.language import LANGUAGES
from mps.localized import Localized

FAQ_TOPICS = (
    "opening_hours",
    "clearance_certificate",
    "lost_documents",
    "traffic_accident",
    "police_complaint",
    "family_protection",
    "juvenile_services",
    "community_policing",
    "open_house_days",
    "emergency_numbers",
    "women_officers",
    "cybercrime",
    "detainee_rights",
    "missing_person",
    "data_privacy",
    "feedback",
)
MIN_QUESTIONS = 20


class FaqTopic(BaseModel):
    """One FAQ topic: example questions and the answer in three languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str
    title: Localized
    last_reviewed: date
    sample_data: bool
    source: Localized
    questions: dict[str, list[str]]
    answer: Localized

    @field_validator("questions")
    @classmethod
    def _every_language(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language in LANGUAGES:
            examples = [q.strip() for q in value.get(language, []) if q.strip()]
            if len(set(examples)) < MIN_QUESTIONS:
                raise ValueError(
                    f"needs at least {MIN_QUESTIONS} distinct questions in {language!r}"
                )
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"unknown languages: {sorted(unknown)}")
        return value


class FaqError(ValueError):
    """A FAQ file is missing or invalid; the message names the file."""


def load_topic(path: Path) -> FaqTopic:
    """Load and validate one topic file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        topic = FaqTopic.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise FaqError(f"{path}: {error}") from error
    if topic.topic != path.stem:
        raise FaqError(f"{path}: topic {topic.topic!r} does not match the file name")
    return topic


def load_faq(folder: Path) -> list[FaqTopic]:
    """Load every topic of the contract from `folder`, in contract order."""
    missing = [t for t in FAQ_TOPICS if not (folder / f"{t}.yml").exists()]
    if missing:
        raise FaqError(f"{folder}: missing topic files: {', '.join(missing)}")
    extra = sorted(p.stem for p in folder.glob("*.yml") if p.stem not in FAQ_TOPICS)
    if extra:
        raise FaqError(f"{folder}: topics not in the contract: {', '.join(extra)}")
    return [load_topic(folder / f"{t}.yml") for t in FAQ_TOPICS]
