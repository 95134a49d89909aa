"""Cross-validation of intent-model candidates on the training split (Rasa env).

Every candidate is scored on the same stratified folds of build/data (the
held-out split is never read here), so the table compares like with like.
Figures per candidate: macro-F1 per language with FAQ topics as their own
labels, FAQ-topic accuracy, emergency recall, and the standard deviation of
the per-language macro-F1 across folds. It also tunes the two thresholds the
pipeline uses (fallback and emergency line) on the out-of-fold predictions.

Usage: python -m nlu.crossval [--data build/data] [--folds 5] [--candidates all|shipped]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from mps.text import normalize
from nlu.linear import LinearIntentModel, ModelConfig, base_intent, intent_ranking

LANGUAGES = ("en", "ar", "ckb")
FOLD_SEED = 7
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")

CANDIDATES: dict[str, dict[str, Any]] = {
    "svm char2-5+word1-2 (shipped)": {},
    "svm C=1.0": {"c": 1.0},
    "svm C=0.2": {"c": 0.2},
    "svm char1-4+word1-2": {"char_ngram": (1, 4)},
    "svm char2-6+word1-3": {"char_ngram": (2, 6), "word_ngram": (1, 3)},
    "svm vocab cap 20k chars": {"max_char_features": 20000},
    "svm no class weights": {"class_weight": None},
    "logreg char2-5+word1-2": {"estimator": "logreg"},
}


def load_examples(data: Path) -> list[tuple[str, str, str]]:
    """(language, label, normalised text) of every training example under `data`/nlu."""
    examples = []
    for path in sorted((data / "nlu").rglob("*.yml")):
        content = yaml.safe_load(path.read_text("utf-8")) or {}
        for block in content.get("nlu", []):
            if "intent" not in block:
                continue
            language = (block.get("metadata") or {}).get("lang", "en")
            for line in block["examples"].splitlines():
                if line.startswith("- "):
                    text = normalize(_ANNOTATION.sub(r"\1", line[2:].strip()))
                    examples.append((language, block["intent"], text))
    return examples


def scores(languages: list[str], gold: list[str], predicted: list[str]) -> dict[str, float | None]:
    """Macro-F1 per language (FAQ topics as labels), FAQ accuracy, emergency recall."""
    result: dict[str, float | None] = {}
    for language in LANGUAGES:
        pairs = [
            (g, p)
            for lang, g, p in zip(languages, gold, predicted, strict=False)
            if lang == language
        ]
        if not pairs:
            result[f"{language}_f1"] = None
            continue
        g, p = zip(*pairs, strict=False)
        result[f"{language}_f1"] = float(
            f1_score(g, p, labels=sorted(set(g)), average="macro", zero_division=0)
        )
    faq = [(g, p) for g, p in zip(gold, predicted, strict=False) if g.startswith("faq/")]
    result["faq_acc"] = sum(g == p for g, p in faq) / len(faq) if faq else None
    emergency = [p for g, p in zip(gold, predicted, strict=False) if g == "emergency"]
    result["emergency_recall"] = (
        sum(p == "emergency" for p in emergency) / len(emergency) if emergency else None
    )
    return result


def cross_validate(
    examples: list[tuple[str, str, str]], config: ModelConfig, folds: int
) -> dict[str, Any]:
    """Out-of-fold predictions and per-fold scores of one candidate."""
    languages = [e[0] for e in examples]
    labels = [e[1] for e in examples]
    texts = [e[2] for e in examples]
    strata = [f"{lang}|{label}" for lang, label in zip(languages, labels, strict=False)]
    # The folds never depend on the candidate, so every row is scored on the same ones.
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=FOLD_SEED)
    out_of_fold: list[np.ndarray | None] = [None] * len(examples)
    model_labels: list[str] = []
    per_fold = []
    started = time.perf_counter()
    for train, test in splitter.split(texts, strata):
        model = LinearIntentModel(config).fit(
            [texts[i] for i in train], [labels[i] for i in train]
        )
        probabilities = model.predict_proba([texts[i] for i in test])
        model_labels = model.labels
        predicted = [model_labels[int(row.argmax())] for row in probabilities]
        per_fold.append(scores([languages[i] for i in test], [labels[i] for i in test], predicted))
        for index, row in zip(test, probabilities, strict=False):
            out_of_fold[index] = row
    seconds = (time.perf_counter() - started) / folds
    predicted = [model_labels[int(row.argmax())] for row in out_of_fold if row is not None]
    summary = scores(languages, labels, predicted)
    spreads = [statistics.pstdev([f[f"{lang}_f1"] or 0.0 for f in per_fold]) for lang in LANGUAGES]
    summary["cv_sd"] = max(spreads)
    summary["fit_s"] = seconds
    return {
        "summary": summary,
        "labels": model_labels,
        "probabilities": np.vstack([row for row in out_of_fold if row is not None]),
        "gold": labels,
    }


def tune_thresholds(result: dict[str, Any]) -> dict[str, float]:
    """Pick the fallback and emergency-line thresholds from out-of-fold predictions.

    Emergency line: the threshold that adds the line to at most 5 % of other
    messages, reported with the share of emergency messages it reaches.
    Fallback: the threshold below which a top intent is more often wrong than
    right is where asking beats guessing; we take the largest threshold that
    still answers at least 97 % of the examples, and report the accuracy of
    what is answered.
    """
    labels: list[str] = result["labels"]
    probabilities: np.ndarray = result["probabilities"]
    gold: list[str] = result["gold"]
    column = labels.index("emergency")
    emergency = probabilities[:, column]
    is_emergency = np.array([g == "emergency" for g in gold])
    # The line may reach at most 5 % of other messages: the highest recall within that.
    line = float(np.quantile(emergency[~is_emergency], 0.95))
    line_fpr = float(np.mean(emergency[~is_emergency] >= line))
    line_recall = float(np.mean(emergency[is_emergency] >= line)) if is_emergency.any() else 0.0
    intents = np.zeros(len(gold))
    correct = np.zeros(len(gold), dtype=bool)
    for i, row in enumerate(probabilities):
        top, intents[i] = intent_ranking(labels, row)[0]
        correct[i] = top == base_intent(gold[i])
    fallback = float(np.quantile(intents, 0.03))
    answered = intents >= fallback
    return {
        "emergency_line": round(line, 3),
        "emergency_line_fpr": round(line_fpr, 3),
        "emergency_line_recall": round(line_recall, 3),
        "fallback": round(fallback, 3),
        "answered_accuracy": round(float(np.mean(correct[answered])), 3),
        "fallback_accuracy": round(float(np.mean(correct[~answered])), 3),
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print the candidate table as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("build/data"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--candidates", choices=("all", "shipped"), default="all")
    args = parser.parse_args(argv)
    examples = load_examples(args.data)
    names = list(CANDIDATES) if args.candidates == "all" else list(CANDIDATES)[:1]
    print(f"{len(examples)} training examples, {args.folds} folds (same folds for every row)\n")
    print("| candidate | en F1 | ar F1 | ckb F1 | FAQ acc | emergency recall | cv sd | fit s |")
    print("|---|---|---|---|---|---|---|---|")
    shipped: dict[str, Any] | None = None
    for name in names:
        result = cross_validate(examples, ModelConfig.from_dict(CANDIDATES[name]), args.folds)
        s = result["summary"]
        shipped = shipped or result
        print(
            f"| {name} | {_fmt(s['en_f1'])} | {_fmt(s['ar_f1'])} | {_fmt(s['ckb_f1'])} | "
            f"{_fmt(s['faq_acc'])} | {_fmt(s['emergency_recall'])} | {_fmt(s['cv_sd'])} | "
            f"{s['fit_s']:.1f} |",
            flush=True,
        )
    if shipped is not None:
        print("\nthresholds from out-of-fold predictions of the shipped model:")
        print(tune_thresholds(shipped))
        other = cross_validate(examples, ModelConfig(random_seed=11), args.folds)["summary"]
        spread = max(
            abs((shipped["summary"][f"{lang}_f1"] or 0) - (other[f"{lang}_f1"] or 0))
            for lang in LANGUAGES
        )
        print(f"seed spread (seed 7 vs 11, same folds, largest per-language F1 gap): {spread:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
