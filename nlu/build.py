"""Build step of `make train`: compile the editable data into Rasa's format.

Reads data/faq/, data/nlu/, data/rules/, texts/, data/emergency.yml and
domain/, and writes build/:

- build/domain/: the domain with every `utter_*` of texts/ (and the FAQ
  answers) as a response in three languages, as conditional variations on the
  `language` slot (English is the default);
- build/data/: the training data, FAQ questions as `faq/<topic>` examples;
- build/config.yml: config.yml with the emergency phrases of data/emergency.yml;
- build/eval/heldout.yml: a held-out split (at least 20 % of every intent in
  every language), never trained on, in the format `make eval` reads.

Usage: python -m nlu.build [--root .] [--out build]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date

from mps.catalogue import Catalogue
from mps.emergency import EmergencyData, emergency_line, emergency_text, load_emergency
from mps.faq import FaqError, FaqTopic, load_faq
from mps.language import LANGUAGES
from mps.registry import check_registry
from mps.text import normalize
from mps.text_buttons import text_buttons
from nlu.near_copies import NearCopies

HELD_OUT_SHARE = 0.2
# Changing the salt re-draws the held-out split. It was last changed after
# misses were looked at (README, "Understanding"), so no held-out message
# scored today was read while tuning.
SPLIT_SALT = "2026-11-28"
# "I lost my passport", "my account was hacked", "a car hit mine": both a
# question and a report. The FAQ answer comes with a button that starts one.
REPORTABLE_TOPICS = ("lost_documents", "cybercrime", "traffic_accident")
_BABEL_LOCALE = {"en": "en", "ar": "ar_IQ", "ckb": "ckb_IQ"}
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks, like hand-written Rasa data."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def _dump(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(content, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")


def _examples(block: str) -> list[str]:
    """The examples of a Rasa `examples: |` block."""
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


def _held_out(intent: str, language: str, examples: list[str], salt: str) -> set[str]:
    """Pick the held-out examples of one group, stable across runs and edits."""
    ranked = sorted(
        examples,
        key=lambda e: hashlib.sha256(f"{salt}|{intent}|{language}|{e}".encode()).digest(),
    )
    return set(ranked[: math.ceil(len(ranked) * HELD_OUT_SHARE)])


def _list(items: list[str]) -> str:
    """A Rasa `examples: |` block."""
    return "".join(f"- {item}\n" for item in items)


def _plain(example: str) -> str:
    """The example's text without entity annotations."""
    return _ANNOTATION.sub(r"\1", example)


