"""`make eval`: score the trained model on the held-out split (Rasa env).

Reports, per language, intent accuracy and macro-F1 (FAQ questions count as
the `faq` intent), the FAQ-topic accuracy (`faq/<topic>` from the response
selector), emergency recall and the ten most confused pairs. `--extra FILE`
scores any file of the form `examples: [{lang, intent, text}]` as well.
The last line is machine-readable:
eval: en_f1=… ar_f1=… ckb_f1=… faq_acc=… emergency_recall=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
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


def _base(label: str) -> str:
    return label.split("/")[0]


def score(pairs: List[Tuple[str, str, str]]) -> Dict[str, Any]:
    """Metrics from (language, gold, predicted) triples."""
    from sklearn.metrics import accuracy_score, f1_score

    report: Dict[str, Any] = {"n": len(pairs), "languages": {}}
    for language in LANGUAGES:
        gold = [_base(g) for lang, g, _ in pairs if lang == language]
        pred = [_base(p) for lang, _, p in pairs if lang == language]
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
    emergency = [p for _, g, p in pairs if g == "emergency"]
    report["emergency_recall"] = (
        sum(p == "emergency" for p in emergency) / len(emergency) if emergency else None
    )
    confused = Counter((g, p) for _, g, p in pairs if g != p)
    report["confused"] = [[g, p, n] for (g, p), n in confused.most_common(10)]
    return report


async def _parse_all(agent: Any, examples: List[Dict[str, str]]) -> List[Tuple[str, str, str]]:
    pairs = []
    for example in examples:
        parse = await agent.parse_message(example["text"])
        pairs.append((example["lang"], example["intent"], _predicted(parse)))
    return pairs


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
        print(f"  emergency recall:   {report['emergency_recall']:.3f}")
    print("  most confused (gold -> predicted, count):")
    for gold, pred, count in report["confused"]:
        print(f"    {gold} -> {pred}: {count}")


def _fmt(value: Any) -> str:
    return "na" if value is None else f"{value:.3f}"


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Evaluate the NLU model")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--extra", type=Path)
    parser.add_argument("--out", type=Path, default=Path("results/eval.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import structlog

    # Rasa logs every parse through structlog; keep the report readable.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.core.agent import Agent

    agent = Agent.load(str(args.model))
    heldout = yaml.safe_load(args.heldout.read_text("utf-8"))["examples"]
    report = score(asyncio.run(_parse_all(agent, heldout)))
    _print("held-out split (never trained on)", report)
    results = {"heldout": report}
    if args.extra:
        extra = yaml.safe_load(args.extra.read_text("utf-8"))["examples"]
        results["extra"] = score(asyncio.run(_parse_all(agent, extra)))
        _print(f"extra file {args.extra}", results["extra"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
    langs = report["languages"]
    print(
        "eval: "
        + " ".join(f"{lang}_f1={_fmt(langs.get(lang, {}).get('macro_f1'))}" for lang in LANGUAGES)
        + f" faq_acc={_fmt(report['faq_acc'])}"
        + f" emergency_recall={_fmt(report['emergency_recall'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
