"""Report rules and the report store (the domain layer of the report issue)."""

from __future__ import annotations

import datetime as dt

import pytest

from mps.clock import Clock
from mps.database import Database
from mps.models import OutboxMessage
from mps.outbox import due_outbox, mark_failed, mark_sent
from mps.references import SPACE, permute, reference_for
from mps.report_rules import IllegalTransition, UnitRules, check_transition, find_reference
from mps.reports import (
    Draft,
    IllegalReroute,
    NotAllowed,
    change_status,
    file_report,
    history,
    place_report,
    report_of,
    reroute,
)
from mps.routing import StationIndex
from mps.staff import invite, join
from tests.conftest import ROOT, clock_at

KEY = b"test-reference-key-0123456789abcdef"
RULES = UnitRules.load(ROOT / "data" / "report_routing.yml")
NOW = clock_at("2026-11-25 10:00")


def test_references_never_collide_in_a_million() -> None:
    refs = {reference_for(KEY, n) for n in range(1, 1_000_001)}
    assert len(refs) == 1_000_000
    assert all(len(r) == 11 and r.startswith("MPS-") and r[8] == "-" for r in list(refs)[:1000])


def test_references_depend_on_the_key_and_are_a_permutation() -> None:
    assert reference_for(KEY, 1) != reference_for(b"another-key-0123456789abcdefghij", 1)
    assert [permute(KEY, n) for n in range(5)] != list(range(5))
    with pytest.raises(ValueError):
        permute(KEY, SPACE)
    assert find_reference("what about mps-7k3f-q9 ?") == "MPS-7K3F-Q9"


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("new", "acknowledged", True),
        ("acknowledged", "in_progress", True),
        ("in_progress", "closed", True),
        ("new", "closed", True),
        ("closed", "new", False),
        ("closed", "in_progress", False),
        ("in_progress", "acknowledged", False),
        ("new", "new", False),
    ],
)
def test_status_transitions(current: str, new: str, allowed: bool) -> None:
    if allowed:
        check_transition(current, new)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, new)


@pytest.mark.parametrize(
    ("category", "description", "unit"),
    [
        ("noise", "loud generator all night", "community_policing"),
        ("online_harassment", "someone is blackmailing me with photos", "fcpu"),
        ("theft", "boys stole the children's bicycles", "juvenile"),
        ("other", "زوجي يهددني", "fcpu"),
    ],
)
def test_units_by_category_and_words(category: str, description: str, unit: str) -> None:
    assert RULES.unit_for(category, description) == unit


def test_routing_by_point_nearest_name_and_nowhere(index: StationIndex) -> None:
    assert place_report(Draft("noise", "x", point=(44.428, 33.302)), index) == "BGD-KRD"
    assert place_report(Draft("noise", "x", point=(44.10, 33.29)), index) == "BGD-MNS"  # nearest
    # Over NEAREST_MAX_KM from every station (the desert; Paris): the triage queue,
    # unless the place name says where.
    assert place_report(Draft("noise", "x", point=(46.0, 31.9)), index) is None
    assert place_report(Draft("noise", "x", point=(2.35, 48.86)), index) is None
    assert place_report(Draft("noise", "x", "Zayona", point=(2.35, 48.86)), index) == "BGD-NBG"
    assert place_report(Draft("noise", "x", place="Zayona"), index) == "BGD-NBG"
    assert place_report(Draft("noise", "x", place="Erbil"), index) is None  # ambiguous: triage
    assert place_report(Draft("noise", "x", place="Paris"), index) is None


async def test_file_change_reroute_and_the_outbox(stocked: Database, index: StationIndex) -> None:
    draft = Draft("noise", "loud music every night", place="Karrada", contact_consent=True)
    async with stocked.sessions.begin() as session:
        report = await file_report(session, draft, "citizen-1", KEY, NOW, RULES, index)
        code = (await invite(session, "BGD-KRD", NOW.now)).code
        await join(session, code, -100, 42, NOW.now)
    assert report.reference is not None and report.station_code == "BGD-KRD"
    ref = report.reference
    async with stocked.sessions() as session:
        assert await report_of(session, ref, "citizen-2") is None  # someone else: not found
        assert (await report_of(session, ref.lower(), "citizen-1")) is not None
        [card] = await due_outbox(session, NOW)
        assert card.kind == "staff_card"
    with pytest.raises(NotAllowed):
        async with stocked.sessions.begin() as session:
            await change_status(session, ref, 99, "acknowledged", NOW)
    later = Clock(NOW.now + dt.timedelta(minutes=5), NOW.zone)
    async with stocked.sessions.begin() as session:
        await change_status(session, ref, 42, "acknowledged", later)
        await reroute(session, ref, 42, "BGD-MNS", later)
    with pytest.raises(NotAllowed):  # no longer Karrada's report
        async with stocked.sessions.begin() as session:
            await change_status(session, ref, 42, "closed", later)
    async with stocked.sessions() as session:
        kinds = [(e.kind, e.from_value, e.to_value, e.actor) for e in await history(session, 1)]
        assert kinds == [
            ("status", None, "new", "citizen"),
            ("status", "new", "acknowledged", "staff:42"),
            ("reroute", "BGD-KRD", "BGD-MNS", "staff:42"),
        ]
        due = await due_outbox(session, later)
        # The citizen (who agreed to updates) hears of the status and of the new station.
        assert [m.kind for m in due] == [
            "staff_card",
            "citizen_update",
            "citizen_update",
            "staff_card",
        ]
        assert [m.payload["what"] for m in due[1:3]] == [
            "status:new:acknowledged",
            "reroute:BGD-MNS",
        ]
    async with stocked.sessions.begin() as session:
        assert await mark_sent(session, due[0].id, later)
        assert not await mark_sent(session, due[0].id, later)  # delivered once
        await mark_failed(session, due[1], later, "429", retry_after=30)
    async with stocked.sessions() as session:
        assert [m.kind for m in await due_outbox(session, later)] == [
            "citizen_update",
            "staff_card",
        ]
        soon = Clock(later.now + dt.timedelta(seconds=31), NOW.zone)
        assert len(await due_outbox(session, soon)) == 3
        retried = await session.get(OutboxMessage, due[1].id)
        assert retried is not None and retried.attempts == 1


async def test_closed_reports_stay_closed(stocked: Database, index: StationIndex) -> None:
    async with stocked.sessions.begin() as session:
        report = await file_report(
            session, Draft("theft", "bike", place="Karrada"), "c", KEY, NOW, RULES, index
        )
        code = (await invite(session, "BGD-KRD", NOW.now)).code
        await join(session, code, -100, 42, NOW.now)
        ref = report.reference
        assert ref is not None
        await change_status(session, ref, 42, "closed", NOW, note="bike found")
    with pytest.raises(IllegalTransition):
        async with stocked.sessions.begin() as session:
            await change_status(session, ref, 42, "in_progress", NOW)
    with pytest.raises(IllegalReroute):
        async with stocked.sessions.begin() as session:
            await reroute(session, ref, 42, "BGD-MNS", NOW)
