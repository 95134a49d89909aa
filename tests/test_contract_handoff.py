"""The hand-off's strings (mps/contract/handoff.py, and its directive): card buttons and
the directive round-trip, forged or malformed data is refused, and the strings of cards
already sent keep their meaning."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mps.contract import (
    CALLBACK_DATA_LIMIT,
    END_CALLBACK,
    Directive,
    HandoffAction,
    HandoffPress,
    HandoffStart,
)

TEXT = st.text(max_size=80)
STATION = st.text(min_size=1, max_size=40).filter(lambda s: ":" not in s)
PRESS = st.one_of(
    st.builds(
        HandoffPress,
        st.sampled_from([a for a in HandoffAction if a is not HandoffAction.ROUTE_TO]),
        st.integers(min_value=1, max_value=10**12),
    ),
    st.builds(
        HandoffPress,
        st.just(HandoffAction.ROUTE_TO),
        st.integers(min_value=1, max_value=10**12),
        STATION,
    ),
)


@given(PRESS)
def test_presses_round_trip_or_are_refused_over_64_bytes(press: HandoffPress) -> None:
    fields = [press.action.value, str(press.handoff)] + ([press.station] if press.station else [])
    size = len(("h:" + ":".join(fields)).encode())
    try:
        data = press.encode()
    except ValueError:
        assert size > CALLBACK_DATA_LIMIT
        return
    assert len(data.encode()) == size <= CALLBACK_DATA_LIMIT
    assert HandoffPress.decode(data) == press


def test_presses_keep_the_data_of_cards_already_sent() -> None:
    sent = {
        "h:take:12": HandoffPress(HandoffAction.TAKE, 12),
        "h:close:12": HandoffPress(HandoffAction.CLOSE, 12),
        "h:route:12": HandoffPress(HandoffAction.ROUTE, 12),
        "h:to:12:BGD-MNS": HandoffPress(HandoffAction.ROUTE_TO, 12, "BGD-MNS"),
    }
    for data, press in sent.items():
        assert HandoffPress.decode(data) == press and press.encode() == data


@given(st.text(max_size=70))
@example("h:take:12")
@example("h:take:١٢")
def test_any_data_is_none_or_round_trips(data: str) -> None:
    press = HandoffPress.decode(data)
    if press is not None:
        assert press.encode() == data


@pytest.mark.parametrize(
    "data",
    [
        "h:take:012",
        "h:take:0",
        "h:take:-3",
        "h:take:١٢",
        "h:to:12",
        "h:take:12:BGD-MNS",
        "h:end:12",
        "h:take:",
        "r:ack:MPS-7K3F-Q9",
        END_CALLBACK,
    ],
)
def test_forged_data_is_none(data: str) -> None:
    assert HandoffPress.decode(data) is None


def test_a_station_goes_with_route_to_only() -> None:
    with pytest.raises(ValueError):
        HandoffPress(HandoffAction.TAKE, 12, "BGD-MNS").encode()
    with pytest.raises(ValueError):
        HandoffPress(HandoffAction.ROUTE_TO, 12).encode()


@given(STATION, st.booleans(), st.none() | TEXT.filter(bool))
def test_the_directive_round_trips_and_a_discreet_one_never_carries_a_question(
    station: str, discreet: bool, question: str | None
) -> None:
    sent = json.loads(json.dumps(HandoffStart(station, discreet, question).to_json()))
    expected = HandoffStart(station, discreet, None if discreet else question)
    assert Directive.parse(sent) == expected


def test_the_directive_keeps_its_custom_message() -> None:
    assert HandoffStart("BGD-KRD", False, "Where?").to_json() == {
        "handoff": {"station": "BGD-KRD", "discreet": False, "question": "Where?"}
    }
    forged = {"handoff": {"station": "BGD-KRD", "discreet": True, "question": "kept?"}}
    assert Directive.parse(forged) == HandoffStart("BGD-KRD", True, None)
    assert Directive.parse({"handoff": {"station": ""}}) is None
    assert Directive.parse({"handoff": {"discreet": "yes"}}) is None
