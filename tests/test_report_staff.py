"""The card buttons: one handler per action, and every refusal told by its one message."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from bot import report_staff
from bot.report_staff import HANDLERS, on_report_button, refusal
from bot.services import SERVICES_KEY
from mps.contract import CardAction, CardPress
from mps.database import Database
from mps.language import LANGUAGES
from mps.models import Report
from mps.report_errors import (
    BadStation,
    ChangedMeanwhile,
    IllegalReroute,
    IllegalTransition,
    NoContact,
    NotAllowed,
    ReportError,
    UnknownReport,
)
from mps.reports import Draft, report_by_reference
from mps.routing import StationIndex
from tests.staffing import enrol, file
from tests.test_outbox import NOISE, TEXTS, Now, services

ERRORS = [
    UnknownReport,
    BadStation,
    NotAllowed,
    IllegalTransition,
    IllegalReroute,
    ChangedMeanwhile,
    NoContact,
]


def test_every_card_action_has_its_handler() -> None:
    assert set(HANDLERS) == set(CardAction)


def test_every_error_is_a_report_error_with_a_message() -> None:
    assert {e.key for e in ERRORS} <= set(TEXTS.keys())
    for error in ERRORS:
        assert issubclass(error, ReportError)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("error", ERRORS)
def test_each_refusal_is_told_in_every_language(error: type[ReportError], language: str) -> None:
    text = refusal(TEXTS, error("MPS-7K3F-Q9", "acknowledged"), language)
    assert text and "{" not in text
    if "reference" in TEXTS.get(error.key, "en", reference="{reference}", status=""):
        assert "MPS-7K3F-Q9" in text


@dataclass
class Stand:
    """A stand-in for the Telegram side of a press: what was answered and sent."""

    answers: list[tuple[str | None, bool]] = field(default_factory=list)
    sent: list[tuple[int, str]] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(100))

    async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
        self.answers.append((text, show_alert))

    async def send_message(self, *args: Any, **_: Any) -> Any:
        chat_id, text = args if len(args) == 2 else (0, args[0])
        self.sent.append((chat_id, text))
        return SimpleNamespace(message_id=next(self.ids))

    async def edit_message_text(self, *args: Any, **_: Any) -> None:
        return None


async def press(
    database: Database, user: int, chat: int, data: str, kind: str = "private"
) -> Stand:
    """Press a card button with this callback data, as `user` in `chat`."""
    stand = Stand()
    svc = services(database, Now())
    query = SimpleNamespace(
        data=data,
        answer=stand.answer,
        message=SimpleNamespace(message_id=7),
        edit_message_text=stand.edit_message_text,
    )
    the_chat = SimpleNamespace(id=chat, type=kind, send_message=stand.send_message)
    update = SimpleNamespace(
        callback_query=query,
        effective_user=SimpleNamespace(id=user, language_code="en"),
        effective_chat=the_chat,
        get_bot=lambda: stand,
    )
    context = SimpleNamespace(application=SimpleNamespace(bot_data={SERVICES_KEY: svc}))
    await on_report_button(update, context)  # type: ignore[arg-type]
    return stand


async def _status(database: Database, reference: str) -> str:
    async with database.sessions() as session:
        report = await report_by_reference(session, reference)
        assert report is not None
        return report.status


def _data(action: CardAction, report: Report, station: str | None = None) -> str:
    return CardPress(action, report.reference or "", station).encode()


async def test_staff_acknowledge_and_a_second_press_is_refused_with_the_status(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    report = await file(stocked, index, NOISE)
    stand = await press(stocked, 101, -100, _data(CardAction.ACKNOWLEDGE, report), "group")
    assert stand.answers == [(f"{report.reference}: acknowledged by the station.", False)]
    assert await _status(stocked, report.reference or "") == "acknowledged"
    again = await press(stocked, 101, -100, _data(CardAction.ACKNOWLEDGE, report), "group")
    assert again.answers == [
        (refusal(TEXTS, IllegalTransition(report.reference or "", "acknowledged"), "en"), True)
    ]


async def test_refusals_for_strangers_forgeries_and_unreachable_citizens(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    report = await file(stocked, index, NOISE)  # no consent to be contacted
    reference = report.reference or ""
    stranger = await press(stocked, 999, -100, _data(CardAction.IN_PROGRESS, report), "group")
    assert stranger.answers == [(TEXTS.get("not_station_staff", "en"), True)]
    forged = await press(stocked, 101, -100, _data(CardAction.ROUTE_TO, report, "TRIAGE"))
    assert forged.answers == [(refusal(TEXTS, BadStation(reference), "en"), True)]
    nobody = await press(stocked, 101, -100, _data(CardAction.ASK, report), "group")
    assert nobody.answers == [(TEXTS.get("ask_no_contact", "en"), True)]
    junk = await press(stocked, 101, -100, "r:zzz:" + reference, "group")
    assert junk.answers == [(refusal(TEXTS, UnknownReport(""), "en"), True)]
    assert await _status(stocked, reference) == "new"


async def test_a_sensitive_report_is_worked_by_its_unit_in_private_only(
    stocked: Database, index: StationIndex
) -> None:
    await enrol(stocked, "BGD-KRD", 102, 102, "fcpu")
    await enrol(stocked, "BGD-KRD", 102, -100)  # the same officer, in the station's group
    husband = Draft(
        category="other", description="my husband locks me in the house", place="Karrada"
    )
    report = await file(stocked, index, husband)
    assert report.sensitive
    in_group = await press(stocked, 102, -100, _data(CardAction.CLOSE, report), "group")
    assert in_group.answers == [(TEXTS.get("not_station_staff", "en"), True)]
    private = await press(stocked, 102, 102, _data(CardAction.CLOSE, report))
    assert private.answers == [(None, False)]
    assert private.sent == [(0, TEXTS.get("close_prompt", "en", reference=report.reference))]


async def test_route_offers_other_stations_and_route_to_moves_the_report(
    stocked: Database, index: StationIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    await enrol(stocked, "BGD-KRD", 101, -100)
    report = await file(stocked, index, NOISE)
    offered = await press(stocked, 101, -100, _data(CardAction.ROUTE, report), "group")
    assert offered.sent == [(0, TEXTS.get("route_choose", "en", reference=report.reference))]
    refreshed: list[str] = []

    async def refresh(update: Any, svc: Any, reference: str) -> None:
        refreshed.append(reference)

    monkeypatch.setattr(report_staff, "refresh_cards", refresh)
    moved = await press(stocked, 101, -100, _data(CardAction.ROUTE_TO, report, "BGD-MNS"))
    done = f"{report.reference} was re-routed to Mansour Police Station."
    assert moved.answers == [(done, False)]
    assert refreshed == [report.reference]
