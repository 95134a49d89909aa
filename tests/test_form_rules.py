"""The rules of data/rules/ and actions/intents.py agree on what each intent does in a form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.intents import FORMS, INTENTS, FormIntents

ROOT = Path(__file__).resolve().parents[1]


def _load(folder: str, key: str) -> list[Any]:
    found: list[Any] = []
    for path in sorted((ROOT / folder).glob("*.yml")):
        found.extend(yaml.safe_load(path.read_text(encoding="utf-8")).get(key) or [])
    return found


RULES: list[dict[str, Any]] = _load("data/rules", "rules")
FORM_SLOTS = {
    name: form["required_slots"]
    for path in sorted((ROOT / "domain").glob("*.yml"))
    for name, form in (yaml.safe_load(path.read_text(encoding="utf-8")).get("forms") or {}).items()
}


def _form_of(rule: dict[str, Any]) -> str | None:
    """The form a rule is conditioned on, if any."""
    for condition in rule.get("condition") or []:
        if "active_loop" in condition:
            return str(condition["active_loop"])
    return None


def _first_intent(rule: dict[str, Any]) -> str | None:
    steps = rule.get("steps") or []
    return steps[0].get("intent") if steps else None


def _shapes(form: str) -> tuple[set[str], set[str]]:
    """Intents whose rule in `form` lets the form go on, and those whose rule ends it."""
    goes_on: set[str] = set()
    ends: set[str] = set()
    for rule in RULES:
        intent = _first_intent(rule)
        if _form_of(rule) != form or intent is None:
            continue
        loops = [s["active_loop"] for s in rule["steps"] if "active_loop" in s]
        if loops and loops[0] is None:
            ends.add(intent)
        else:
            assert loops == [form], f"{rule['rule']}: neither goes on nor ends {form}"
            goes_on.add(intent)
    return goes_on, ends


def test_the_module_knows_every_intent_of_the_domain() -> None:
    domain = set(_load("domain", "intents"))
    assert INTENTS == domain | {"nlu_fallback"}


@pytest.mark.parametrize(("form", "intents"), FORMS.items(), ids=list(FORMS))
def test_the_rules_of_a_form_match_its_intent_sets(form: str, intents: FormIntents) -> None:
    goes_on, ends = _shapes(form)
    assert goes_on == intents.goes_on, "'X during the form' rules"
    assert ends == intents.ends, "'X ends the form' rules"
    assert not intents.goes_on & intents.ends


@pytest.mark.parametrize(("form", "intents"), FORMS.items(), ids=list(FORMS))
def test_every_interruption_ends_the_form(form: str, intents: FormIntents) -> None:
    assert intents.interruptions <= intents.ends
    assert not intents.interruptions & intents.answers


@pytest.mark.parametrize(("form", "intents"), FORMS.items(), ids=list(FORMS))
def test_an_answer_the_form_cannot_use_has_a_rule(form: str, intents: FormIntents) -> None:
    # Handed back, it meets the form's rule, or the rule it has outside any form.
    anywhere = {_first_intent(r) for r in RULES if _form_of(r) is None}
    for intent in intents.answers - intents.insisting:
        assert intent in intents.goes_on | intents.ends | anywhere, intent


@pytest.mark.parametrize(("form", "intents"), FORMS.items(), ids=list(FORMS))
def test_the_sets_name_only_known_intents_and_slots(form: str, intents: FormIntents) -> None:
    named = intents.answers | intents.insisting | intents.goes_on | intents.ends
    assert named | intents.interruptions <= INTENTS
    assert intents.insisting <= intents.answers
    for step, chosen in intents.steps.items():
        assert step in FORM_SLOTS[form] and chosen <= INTENTS, step


def test_the_module_knows_every_form_of_the_domain() -> None:
    assert set(FORMS) == set(FORM_SLOTS)