def _variations(texts: dict[str, str], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """One variation a language; English first, unconditioned, as the default."""
    variations: list[dict[str, Any]] = []
    for language in ("en", "ar", "ckb"):
        variation: dict[str, Any] = {"text": texts[language]}
        for key, value in extra.items():
            variation[key] = value(language) if callable(value) else value
        if language != "en":
            variation["condition"] = [{"type": "slot", "name": "language", "value": language}]
        variations.append(variation)
    return variations


class Builder:
    """Compiles the data of one checkout into build/."""

    def __init__(self, root: Path, out: Path, salt: str = SPLIT_SALT) -> None:
        self.root = root
        self.out = out
        self.salt = salt
        self.heldout: list[dict[str, str]] = []
        self.heldout_blocks: list[tuple[dict[str, Any], list[str]]] = []
        self.files: dict[str, list[dict[str, Any]]] = {}
        self.near_copy_rate = 0.0

    def run(self) -> None:
        """Build everything, replacing the previous build."""
        faq = load_faq(self.root / "data" / "faq")
        if self.out.exists():
            shutil.rmtree(self.out)
        for name in ("rules", "stories"):
            source = self.root / "data" / name
            if source.exists():
                shutil.copytree(source, self.out / "data" / name)
        shutil.copytree(self.root / "domain", self.out / "domain")
        self._build_nlu()
        self._build_faq_nlu(faq)
        self._write_nlu()
        self._build_lookups()
        emergency = load_emergency(self.root / "data" / "emergency.yml")
        self._build_responses(faq, emergency)
        self._build_config(emergency)
        _dump(
            self.out / "eval" / "heldout.yml",
            {"near_copy_rate": round(self.near_copy_rate, 4), "examples": self.heldout},
        )

    def _build_config(self, emergency: EmergencyData) -> None:
        """config.yml with the emergency phrases given to EmergencyKeywords."""
        config = yaml.safe_load((self.root / "config.yml").read_text("utf-8"))
        phrases = sorted({k for words in emergency.keywords.values() for k in words})
        for component in config["pipeline"]:
            if component["name"].endswith("EmergencyKeywords"):
                component["keywords"] = phrases
        _dump(self.out / "config.yml", config)

    def _build_nlu(self) -> None:
        for path in sorted((self.root / "data" / "nlu").rglob("*.yml")):
            content = yaml.safe_load(path.read_text(encoding="utf-8"))
            name = path.relative_to(self.root / "data" / "nlu").as_posix().replace("/", "__")
            blocks: list[dict[str, Any]] = []
            for block in content.get("nlu", []):
                if "intent" not in block:
                    blocks.append(block)
                    continue
                language = block.get("metadata", {}).get("lang")
                if language not in LANGUAGES:
                    raise ValueError(f"{path}: intent {block['intent']} needs metadata.lang")
                blocks.append(self._split(block["intent"], language, _examples(block["examples"])))
            self.files[name] = blocks

    def _build_faq_nlu(self, faq: list[FaqTopic]) -> None:
        blocks = []
        for topic in faq:
            intent = f"faq/{topic.topic}"
            for language in LANGUAGES:
                examples = sorted({q.strip() for q in topic.questions[language]})
                blocks.append(self._split(intent, language, examples))
        self.files["faq.yml"] = blocks

    def _split(self, intent: str, language: str, examples: list[str]) -> dict[str, Any]:
        """One training block; its held-out share goes to self.heldout_blocks."""
        test = _held_out(intent, language, examples, self.salt)
        block = {
            "intent": intent,
            "metadata": {"lang": language},
            "train": [e for e in examples if e not in test],
        }
        self.heldout_blocks.append((block, [e for e in examples if e in test]))
        return block

    def _write_nlu(self) -> None:
        """Drop held-out near-copies of training examples, then write both splits."""
        trained = [
            _plain(e)
            for blocks in self.files.values()
            for b in blocks
            if "train" in b
            for e in b["train"]
        ]
        index = NearCopies(trained)
        total = moved = 0
        for block, test in self.heldout_blocks:
            for example in test:
                total += 1
                if index.has_near_copy(_plain(example)):
                    moved += 1
                    block["train"].append(example)
                    continue
                self.heldout.append(
                    {
                        "lang": block["metadata"]["lang"],
                        "intent": block["intent"],
                        "text": _plain(example),
                    }
                )
        self.near_copy_rate = moved / total if total else 0.0
        for name, blocks in self.files.items():
            out = []
            for block in blocks:
                if "train" not in block:
                    out.append(block)
                    continue
                out.append(
                    {
                        "intent": block["intent"],
                        "metadata": block["metadata"],
                        "examples": "".join(f"- {e}\n" for e in block["train"]),
                    }
                )
            _dump(self.out / "data" / "nlu" / name, {"version": "3.1", "nlu": out})

    def _build_lookups(self) -> None:
        """Lookup tables: `place` from the station registries in data/stations/,
        `category` from the category words of data/report_routing.yml.

        The text reaching the extractor is normalised (nlu.components), so
        the names are too. RegexEntityExtractor finds them wherever they
        stand; the CRF learns places from context as well.
        """
        names: set[str] = set()
        for path in sorted((self.root / "data" / "stations").glob("*.yml")):
            registry, problems = check_registry(path)
            if registry is None:
                raise ValueError(f"{path}: {problems[0]}")
            for governorate in registry.governorates.values():
                names.update(governorate.name.model_dump().values())
            for station in registry.stations:
                for area in station.areas:
                    names.update(area.names.model_dump().values())
                    names.update(area.aliases)
        routing = yaml.safe_load((self.root / "data" / "report_routing.yml").read_text("utf-8"))
        words = {
            w for category, ws in routing["keywords"].items() if category != "other" for w in ws
        }
        lookups = []
        for entity, values in (("place", names), ("category", words)):
            normalised = sorted({" ".join(normalize(v).split()) for v in values if len(v) > 2})
            lookups.append({"lookup": entity, "examples": _list(normalised)})
        _dump(self.out / "data" / "nlu" / "lookups.yml", {"version": "3.1", "nlu": lookups})

    def _build_responses(self, faq: list[FaqTopic], emergency: EmergencyData) -> None:
        catalogue = Catalogue.load_dir(self.root / "texts")
        titles = {t.topic: t.title for t in faq}
        responses: dict[str, list[dict[str, Any]]] = {}
        for name in catalogue.keys():
            if name.startswith("utter_"):
                responses[name] = self._response(catalogue[name], titles)
        for topic in faq:
            texts = {
                lang: topic.answer.get(lang)
                + "\n\n"
                + catalogue.get(
                    "faq_footer",
                    lang,
                    source=topic.source.get(lang),
                    date=format_date(topic.last_reviewed, "long", locale=_BABEL_LOCALE[lang]),
                )
                for lang in LANGUAGES
            }
            extra: dict[str, Any] = {}
            if topic.topic in REPORTABLE_TOPICS:
                # A question that may also be a report: the answer, and a way to report.
                extra["buttons"] = lambda lang: [
                    {
                        "title": catalogue.get("faq_report_button", lang),
                        "payload": "/report_incident",
                    }
                ]
            responses[f"utter_faq/{topic.topic}"] = _variations(texts, extra)
        texts = {lang: emergency_text(emergency, catalogue, lang) for lang in LANGUAGES}
        responses["utter_emergency"] = _variations(texts, {})
        lines = {lang: emergency_line(emergency, catalogue, lang) for lang in LANGUAGES}
        responses["utter_emergency_line"] = _variations(lines, {})
        _dump(self.out / "domain" / "responses.yml", {"version": "3.1", "responses": responses})

    def _response(self, spec: Mapping[str, Any], titles: dict[str, Any]) -> list[dict[str, Any]]:
        """An `utter_*` of texts/ (the catalogue checked its three languages)."""
        extra: dict[str, Any] = {}
        if text_buttons(spec, titles, "en"):
            extra["buttons"] = lambda lang: text_buttons(spec, titles, lang)
        return _variations({lang: spec[lang] for lang in LANGUAGES}, extra)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--out", type=Path, default=Path("build"))
    args = parser.parse_args(argv)
    builder = Builder(args.root, args.out)
    try:
        builder.run()
    except (FaqError, ValueError) as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    print(
        f"built {args.out}/: {len(builder.heldout)} held-out examples; "
        f"{builder.near_copy_rate:.1%} of the drawn held-out were near-copies of training "
        "examples and were trained on instead"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
