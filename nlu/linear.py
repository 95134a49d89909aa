"""The intent model: TF-IDF over character and word n-grams, and a linear classifier.

Shared by the Rasa component (`nlu.classifier.LinearIntentClassifier`) and the
cross-validation tool (`nlu.crossval`), so both measure the same model. The
input is text already normalised by `mps.text.normalize` (the Rasa pipeline's
TextNormalizer does that first). FAQ questions are labelled `faq/<topic>`, so
one model predicts intents and FAQ topics together.

Two estimators are available: `logreg` (multinomial logistic regression,
probabilities directly) and `svm` (a linear SVM whose decision values are
turned into probabilities with a softmax; `temperature` sets how peaked).

Rasa asks for one message at a time: `predict_one` computes the svm's
probabilities for one text without sklearn's sparse matrices (OneTextScorer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

# Words are runs of letters or digits: Arabic, Sorani and Latin alike.
WORD_PATTERN = r"(?u)\b\w+\b"


@dataclass
class ModelConfig:
    """Hyper-parameters of one candidate model (the defaults are the shipped model)."""

    estimator: str = "svm"
    char_ngram: tuple[int, int] = (2, 5)
    word_ngram: tuple[int, int] = (1, 2)
    max_char_features: int = 60000
    max_word_features: int = 20000
    c: float = 0.5
    temperature: float = 0.15
    class_weight: str | None = "balanced"
    random_seed: int = 7

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        """Read the keys a Rasa component config or a CV candidate gives."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        for key in ("char_ngram", "word_ngram"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


@dataclass
class LinearIntentModel:
    """Vectorisers plus classifier; `fit` then `predict_proba` on normalised texts."""

    config: ModelConfig = field(default_factory=ModelConfig)

    def __post_init__(self) -> None:
        cfg = self.config
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=cfg.char_ngram,
            max_features=cfg.max_char_features,
            sublinear_tf=True,
            min_df=1,
            dtype=np.float32,
        )
        self.words = TfidfVectorizer(
            analyzer="word",
            token_pattern=WORD_PATTERN,
            ngram_range=cfg.word_ngram,
            max_features=cfg.max_word_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        if cfg.estimator == "logreg":
            self.classifier: Any = LogisticRegression(
                C=cfg.c * 20,
                max_iter=2000,
                class_weight=cfg.class_weight,
                random_state=cfg.random_seed,
            )
        elif cfg.estimator == "svm":
            self.classifier = LinearSVC(
                C=cfg.c, class_weight=cfg.class_weight, random_state=cfg.random_seed
            )
        else:
            raise ValueError(f"unknown estimator {cfg.estimator!r}")

    def _features(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            return sparse.hstack(
                [self.chars.fit_transform(texts), self.words.fit_transform(texts)]
            ).tocsr()
        return sparse.hstack([self.chars.transform(texts), self.words.transform(texts)]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> LinearIntentModel:
        """Learn the vocabularies and the classifier."""
        self.classifier.fit(self._features(texts, fit=True), list(labels))
        return self

    @property
    def labels(self) -> list[str]:
        """The classes, in the column order of `predict_proba`."""
        return [str(label) for label in self.classifier.classes_]

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the one-text scorer (rebuilt when first needed)."""
        return {k: v for k, v in self.__dict__.items() if k != "_scorer"}

    def predict_one(self, text: str) -> np.ndarray:
        """`predict_proba([text])[0]`; for the svm without sparse matrices (OneTextScorer)."""
        if self.config.estimator != "svm":
            return np.asarray(self.predict_proba([text])[0])
        scorer: OneTextScorer | None = self.__dict__.get("_scorer")
        if scorer is None:
            scorer = self.__dict__["_scorer"] = OneTextScorer(self)
        return scorer.proba(text)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """One row of class probabilities per text."""
        features = self._features(texts)
        if self.config.estimator == "logreg":
            return np.asarray(self.classifier.predict_proba(features))
        scores = np.asarray(self.classifier.decision_function(features), dtype=np.float64)
        scores = scores / self.config.temperature
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


class OneTextScorer:
    """The svm's probabilities for one text, from the n-grams the text has.

    The same features as the vectorisers' (each n-gram's 1 + log(count), times
    its idf, each vectoriser's part L2-normalised), the same linear scores and
    softmax. sklearn and scipy build and check several sparse matrices on every
    call, nine tenths of the classifier's time in Rasa under load (README,
    Where the CPU goes): about 4 ms a message against 0.4 ms here. The probabilities agree
    with `predict_proba` to about 1e-6 (float32 features, summed in another
    order).
    """

    def __init__(self, model: LinearIntentModel) -> None:
        self.parts = []
        offset = 0
        for vectorizer in (model.chars, model.words):
            idf = np.asarray(vectorizer._tfidf._idf_diag.diagonal(), dtype=np.float32)
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            self.parts.append((vectorizer.build_analyzer(), vocabulary, idf, offset))
            offset += len(vocabulary)
        self.coef = np.asarray(model.classifier.coef_, dtype=np.float64)
        self.intercept = np.asarray(model.classifier.intercept_, dtype=np.float64)
        self.temperature = model.config.temperature

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values of the text's known n-grams."""
        columns, values = [], []
        for analyze, vocabulary, idf, offset in self.parts:
            counts: dict[int, int] = {}
            for gram in analyze(text):
                column = vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            index = np.array(sorted(counts), dtype=np.intp)
            tf = np.array([counts[c] for c in index], dtype=np.float32)
            x = (np.log(tf) + np.float32(1)) * idf[index]
            norm = np.sqrt(np.dot(x.astype(np.float64), x.astype(np.float64)))
            columns.append(index + offset)
            values.append(x / norm if norm else x)
        if not columns:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        return np.concatenate(columns), np.concatenate(values).astype(np.float64)

    def proba(self, text: str) -> np.ndarray:
        """One row of class probabilities, as `predict_proba([text])[0]`."""
        columns, values = self._features(text)
        scores = (self.coef[:, columns] @ values + self.intercept) / self.temperature
        exp = np.exp(scores - scores.max())
        return np.asarray(exp / exp.sum())


def base_intent(label: str) -> str:
    """`faq` for `faq/<topic>`, else the label itself."""
    return label.split("/", 1)[0]


def intent_ranking(labels: Sequence[str], probabilities: np.ndarray) -> list[tuple[str, float]]:
    """Intents by probability, FAQ topics summed into one `faq` entry."""
    totals: dict[str, float] = {}
    for label, probability in zip(labels, probabilities, strict=False):
        intent = base_intent(label)
        totals[intent] = totals.get(intent, 0.0) + float(probability)
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def topic_ranking(labels: Sequence[str], probabilities: np.ndarray) -> list[tuple[str, float]]:
    """FAQ topics (`faq/<topic>`) by probability, renormalised among themselves."""
    topics = [
        (lab, float(p))
        for lab, p in zip(labels, probabilities, strict=False)
        if lab.startswith("faq/")
    ]
    total = sum(p for _, p in topics) or 1.0
    return sorted(((lab, p / total) for lab, p in topics), key=lambda i: i[1], reverse=True)
