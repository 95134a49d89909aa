"""Turns Rasa's REST replies into Telegram messages.

Pure: no network. Text with buttons becomes a message with an inline
keyboard (callback data from ButtonStore, so never over 64 bytes); images
become photos; Rasa attachments documents; text over Telegram's 4096
characters is split. Custom messages are directives (mps.contract): a map pin,
a document, or an instruction the sender carries out (a booking's ticket, a
report's link to the chat, a call-back to watch, the language menu).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import EXIT_CALLBACK, ButtonStore
from mps.contract import (
    EXIT_PAYLOAD,
    CallbackFiled,
    Directive,
    Document,
    HandoffStart,
    LanguageMenu,
    Pin,
    ReportLink,
    Ticket,
)

TELEGRAM_TEXT_LIMIT = 4096
Kind = Literal[
    "text",
    "photo",
    "document",
    "location",
    "ticket",
    "report",
    "callback",
    "language_menu",
    "handoff",
]


@dataclass(frozen=True)
class Outgoing:
    """One message to send: text, photo or document, maybe with a keyboard."""

    kind: Kind
    text: str = ""
    media: str = ""
    filename: str | None = None
    keyboard: InlineKeyboardMarkup | None = None
    # The instruction itself, for the sender to carry out (a hand-off to open).
    directive: Directive | None = None


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split text into chunks of at most `limit` characters, at line breaks if possible."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def callback_data(payload: str, user_id: int, store: ButtonStore) -> str:
    """A button's callback data: fixed for Exit (it must work after a restart and
    whatever others did meanwhile), else a token of the store."""
    if payload == EXIT_PAYLOAD:
        return EXIT_CALLBACK
    return store.put(user_id, payload)


def keyboard_for(
    buttons: list[dict[str, Any]], user_id: int, store: ButtonStore
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for Rasa buttons: one a row, or two a row for many."""
    cells = [
        InlineKeyboardButton(
            str(b["title"])[:64], callback_data=callback_data(str(b["payload"]), user_id, store)
        )
        for b in buttons
        if b.get("title") and b.get("payload")
    ]
    if not cells:
        return None
    width = 1 if len(cells) <= 4 else 2
    return InlineKeyboardMarkup([cells[i : i + width] for i in range(0, len(cells), width)])


def merge_texts(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join consecutive text replies into one (Rasa splits texts at blank lines)."""
    merged: list[dict[str, Any]] = []
    for reply in replies:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and set(previous) <= {"recipient_id", "text"}
            and isinstance(previous.get("text"), str)
            and isinstance(reply.get("text"), str)
        ):
            merged[-1] = {**reply, "text": previous["text"] + "\n\n" + reply["text"]}
        else:
            merged.append(dict(reply))
    return merged


def render(replies: list[dict[str, Any]], user_id: int, store: ButtonStore) -> list[Outgoing]:
    """Translate Rasa replies, in order, into messages to send."""
    out: list[Outgoing] = []
    for reply in merge_texts(replies):
        text = reply.get("text")
        if isinstance(text, str) and text.strip():
            keyboard = keyboard_for(reply.get("buttons") or [], user_id, store)
            chunks = split_text(text)
            for chunk in chunks[:-1]:
                out.append(Outgoing("text", chunk))
            out.append(Outgoing("text", chunks[-1], keyboard=keyboard))
        if reply.get("image"):
            out.append(Outgoing("photo", media=str(reply["image"])))
        if reply.get("attachment"):
            out.append(Outgoing("document", media=str(reply["attachment"])))
        directive = Directive.parse(reply.get("custom"))
        if directive is not None:
            out.append(_render_directive(directive))
    return out


def _render_directive(directive: Directive) -> Outgoing:
    """The message, or the instruction to the sender, for a directive."""
    match directive:
        case Ticket(code=code):
            return Outgoing("ticket", text=code)
        case ReportLink(reference=reference):
            return Outgoing("report", text=reference)
        case CallbackFiled(reference=reference):
            return Outgoing("callback", text=reference)
        case Pin(latitude=latitude, longitude=longitude):
            return Outgoing("location", media=f"{latitude},{longitude}")
        case Document(url=url, caption=caption, filename=filename):
            return Outgoing("document", text=caption, media=url, filename=filename)
        case LanguageMenu():
            return Outgoing("language_menu")
        case HandoffStart():
            return Outgoing("handoff", directive=directive)
    raise TypeError(f"no message for {type(directive).__name__}")
