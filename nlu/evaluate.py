"""`make eval`: score the trained model on the held-out split (Rasa env).

Reports, per language, intent accuracy and macro-F1 with every FAQ topic as
its own label (`faq/<topic>`), the FAQ-topic accuracy, emergency recall, the
share of non-emergency messages that get the emergency takeover, the spread of
a 5-fold cross-validation (nlu.crossval), the training time of the last
`make train`, the model's size and the p95 time of one parse (in process, the
model alone). `--extra FILE` scores any file of the form
`examples: [{lang, intent, text}]` as well. The last line is machine-readable:
eval: en_f1=… ar_f1=… ckb_f1=… faq_acc=… emergency_recall=… emergency_fpr=…
cv_sd=… train_s=… model_mb=… parse_p95_ms=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
LANGUAGES = ("en", "ar", "ckb")


def _predicted(parse: Dict[str, Any]) -> str:
    """`faq/<topic>` for FAQ questions, else the intent name."""
    intent = (parse.get("intent") or {}).get("name") or "none"
    if intent == "faq":
        selector = parse.get("response_selector", {})
        chosen = selector.get("faq") or selector.get("default") or {}
        key = chosen.get("response", {}).get("intent_response_key")
        return key or "faq"
    return intent


def _line_threshold() -> float:
    """The emergency-line threshold of the REST channel (credentials.yml)."""
    credentials = yaml.safe_load(Path("credentials.yml").read_text("utf-8")) or {}
    channel = credentials.get("nlu.channel.SafetyRestInput") or {}
    return float(channel.get("emergency_line", 1.0))


def score(
    pairs: List[Tuple[str, str, str]],
    lines: List[bool] | None = None,
    texts: List[str] | None = None,
) -> Dict[str, Any]:
    """Metrics from (language, gold, predicted) triples.

    `lines[i]` says whether message i gets the emergency line (its emergency
    probability is at least the channel's threshold). Emergency recall counts
    the messages shown the emergency numbers, by the takeover or by the line;
    the takeover alone is reported as takeover recall.
    """
    lines = lines or [False] * len(pairs)
    texts = texts or [""] * len(pairs)
    """Metrics from (language, gold, predicted) triples."""
    from sklearn.metrics import accuracy_score, f1_score

    report: Dict[str, Any] = {"n": len(pairs), "languages": {}}
    for language in LANGUAGES:
        gold = [g for lang, g, _ in pairs if lang == language]
        pred = [p for lang, _, p in pairs if lang == language]
        if not gold:
            continue
        labels = sorted(set(gold))
        report["languages"][language] = {
            "n": len(gold),
            "accuracy": accuracy_score(gold, pred),
            "macro_f1": f1_score(gold, pred, labels=labels, average="macro", zero_division=0),
        }
    faq = [(g, p) for _, g, p in pairs if g.startswith("faq/")]
    report["faq_acc"] = sum(g == p for g, p in faq) / len(faq) if faq else None
    emergency = [
        (p, line) for (_, g, p), line in zip(pairs, lines, strict=False) if g == "emergency"
    ]
    report["emergency_recall"] = (
        sum(p == "emergency" or line for p, line in emergency) / len(emergency)
        if emergency
        else None
    )
    report["takeover_recall"] = (
        sum(p == "emergency" for p, _ in emergency) / len(emergency) if emergency else None
    )
    others = [(p, line) for (_, g, p), line in zip(pairs, lines, strict=False) if g != "emergency"]
    report["line_rate"] = (
        sum(line and p != "emergency" for p, line in others) / len(others) if others else None
    )
    report["missed_emergencies"] = [
        text
        for (_, g, p), line, text in zip(pairs, lines, texts, strict=False)
        if g == "emergency" and p != "emergency" and not line
    ][:10]
    report["emergency_fpr"] = (
        sum(p == "emergency" for p, _ in others) / len(others) if others else None
    )
    confused = Counter((g, p) for _, g, p in pairs if g != p)
    report["confused"] = [[g, p, n] for (g, p), n in confused.most_common(10)]
    return report


async def _parse_all(
    agent: Any, examples: List[Dict[str, str]], timings: List[float] | None = None
) -> Tuple[List[Tuple[str, str, str]], List[bool], List[str]]:
    """(language, gold, predicted), whether each gets the emergency line, and the texts."""
    pairs, lines = [], []
    threshold = _line_threshold()
    for example in examples:
        started = time.perf_counter()
        parse = await agent.parse_message(example["text"])
        if timings is not None:
            timings.append((time.perf_counter() - started) * 1000)
        pairs.append((example["lang"], example["intent"], _predicted(parse)))
        lines.append(float(parse.get("emergency_score") or 0.0) >= threshold)
    return pairs, lines, [e["text"] for e in examples]


def _p95(values: List[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _cv_sd(data: Path) -> float | None:
    """Largest per-language standard deviation of macro-F1 across 5 folds."""
    from nlu.crossval import cross_validate, load_examples
    from nlu.linear import ModelConfig

    if not (data / "nlu").exists():
        return None
    result = cross_validate(load_examples(data), ModelConfig(), folds=5)
    return float(result["summary"]["cv_sd"])


def _print(title: str, report: Dict[str, Any]) -> None:
    print(f"\n== {title}: {report['n']} examples")
    for language, figures in report["languages"].items():
        print(
            f"  {language:3} n={figures['n']:4}  accuracy={figures['accuracy']:.3f}  "
            f"macro-F1={figures['macro_f1']:.3f}"
        )
    if report["faq_acc"] is not None:
        print(f"  FAQ-topic accuracy: {report['faq_acc']:.3f}")
    if report["emergency_recall"] is not None:
        print(
            f"  emergency recall (numbers shown, takeover or line): "
            f"{report['emergency_recall']:.3f}; takeover alone: {report['takeover_recall']:.3f}"
        )
        print(f"  emergency line on other messages: {report['line_rate']:.3f}")
        for text in report["missed_emergencies"]:
            print(f"    missed: {text}")
    if report["emergency_fpr"] is not None:
        print(f"  emergency takeover on non-emergency messages: {report['emergency_fpr']:.3f}")
    print("  most confused (gold -> predicted, count):")
    for gold, pred, count in report["confused"]:
        print(f"    {gold} -> {pred}: {count}")


def _fmt(value: Any, digits: int = 3) -> str:
    return "na" if value is None else f"{value:.{digits}f}"


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Evaluate the NLU model")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--extra", type=Path)
    parser.add_argument("--out", type=Path, default=Path("results/eval.json"))
    parser.add_argument("--data", type=Path, default=Path("build/data"))
    parser.add_argument("--train-seconds", type=Path, default=Path("models/train_seconds.txt"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import structlog

    # Rasa logs every parse through structlog; keep the report readable.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent

    agent = Agent.load(str(args.model))
    split = yaml.safe_load(args.heldout.read_text("utf-8"))
    timings: List[float] = []
    report = score(*asyncio.run(_parse_all(agent, split["examples"], timings)))
    near_copy_rate = split.get("near_copy_rate")
    _print("held-out split (never trained on)", report)
    if near_copy_rate is not None:
        print(f"  near-copies moved from held-out to training by the build: {near_copy_rate:.1%}")
    cv_sd = _cv_sd(args.data)
    train_s = (
        float(args.train_seconds.read_text().strip()) if args.train_seconds.exists() else None
    )
    model_mb = args.model.stat().st_size / 1e6
    results = {"heldout": report}
    if args.extra:
        extra = yaml.safe_load(args.extra.read_text("utf-8"))["examples"]
        results["extra"] = score(*asyncio.run(_parse_all(agent, extra)))
        _print(f"extra file {args.extra}", results["extra"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
    langs = report["languages"]
    print(
        "eval: "
        + " ".join(f"{lang}_f1={_fmt(langs.get(lang, {}).get('macro_f1'))}" for lang in LANGUAGES)
        + f" faq_acc={_fmt(report['faq_acc'])}"
        + f" emergency_recall={_fmt(report['emergency_recall'])}"
        + f" emergency_fpr={_fmt(report['emergency_fpr'])}"
        + f" cv_sd={_fmt(cv_sd)}"
        + f" train_s={_fmt(train_s, 1)}"
        + f" model_mb={_fmt(model_mb, 1)}"
        + f" parse_p95_ms={_fmt(_p95(timings), 1)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
