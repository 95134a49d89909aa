"""The citizen's side of reports in the chat: photos for the report form, /status."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import handoff
from bot.conversation import ask_rasa
from bot.payloads import to_rasa
from bot.services import services, user_language
from mps.contract import intent_payload
from mps.file_ids import is_file_id
from mps.report_rules import find_reference


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo: the report form's picture (Rasa gets only Telegram's file id)."""
    svc = services(context)
    message = update.effective_message
    assert message is not None and message.photo
    if await handoff.route_message(update, context):  # a hand-off's thread, either side
        return
    language = user_language(svc, update)
    file_id = message.photo[-1].file_id
    if not is_file_id(file_id):  # never from Telegram; nothing else may pose as one
        return
    payload = intent_payload("share_photo", photo=file_id)
    await ask_rasa(update, context, to_rasa(payload, language), language)


async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status [REF]: follow up one's reports."""
    svc = services(context)
    language = user_language(svc, update)
    reference = find_reference(" ".join(context.args or []))
    entities = {"report_ref": reference} if reference else {}
    payload = intent_payload("report_status", **entities)
    await ask_rasa(update, context, to_rasa(payload, language), language)
