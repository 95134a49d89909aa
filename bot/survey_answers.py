"""Her answers to a survey: the buttons (rating, respect, Skip) and the comment, her
next text message after the survey asks for one (it never goes to Rasa).

A button counts only in the private chat the survey was asked in, and each step
once (mps.survey_answers); the survey's message changes to the next question, so
old buttons disappear. The comment is awaited only outside a hand-off; a message
that reads as danger is no comment (the survey ends without one and the message
goes on to Rasa, which answers it); any other turn with Rasa (a button, a shared
location, /help) ends the wait, so a form she goes on with never loses an answer.
The comment is stored, never logged.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.safety_net import in_danger
from bot.services import Services, services, user_language
from mps.contract import SURVEY_PREFIX, SurveyAnswer, SurveyPress
from mps.survey_answers import Step, answer, awaiting_comment, drop_comment, take_comment

logger = logging.getLogger(__name__)
PATTERN = f"^{SURVEY_PREFIX}"
# A refused press: the alert that says why.
REFUSALS = {
    Step.NOT_YOURS: "not_your_button",
    Step.ALREADY: "survey_already",
    Step.CLOSED: "survey_closed",
}


def _keyboard(
    svc: Services, token: str, language: str, *buttons: tuple[str, SurveyAnswer]
) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            svc.catalogue.get(key, language), callback_data=SurveyPress(token, choice).encode()
        )
        for key, choice in buttons
    ]
    return InlineKeyboardMarkup([row])


def next_question(
    svc: Services, step: Step, token: str, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the survey's message becomes after a recorded press."""
    get = svc.catalogue.get
    if step is Step.RESPECT:
        yes_no = (
            ("survey_yes", SurveyAnswer.RESPECTED),
            ("survey_no", SurveyAnswer.NOT_RESPECTED),
        )
        return get("survey_ask_respect", language), _keyboard(svc, token, language, *yes_no)
    if step is Step.COMMENT:
        skip = ("survey_skip", SurveyAnswer.SKIP)
        return get("survey_ask_comment", language), _keyboard(svc, token, language, skip)
    return get("survey_thanks", language), None


async def on_survey_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A survey button: record the answer and ask the next question, or say why not."""
    svc = services(context)
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None
    press = SurveyPress.decode(query.data or "")
    language = user_language(svc, update)
    if press is None:
        await query.answer(svc.catalogue.get("stale_button", language), show_alert=True)
        return
    # Her own private chat: the chat's id is hers (another chat is never the survey's).
    own = chat.id if chat is not None and chat.type == "private" and chat.id == user.id else 0
    async with svc.database.sessions.begin() as session:
        pressed = await answer(session, press, own, svc.clock())
    language = pressed.language or language
    if pressed.step in REFUSALS:
        await query.answer(svc.catalogue.get(REFUSALS[pressed.step], language), show_alert=True)
        return
    await query.answer()
    text, keyboard = next_question(svc, pressed.step, press.token, language)
    with contextlib.suppress(TelegramError):  # the message may be gone: the answer is kept
        await query.edit_message_text(text, reply_markup=keyboard)


async def take_as_comment(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """Her text message as the comment of the survey waiting for one: kept, thanked,
    and True; False if no survey waits for one (or the message reads as danger)."""
    svc = services(context)
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    clock = svc.clock()
    async with svc.database.sessions() as session:
        survey = await awaiting_comment(session, chat.id, clock)
    if survey is None:
        return False
    async with svc.database.sessions.begin() as session:
        if in_danger(svc, text):  # not a comment: Rasa answers it, the survey ends
            await drop_comment(session, chat.id, clock)
            return False
        if not await take_comment(session, survey, chat.id, text, clock):
            return False
    logger.info("surveys: survey %s answered with a comment", survey.id)
    await message.reply_text(svc.catalogue.get("survey_comment_thanks", survey.language))
    if survey.message_id is not None:  # its Skip button goes
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(chat.id, survey.message_id)
    return True


async def leave_comment(svc: Services, chat_id: int) -> None:
    """She turned to something else with Rasa: a survey waiting for her comment ends
    without one."""
    clock = svc.clock()
    async with svc.database.sessions() as session:
        waiting = await awaiting_comment(session, chat_id, clock)
    if waiting is not None:
        async with svc.database.sessions.begin() as session:
            await drop_comment(session, chat_id, clock)
