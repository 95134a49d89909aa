"""The buttons under what the bot says to a citizen during a hand-off: End, and for a
discreet one Exit (both fixed callback data: they work after a restart, on any
replica, and act only on the presser's own chat)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import EXIT_CALLBACK
from bot.services import Services
from mps.contract import END_CALLBACK
from mps.models import Handoff


def citizen_keyboard(
    svc: Services, handoff: Handoff, ended: bool = False, *extra: InlineKeyboardButton
) -> InlineKeyboardMarkup | None:
    """`extra` buttons, End while it is open, and Exit for a discreet one."""
    language = handoff.language
    rows = [[button] for button in extra]
    if not ended:
        end = svc.catalogue.get("handoff_end_button", language)
        rows.append([InlineKeyboardButton(end, callback_data=END_CALLBACK)])
    if handoff.sensitive:
        leave = svc.catalogue.get("exit", language)
        rows.append([InlineKeyboardButton(leave, callback_data=EXIT_CALLBACK)])
    return InlineKeyboardMarkup(rows) if rows else None
