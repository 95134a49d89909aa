"""Every string that crosses a process boundary survives a round trip, whatever it holds."""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mps.contract import (
    CALLBACK_DATA_LIMIT,
    CARD_STATUS,
    CallbackFiled,
    CardAction,
    CardPress,
    Directive,
    Document,
    IntentPayload,
    LanguageMenu,
    Pin,
    ReportLink,
    Reroute,
    StatusChange,
    Ticket,
    decode_change,
    intent_payload,
    parse_intent_payload,
    parse_topic,
    staff_actor,
    staff_of,
    topic_payload,
)
from mps.report_rules import TRANSITIONS

# Quotes, braces, backslashes, colons, newlines, Arabic, Sorani, emoji (one with a joiner).
HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("\"'{}[]\\:/@\n\r\t\u200f\u2028 "))),
    st.sampled_from(
        [
            '"}, {"intent": "x',
            "{}",
            "\\u0022",
            "الكرادة\nبغداد",
            "کوردی ڕۆژ",
            "🚓👩‍👧",
            "r:ack:MPS-0000-00",
            "staff:7",
        ]
    ),
)
INTENT = st.from_regex(r"[A-Za-z0-9_/]{1,30}", fullmatch=True)
ENTITIES = st.dictionaries(HOSTILE, HOSTILE, max_size=4)
# A field of a `:`-separated string: anything but empty or a colon.
FIELD = HOSTILE.filter(lambda s: s != "" and ":" not in s)


@given(INTENT, ENTITIES)
def test_intent_payloads_round_trip(intent: str, entities: dict[str, str]) -> None:
    text = intent_payload(intent, **entities)
    parsed = parse_intent_payload(text)
    assert parsed is not None
    assert (parsed.intent, dict(parsed.entities), parsed.confidence) == (intent, entities, None)
    assert "\n" not in text  # JSON escapes it: a payload is one line


@given(INTENT, ENTITIES, st.integers(0, 1000).map(lambda n: n / 1000))
def test_confidence_round_trips(intent: str, entities: dict[str, str], confidence: float) -> None:
    parsed = parse_intent_payload(IntentPayload(intent, entities, confidence).encode())
    assert parsed == IntentPayload(intent, entities, confidence)


def test_payloads_keep_the_strings_rasa_and_old_buttons_know() -> None:
    assert intent_payload("help") == "/help"
    assert intent_payload("inform", event_id="12") == '/inform{"event_id": "12"}'
    assert (
        intent_payload("move_booking", booking_code="K7MX3P", event_id="3")
        == '/move_booking{"booking_code": "K7MX3P", "event_id": "3"}'
    )
    assert intent_payload("inform", place="الكرادة") == '/inform{"place": "الكرادة"}'
    parsed = parse_intent_payload('/affirm@0.9{"x": [1]}')
    assert parsed == IntentPayload("affirm", {"x": [1]}, 0.9)


@given(HOSTILE)
@example("/broken{not json")
@example("/inform[1]")
@example('/inform["not", "an", "object"]')
@example("where is the station")
def test_anything_else_is_not_a_payload_or_round_trips(text: str) -> None:
    parsed = parse_intent_payload(text)
    if parsed is not None:
        assert parse_intent_payload(parsed.encode()) == parsed


@given(HOSTILE)
def test_bad_intent_names_are_refused(intent: str) -> None:
    try:
        text = intent_payload(intent, place="x")
    except ValueError:
        return
    parsed = parse_intent_payload(text)
    assert parsed is not None and parsed.intent == intent


@given(st.from_regex(r"[a-z_]{1,40}", fullmatch=True))
def test_topics_round_trip(topic: str) -> None:
    assert parse_topic(topic_payload(topic)) == topic


@given(HOSTILE)
@example("../../etc")
def test_hostile_topics_are_refused_both_ways(topic: str) -> None:
    try:
        payload = topic_payload(topic)
    except ValueError:
        assert parse_topic("topic:" + topic) is None
        return
    assert parse_topic(payload) == topic


FINITE = st.floats(allow_nan=False, allow_infinity=False)
DIRECTIVE = st.one_of(
    st.just(LanguageMenu()),
    st.builds(Ticket, HOSTILE),
    st.builds(ReportLink, HOSTILE),
    st.builds(CallbackFiled, HOSTILE),
    st.builds(Pin, FINITE, FINITE),
    st.builds(Document, HOSTILE.filter(bool), HOSTILE, st.none() | HOSTILE),
)


@given(DIRECTIVE)
def test_directives_round_trip_through_json(directive: Directive) -> None:
    sent = json.loads(json.dumps(directive.to_json(), ensure_ascii=False))
    assert Directive.parse(sent) == directive


def test_directives_keep_the_custom_messages_of_the_actions_and_responses() -> None:
    assert LanguageMenu().to_json() == {"action": "language_menu"}
    assert Ticket("K7MX3P").to_json() == {"ticket": {"code": "K7MX3P"}}
    assert ReportLink("MPS-7K3F-Q9").to_json() == {"report": {"reference": "MPS-7K3F-Q9"}}
    assert CallbackFiled("MPS-7K3F-Q9").to_json() == {"callback": {"reference": "MPS-7K3F-Q9"}}
    assert Pin(33.3, 44.4).to_json() == {"location": {"latitude": 33.3, "longitude": 44.4}}


