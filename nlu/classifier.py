"""`LinearIntentClassifier`: intents and FAQ topics from one linear model.

Replaces DIET and the ResponseSelector (see the README's cross-validation
table: more accurate on this data, trains in seconds, a few megabytes). It
predicts `faq/<topic>` labels directly; the message gets intent `faq` (the
sum of the topics' probabilities) and a `response_selector` entry in the
same shape as Rasa's ResponseSelector, so `utter_faq` and the contract's
`response_selector.faq.response.intent_response_key` work unchanged.

It also adds `emergency_score` (the emergency probability) to the parse
output: the REST channel (`nlu.channel`) adds the emergency line to any
answer whose score is above a low threshold, whatever the top intent.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.linear import LinearIntentModel, ModelConfig, intent_ranking, topic_ranking

EMERGENCY_SCORE = "emergency_score"
FALLBACK = "nlu_fallback"
# Never replaced by the fallback: a doubtful cry for help still gets help.
SAFETY_INTENTS = frozenset({"emergency", "discreet_help"})
RANKING_LENGTH = 10
_MODEL_FILE = "linear_intent_model.pkl"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """TF-IDF character and word n-grams with a linear SVM (nlu.linear)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The shipped model's hyper-parameters (nlu.linear.ModelConfig)."""
        defaults = ModelConfig()
        return {
            "estimator": defaults.estimator,
            "char_ngram": list(defaults.char_ngram),
            "word_ngram": list(defaults.word_ngram),
            "max_char_features": defaults.max_char_features,
            "max_word_features": defaults.max_word_features,
            "c": defaults.c,
            "temperature": defaults.temperature,
            "random_seed": defaults.random_seed,
            "retrieval_intent": "faq",
            "fallback_threshold": 0.35,
            "ambiguity_threshold": 0.05,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: LinearIntentModel | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        """An untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the model on every example that has an intent."""
        texts: list[str] = []
        labels: list[str] = []
        for message in training_data.intent_examples:
            text = message.get(TEXT)
            if not text:
                continue
            texts.append(text)
            labels.append(message.get(INTENT_RESPONSE_KEY) or message.get(INTENT))
        model = LinearIntentModel(ModelConfig.from_dict(self._config)).fit(texts, labels)
        # Pruned-term sets are only for inspection and would make the file large.
        for vectorizer in (model.chars, model.words):
            vectorizer.stop_words_ = None
        model.classifier.coef_ = model.classifier.coef_.astype(np.float32)
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(pickle.dumps(model, protocol=4))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        """Load the model written by `train` (the file is part of our own model archive)."""
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / _MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        """Set intent, ranking, FAQ selection and emergency score on each message."""
        if self._model is None:
            return messages
        todo = [m for m in messages if m.get(TEXT) and not m.get(TEXT).startswith("/")]
        if not todo:
            return messages
        labels = self._model.labels
        if len(todo) == 1:  # what Rasa sends: one message a turn
            self._annotate(todo[0], labels, self._model.predict_one(todo[0].get(TEXT)))
            return messages
        for message, row in zip(
            todo, self._model.predict_proba([m.get(TEXT) for m in todo]), strict=False
        ):
            self._annotate(message, labels, row)
        return messages

    def _annotate(self, message: Message, labels: list[str], row: np.ndarray) -> None:
        ranking = intent_ranking(labels, row)
        top_name, top_confidence = ranking[0]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        doubtful = top_confidence < self._config["fallback_threshold"] or (
            top_confidence - second < self._config["ambiguity_threshold"]
        )
        if doubtful and top_name not in SAFETY_INTENTS:
            # The ranking stays: the fallback action offers the top two as buttons.
            top_name = FALLBACK
        message.set(
            INTENT,
            {INTENT_NAME_KEY: top_name, PREDICTED_CONFIDENCE_KEY: top_confidence},
            add_to_output=True,
        )
        message.set(
            INTENT_RANKING_KEY,
            [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                for name, confidence in ranking[:RANKING_LENGTH]
            ],
            add_to_output=True,
        )
        emergency = dict(ranking).get("emergency", 0.0)
        message.set(EMERGENCY_SCORE, round(emergency, 4), add_to_output=True)
        retrieval_intent = self._config.get("retrieval_intent", "faq")
        topics = topic_ranking(labels, row)
        if not topics:
            return
        key, confidence = topics[0]
        prediction = {
            "response": {
                "responses": [],
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                "utter_action": f"utter_{key}",
            },
            "ranking": [
                {INTENT_RESPONSE_KEY: k, PREDICTED_CONFIDENCE_KEY: c, "id": 0}
                for k, c in topics[:RANKING_LENGTH]
            ],
        }
        message.set(
            "response_selector",
            {"all_retrieval_intents": [retrieval_intent], retrieval_intent: prediction},
            add_to_output=True,
        )
