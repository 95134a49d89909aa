"""Custom Rasa components: text normalisation and the language entity.

`TextNormalizer` runs before the tokenizer and replaces each message's text
by its normalised form (mps.text), moving entity offsets of training examples
along. `LanguageFromMetadata` turns the language the bot sends as message
metadata (or, without it, the detected language) into a `language` entity,
which fills the `language` slot that response variations depend on.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from mps.language import LANGUAGES, detect_language
from mps.text import map_span, normalize_with_map, phrase_pattern
from nlu.classifier import EMERGENCY_SCORE


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    """Folds Arabic/Kurdish letter variants, digits and invisible characters."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        """Create the component (it has no state)."""
        return cls()

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or text.startswith("/"):
            return
        normalized, origin = normalize_with_map(text)
        message.set(TEXT, normalized)
        for entity in message.get(ENTITIES) or []:
            start, end = map_span(
                origin, entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
            )
            entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = start, end

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalise every training example."""
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalise incoming messages."""
        for message in messages:
            self._normalize(message)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageFromMetadata(GraphComponent, EntityExtractorMixin):
    """Adds a `language` entity from metadata["language"] or from the text."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageFromMetadata:
        """Create the component (it has no state)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the language entity to each message that has a language."""
        for message in messages:
            metadata = message.get("metadata") or {}
            language = metadata.get("language") if isinstance(metadata, dict) else None
            if language not in LANGUAGES:
                language = detect_language(message.get(TEXT) or "")
            if language is None:
                continue
            entity = {
                "entity": "language",
                "value": language,
                "start": 0,
                "end": 0,
                "confidence": 1.0,
            }
            self.add_extractor_name([entity])
            message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyKeywords(GraphComponent):
    """Forces the `emergency` intent when a danger phrase appears.

    A classifier can miss a short or unusual cry for help; a missed emergency
    costs far more than a false alarm. The phrases come from
    data/emergency.yml, copied into the config by `nlu/build.py`, so they are
    part of the trained model.
    """

    def __init__(self, keywords: list[str]) -> None:
        self._pattern = phrase_pattern(keywords)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No phrases unless the build step supplies them."""
        return {"keywords": []}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyKeywords:
        """Create the component from its configured phrases."""
        return cls(list(config.get("keywords") or []))

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages that contain a danger phrase."""
        if self._pattern is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            # TEXT was normalised by TextNormalizer at the head of the pipeline.
            if text.startswith("/") or not self._pattern.search(text):
                continue
            intent = {INTENT_NAME_KEY: "emergency", PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                r
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) != "emergency"
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsFallback(GraphComponent):
    """Falls back when not one word of a message was ever seen in training.

    Character n-grams let a classifier answer confidently for gibberish or a
    language it does not know; such a message should get "I am not sure I
    understood" and the topic buttons instead. A predicted `emergency` or
    `discreet_help` is never overridden: missing a cry for help costs more
    than a wrong guess.
    """

    SAFETY_INTENTS = frozenset({"emergency", "discreet_help"})

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, vocabulary: set[str]
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsFallback:
        """Create an untrained component."""
        return cls(model_storage, resource, set())

    @staticmethod
    def _words(message: Message) -> list[str]:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        return [t.text for t in tokens if len(t.text) > 1 and not t.text.isdigit()]

    def train(self, training_data: TrainingData) -> Resource:
        """Remember every word of the training examples."""
        for message in training_data.training_examples:
            self._vocabulary.update(self._words(message))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "vocabulary.json").write_text(
                json.dumps(sorted(self._vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsFallback:
        """Load the vocabulary saved by `train`."""
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        except ValueError:
            words = []
        return cls(model_storage, resource, set(words))

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages without a single known word as `nlu_fallback`."""
        if not self._vocabulary:
            return messages
        for message in messages:
            words = self._words(message)
            text = message.get(TEXT) or ""
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if (
                text.startswith("/")
                or predicted in self.SAFETY_INTENTS
                or not words
                or any(w in self._vocabulary for w in words)
            ):
                continue
            intent = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            # Not one known word: the ranking says nothing (no clarifying
            # buttons from it, and no emergency line from its emergency score).
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            message.set(EMERGENCY_SCORE, 0.0, add_to_output=True)
        return messages