@pytest.mark.parametrize(
    "custom",
    [
        None,
        "ticket",
        {},
        {"unknown": True},
        {"ticket": {"code": 5}},
        {"report": {}},
        {"action": "restart"},
        {"location": {"latitude": "north", "longitude": 1}},
        {"location": {"latitude": "nan", "longitude": 1}},
        {"document": {"url": ""}},
    ],
)
def test_malformed_directives_are_none(custom: object) -> None:
    assert Directive.parse(custom) is None


PRESS = st.one_of(
    st.builds(
        CardPress,
        st.sampled_from([a for a in CardAction if a is not CardAction.ROUTE_TO]),
        FIELD,
    ),
    st.builds(CardPress, st.just(CardAction.ROUTE_TO), FIELD, FIELD),
)


@given(PRESS)
def test_card_presses_round_trip_or_are_refused_over_64_bytes(press: CardPress) -> None:
    fields = [press.action.value, press.reference] + ([press.station] if press.station else [])
    size = len(("r:" + ":".join(fields)).encode())
    try:
        data = press.encode()
    except ValueError:
        assert size > CALLBACK_DATA_LIMIT
        return
    assert len(data.encode()) == size <= CALLBACK_DATA_LIMIT
    assert CardPress.decode(data) == press


def test_a_station_goes_with_route_to_only() -> None:
    with pytest.raises(ValueError):
        CardPress(CardAction.ACKNOWLEDGE, "MPS-7K3F-Q9", "BGD-MNS").encode()
    with pytest.raises(ValueError):
        CardPress(CardAction.ROUTE_TO, "MPS-7K3F-Q9").encode()


def test_card_presses_keep_the_data_of_cards_already_sent() -> None:
    sent = {
        "r:ack:MPS-7K3F-Q9": CardPress(CardAction.ACKNOWLEDGE, "MPS-7K3F-Q9"),
        "r:prog:MPS-7K3F-Q9": CardPress(CardAction.IN_PROGRESS, "MPS-7K3F-Q9"),
        "r:route:MPS-7K3F-Q9": CardPress(CardAction.ROUTE, "MPS-7K3F-Q9"),
        "r:to:MPS-7K3F-Q9:BGD-MNS": CardPress(CardAction.ROUTE_TO, "MPS-7K3F-Q9", "BGD-MNS"),
        "r:ask:MPS-7K3F-Q9": CardPress(CardAction.ASK, "MPS-7K3F-Q9"),
        "r:close:MPS-7K3F-Q9": CardPress(CardAction.CLOSE, "MPS-7K3F-Q9"),
    }
    for data, press in sent.items():
        assert CardPress.decode(data) == press and press.encode() == data
    assert set(CARD_STATUS.values()) <= set(TRANSITIONS)


@given(HOSTILE)
@example("r:ack:MPS-7K3F-Q9")
def test_any_card_data_is_none_or_round_trips(data: str) -> None:
    press = CardPress.decode(data)
    if press is not None:
        assert press.encode() == data


@pytest.mark.parametrize(
    "data",
    ["r:to:MPS-7K3F-Q9", "r:ack:MPS-7K3F-Q9:BGD-MNS", "r:zzz:MPS-7K3F-Q9", "r:ack:", "b:xyz"],
)
def test_forged_card_data_is_none(data: str) -> None:
    assert CardPress.decode(data) is None


@given(FIELD, FIELD, FIELD)
def test_outbox_changes_round_trip(old: str, new: str, station: str) -> None:
    assert decode_change(StatusChange(old, new).encode()) == StatusChange(old, new)
    assert decode_change(Reroute(station).encode()) == Reroute(station)


@given(HOSTILE)
@example("status:new")
@example("reroute:")
def test_any_outbox_what_decodes_or_is_none(what: str) -> None:
    change = decode_change(what)
    if change is not None:
        assert change.encode() == what


def test_rows_already_in_databases_still_decode() -> None:
    assert decode_change("status:new:acknowledged") == StatusChange("new", "acknowledged")
    assert decode_change("reroute:BGD-MNS") == Reroute("BGD-MNS")
    assert decode_change("") is None


@given(HOSTILE, HOSTILE)
def test_colons_and_empty_fields_are_refused(first: str, second: str) -> None:
    for change, bad in (
        (StatusChange(first, second), "" in (first, second) or ":" in first + second),
        (Reroute(first), first == "" or ":" in first),
    ):
        if bad:
            with pytest.raises(ValueError):
                change.encode()
        else:
            assert decode_change(change.encode()) == change


@given(st.integers())
def test_staff_actors_round_trip(user: int) -> None:
    assert staff_of(staff_actor(user)) == user


@given(HOSTILE)
@example("citizen")
@example("system")
@example("staff:")
@example("staff:٣")
@example("staff: 7")
@example("staff:7\n")
def test_other_actors_are_nobody(actor: str) -> None:
    user = staff_of(actor)
    if user is not None:
        assert staff_actor(user) == actor
