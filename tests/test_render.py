"""Rasa replies become Telegram messages."""

from typing import Any

from bot.buttons import ButtonStore
from bot.render import TELEGRAM_TEXT_LIMIT, render, split_text


def test_buttons_become_an_inline_keyboard_with_short_owned_callback_data() -> None:
    store = ButtonStore()
    long_payload = '/choose_topic{"faq_topic":"clearance_certificate","extra":"' + "x" * 80 + '"}'
    replies = [
        {
            "text": "Choose",
            "buttons": [
                {"title": "A", "payload": "/help"},
                {"title": "B", "payload": long_payload},
            ],
        }
    ]
    [message] = render(replies, user_id=5, store=store)
    assert message.kind == "text" and message.text == "Choose"
    assert message.keyboard is not None
    cells = [b for row in message.keyboard.inline_keyboard for b in row]
    assert [c.text for c in cells] == ["A", "B"]
    for cell, payload in zip(cells, ["/help", long_payload], strict=True):
        data = str(cell.callback_data)
        assert len(data.encode()) <= 64
        stored = store.get(data)
        assert stored is not None and stored.payload == payload and stored.user_id == 5


def test_many_buttons_are_laid_out_two_a_row() -> None:
    buttons = [{"title": str(i), "payload": f"/p{i}"} for i in range(7)]
    [message] = render([{"text": "t", "buttons": buttons}], 1, ButtonStore())
    assert message.keyboard is not None
    assert [len(row) for row in message.keyboard.inline_keyboard] == [2, 2, 2, 1]


def test_forged_callback_data_is_unknown() -> None:
    store = ButtonStore()
    assert store.get("b:forged") is None
    assert store.get("/help") is None


def test_images_documents_and_the_language_menu() -> None:
    replies: list[dict[str, Any]] = [
        {"image": "https://example.org/qr.png"},
        {"attachment": "https://example.org/visit.ics"},
        {"custom": {"document": {"url": "https://example.org/a.ics", "filename": "a.ics"}}},
        {"custom": {"action": "language_menu"}},
        {"custom": {"unknown": True}},
    ]
    kinds = [(m.kind, m.media, m.filename) for m in render(replies, 1, ButtonStore())]
    assert kinds == [
        ("photo", "https://example.org/qr.png", None),
        ("document", "https://example.org/visit.ics", None),
        ("document", "https://example.org/a.ics", "a.ics"),
        ("language_menu", "", None),
    ]


def test_long_text_is_split_and_the_keyboard_goes_on_the_last_part() -> None:
    text = ("سطر طويل من النص العربي " * 30 + "\n") * 20
    replies = [{"text": text, "buttons": [{"title": "OK", "payload": "/affirm"}]}]
    messages = render(replies, 1, ButtonStore())
    assert len(messages) > 1
    assert all(len(m.text) <= TELEGRAM_TEXT_LIMIT for m in messages)
    assert [m.keyboard is not None for m in messages] == [False] * (len(messages) - 1) + [True]
    assert "".join(m.text for m in messages).replace("\n", "").replace(" ", "") == text.replace(
        "\n", ""
    ).replace(" ", "")


def test_split_text_keeps_short_text_whole() -> None:
    assert split_text("hello") == ["hello"]


def test_a_turns_text_parts_arrive_as_one_message_with_the_buttons() -> None:
    replies: list[dict[str, Any]] = [
        {"recipient_id": "u", "text": "Answer."},
        {"recipient_id": "u", "text": "Source: MOI."},
        {"recipient_id": "u", "text": "Pick:", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "u", "image": "https://example.org/x.png"},
    ]
    messages = render(replies, 1, ButtonStore())
    assert [(m.kind, m.text) for m in messages] == [
        ("text", "Answer.\n\nSource: MOI.\n\nPick:"),
        ("photo", ""),
    ]
    assert messages[0].keyboard is not None


def test_tickets_and_map_pins_from_custom_payloads() -> None:
    store = ButtonStore()
    out = render(
        [
            {"text": "Your visit is booked."},
            {"custom": {"ticket": {"code": "K7MX3P"}}},
            {"custom": {"location": {"latitude": 33.3, "longitude": 44.43}}},
            {"custom": {"location": {"latitude": "north"}}},
            {"custom": {"ticket": {"code": 5}}},
        ],
        1,
        store,
    )
    assert [(o.kind, o.text, o.media) for o in out] == [
        ("text", "Your visit is booked.", ""),
        ("ticket", "K7MX3P", ""),
        ("location", "", "33.3,44.43"),
    ]
