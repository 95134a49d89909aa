"""Every text in texts/ exists in Arabic, Kurdish Sorani and English, and is used.

One test over the whole folder: three languages, the same placeholders, no
unused key, no key built at run time, and every group covers its list (the
statuses, the categories...). The localised reference data in data/ (FAQ,
emergency numbers, help lines, stations) is checked for three languages too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from string import Formatter
from typing import Any

import pytest
import yaml

from actions.clarify import STARTABLE
from bot.app import MENU_COMMANDS
from bot.staff import JOIN_REFUSED
from mps.catalogue import Catalogue
from mps.emergency import load_emergency
from mps.faq import load_faq
from mps.hotlines import load_hotlines
from mps.language import LANGUAGES
from mps.phone import WINDOWS
from mps.registry import UNITS, check_registry
from mps.report_queue import AGES, OVERDUE
from mps.report_rules import TRANSITIONS, UnitRules
from mps.staff import JoinResult
from web.console.events import EVENT_REFUSALS, EVENT_SAVED

ROOT = Path(__file__).resolve().parents[1]
TEXTS = Catalogue.load_dir()
ENTRIES = dict(TEXTS.entries())
CODE = "\n".join(
    path.read_text(encoding="utf-8")
    for folder, pattern in (
        *((f, "*.py") for f in ("bot", "actions", "mps", "nlu", "scripts", "web")),
        ("web/templates", "*.html"),  # the staff console's pages: t("key")
    )
    for path in (ROOT / folder).rglob(pattern)
)
RASA = "\n".join(
    path.read_text(encoding="utf-8")
    for pattern in ("domain/*.yml", "data/rules/**/*.yml", "tests/stories/*.yml")
    for path in ROOT.glob(pattern)
)
ACTIONS = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "actions").glob("*.py"))
# A text key put together at run time: label(f"status_{...}") and the like.
BUILT_KEY = re.compile(r"\b(?:get|label|choice)\(\s*f[\"']")


def _categories() -> Iterable[str]:
    return yaml.safe_load((ROOT / "data" / "report_routing.yml").read_text("utf-8"))["categories"]


# Each group of texts and the list its members must match, from where that list lives.
GROUPS: dict[str, Callable[[], Iterable[str]]] = {
    "status": lambda: TRANSITIONS,
    "category": _categories,
    "unit": lambda: UNITS,
    "window": lambda: WINDOWS,
    "reading": lambda: STARTABLE,
    "command": lambda: MENU_COMMANDS,
    # The outbox kinds mps/reports.py and bot/outbox.py write and deliver.
    "outbox_kind": lambda: ("staff_card", "citizen_update", "question", "answer", "card_redraw"),
    # The Open311 services: the categories that are never sensitive.
    "service_description": lambda: UnitRules.load().public_categories(),
    # The console's events pages: why a new event or a change was refused, what was saved.
    "console_events_error": lambda: EVENT_REFUSALS,
    "console_events_saved": lambda: EVENT_SAVED,
    # The staff console's age filter (mps/report_queue.py).
    "console_age": lambda: (*AGES, OVERDUE),
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def _titles(entry: Mapping[str, Any]) -> list[Mapping[str, str]]:
    return [button["title"] for button in entry.get("buttons", [])]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_text_has_three_languages_with_the_same_placeholders(name: str) -> None:
    for texts in (ENTRIES[name], *_titles(ENTRIES[name])):
        assert all(isinstance(texts.get(lang), str) and texts[lang].strip() for lang in LANGUAGES)
        names = {lang: _placeholders(texts[lang]) for lang in LANGUAGES}
        assert names["ar"] == names["ckb"] == names["en"], names
        # Translated, unless nothing is left to translate ("{reference}: {status}.").
        words = {lang: re.sub(r"\{\w*\}", "", texts[lang]) for lang in LANGUAGES}
        if any(c.isalpha() for c in words["en"]):
            assert len(set(words.values())) == 3, words


def _asked_by_forms() -> set[str]:
    """The `utter_ask_<slot>` a form asks by itself: its slot has no `action_ask_<slot>`."""
    domain: dict[str, Any] = {"forms": {}, "actions": []}
    for path in ROOT.glob("domain/*.yml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        domain["forms"].update(content.get("forms") or {})
        domain["actions"] += content.get("actions") or []
    return {
        f"utter_ask_{slot}"
        for form in domain["forms"].values()
        for slot in form["required_slots"]
        if f"action_ask_{slot}" not in domain["actions"]
    }


@pytest.mark.parametrize("key", TEXTS.keys())
def test_every_text_is_used(key: str) -> None:
    if key.startswith("utter_"):
        # A Rasa response (compiled by nlu/build.py): rules, stories or a form name it.
        named = re.search(rf"\b{key}\b", RASA) is not None or key in _asked_by_forms()
        assert named, f"{key} is named by no rule, story or form: drop the utter_ prefix"
    else:
        used = f'"{key}"' in CODE or f"'{key}'" in CODE
        assert used, f"{key} is not used: remove it, or use its literal key"


def test_actions_speak_through_the_catalogue() -> None:
    # Only the FAQ answers are Rasa responses said by an action (the response selector).
    responses = re.findall(r"\bresponse=(\S+)", ACTIONS)
    assert responses == ['f"utter_faq/{topic}")'], responses


def test_no_text_key_is_built_at_run_time() -> None:
    assert not BUILT_KEY.findall(CODE), "use a group and Catalogue.choice, or literal keys"


@pytest.mark.parametrize("group", sorted(TEXTS.groups()))
def test_every_group_covers_its_list(group: str) -> None:
    assert group in GROUPS, f"say in GROUPS which list the members of {group} follow"
    assert sorted(TEXTS.groups()[group]) == sorted(GROUPS[group]())


def test_join_says_why_it_bound_nothing() -> None:
    assert set(JOIN_REFUSED) == set(JoinResult) - {JoinResult.JOINED}
    assert set(JOIN_REFUSED.values()) <= set(TEXTS.keys())


def test_localised_data_has_three_languages() -> None:
    load_faq(ROOT / "data" / "faq")
    load_emergency(ROOT / "data" / "emergency.yml")
    assert load_hotlines(ROOT / "data" / "hotlines.yml")
    for path in sorted((ROOT / "data" / "stations").glob("*.yml")):
        registry, problems = check_registry(path)
        assert registry is not None, problems


def test_a_missing_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks ckb"):
        Catalogue({"hello": {"ar": "مرحبا", "en": "hello"}})
    with pytest.raises(ValueError, match="'status.new' lacks ar"):
        Catalogue({"status": {"new": {"ckb": "وەرگیرا", "en": "received"}}})


def test_a_key_defined_twice_is_refused(tmp_path: Path) -> None:
    for name in ("a.yml", "b.yml"):
        (tmp_path / name).write_text('hello: {en: "hi", ar: "أهلاً", ckb: "سڵاو"}\n', "utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        Catalogue.load_dir(tmp_path)
