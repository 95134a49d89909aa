"""The bot's side of the surveys (bot/surveys.py, bot/survey_answers.py) against a
stand-in Telegram: asked once, in her language and digits, by one replica of two;
a blocked chat or a refused send handled; the buttons move the survey on and refuse
other chats and second presses; her next message is the comment, never Rasa's, and
never logged; danger and other turns with Rasa are not taken as comments."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, select
from telegram.error import Forbidden, TimedOut

from bot.conversation import ask_rasa, on_text
from bot.rasa_client import RasaTurn
from bot.send_limits import HeldBack
from bot.services import SERVICES_KEY, Services
from bot.survey_answers import on_survey_button
from bot.surveys import send_due
from mps.contract import SurveyAnswer, SurveyPress
from mps.database import Database
from mps.emergency import KeywordNet, load_emergency
from mps.handoff import open_handoff
from mps.models import Survey
from mps.surveys import satisfaction
from tests.conftest import ROOT
from tests.staffing import enrol
from tests.test_claims import _twin
from tests.test_outbox import TEXTS, Now, services
from tests.test_reports import NOW
from tests.test_surveys import due_visit

CHAT, STRANGER, STAFF_GROUP = 7001, 7002, -100
DAY = dt.timedelta(days=1)
COMMENT = "The officer at the desk was patient and kind."


@dataclass
class Telegram:
    """Records what the bot sends (text and buttons); a chat can refuse."""

    sent: list[tuple[int, str, Any]] = field(default_factory=list)
    failures: dict[int, list[Exception]] = field(default_factory=dict)
    edited: list[tuple[int, int]] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(500))

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        await asyncio.sleep(0)  # replicas interleave
        if self.failures.get(chat_id):
            raise self.failures[chat_id].pop(0)
        self.sent.append((chat_id, text, kwargs.get("reply_markup")))
        return SimpleNamespace(message_id=next(self.ids))

    async def edit_message_reply_markup(self, chat_id: int, message_id: int, **_: Any) -> None:
        self.edited.append((chat_id, message_id))


@dataclass
class Rasa:
    """Records what reaches Rasa; answers "ok"."""

    texts: list[str] = field(default_factory=list)

    async def turn(self, sender: str, text: str, *args: Any) -> RasaTurn:
        self.texts.append(text)
        return RasaTurn([{"text": "ok"}])


def _services(database: Database, now: Now, rasa: Rasa | None = None) -> Services:
    svc = services(database, now)
    svc.rasa = rasa or Rasa()  # type: ignore[assignment]
    svc.keywords = KeywordNet.from_data(load_emergency(ROOT / "data" / "emergency.yml"))
    return svc


async def _due(database: Database, chats: list[int], language: str = "en") -> None:
    async with database.sessions.begin() as session:
        session.add_all(due_visit(chat, language) for chat in chats)


async def _rows(database: Database) -> list[Survey]:
    async with database.sessions() as session:
        return list((await session.scalars(select(Survey).order_by(Survey.id))).all())


def _buttons(markup: Any) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]


async def test_asked_once_in_her_language_with_five_buttons_in_her_digits(
    stocked: Database,
) -> None:
    await _due(stocked, [CHAT], "ar")
    telegram, svc = Telegram(), _services(stocked, Now())
    assert await send_due(telegram, svc) == 1  # type: ignore[arg-type]
    [(chat, text, markup)] = telegram.sent
    station = "مركز شرطة الكرادة"
    assert chat == CHAT and text == TEXTS.get("survey_ask_visit", "ar", station=station)
    [survey] = await _rows(stocked)
    buttons = _buttons(markup)
    assert [title for title, _ in buttons] == ["١", "٢", "٣", "٤", "٥"]
    presses = [SurveyPress.decode(data) for _, data in buttons]
    assert [p.answer.rating for p in presses if p] == [1, 2, 3, 4, 5]
    assert {p.token for p in presses if p} == {survey.token}
    assert survey.status == "asked" and survey.message_id is not None
    assert await send_due(telegram, svc) == 0  # type: ignore[arg-type]
    assert len(telegram.sent) == 1


async def test_two_replicas_ask_each_survey_once(stocked: Database) -> None:
    chats = list(range(9000, 9060))
    await _due(stocked, chats)
    telegram, now, other = Telegram(), Now(), _twin(stocked)

    async def replica(database: Database, name: str) -> int:
        total = 0
        while asked := await send_due(telegram, _services(database, now), name):  # type: ignore[arg-type]
            total += asked
        return total

    try:
        shares = await asyncio.gather(replica(stocked, "replica-a"), replica(other, "replica-b"))
    finally:
        await other.close()
    assert sum(shares) == len(chats)
    assert Counter(chat for chat, _, _ in telegram.sent) == Counter(chats)


async def test_a_blocked_chat_ends_the_survey_and_it_is_not_counted_as_sent(
    stocked: Database,
) -> None:
    await _due(stocked, [CHAT])
    telegram = Telegram(failures={CHAT: [Forbidden("Forbidden: bot was blocked by the user")]})
    svc = _services(stocked, Now())
    assert await send_due(telegram, svc) == 0  # type: ignore[arg-type]
    [survey] = await _rows(stocked)
    assert (survey.status, survey.chat_id, survey.asked_on) == ("expired", None, None)
    async with stocked.sessions() as session:
        figures = await satisfaction(session, None, NOW.now - DAY, NOW.now + DAY)
    assert figures.sent == 0


async def test_a_held_back_send_is_asked_later_and_a_timed_out_one_never_again(
    stocked: Database,
) -> None:
    await _due(stocked, [CHAT, STRANGER])
    telegram = Telegram(failures={CHAT: [HeldBack(30)], STRANGER: [TimedOut()]})
    now = Now()
    svc = _services(stocked, now)
    assert await send_due(telegram, svc) == 0  # type: ignore[arg-type]  # held back: round ends
    assert await send_due(telegram, svc) == 0  # type: ignore[arg-type]  # timed out: maybe sent
    now.later(0.6)
    assert await send_due(telegram, svc) == 1  # type: ignore[arg-type]
    assert [chat for chat, _, _ in telegram.sent] == [CHAT]
    now.later(60)
    assert await send_due(telegram, svc) == 0  # type: ignore[arg-type]
    assert {s.status for s in await _rows(stocked)} == {"asked"}


@dataclass
class Press:
    """The Telegram side of a button press: the alert and the edited message."""

    answers: list[tuple[str | None, bool]] = field(default_factory=list)
    edits: list[tuple[str, Any]] = field(default_factory=list)

    async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
        self.answers.append((text, show_alert))

    async def edit_message_text(self, text: str, reply_markup: Any = None) -> None:
        self.edits.append((text, reply_markup))


def _context(svc: Services, telegram: Telegram) -> Any:
    return SimpleNamespace(application=SimpleNamespace(bot_data={SERVICES_KEY: svc}), bot=telegram)


async def _press(svc: Services, data: str, user: int = CHAT, chat: int | None = None) -> Press:
    press = Press()
    query = SimpleNamespace(
        data=data, answer=press.answer, edit_message_text=press.edit_message_text
    )
    where = chat if chat is not None else user
    update = SimpleNamespace(
        callback_query=query,
        effective_user=SimpleNamespace(id=user, language_code="en"),
        effective_chat=SimpleNamespace(id=where, type="private" if where > 0 else "group"),
    )
    await on_survey_button(update, _context(svc, Telegram()))  # type: ignore[arg-type]
    return press


@dataclass
class Chat:
    """Her private chat, as the handlers see it."""

    id: int = CHAT
    type: str = "private"
    said: list[str] = field(default_factory=list)

    async def send_message(self, text: str, **_: Any) -> Any:
        self.said.append(text)
        return SimpleNamespace(message_id=1)

    async def send_action(self, *_: Any) -> None:
        return None


async def _say(svc: Services, telegram: Telegram, text: str) -> Chat:
    """She types `text` in her chat; what the bot said there."""
    chat = Chat()

    async def reply_text(answer: str, **_: Any) -> None:
        chat.said.append(answer)

    update = SimpleNamespace(
        update_id=1,
        effective_message=SimpleNamespace(
            text=text,
            caption=None,
            photo=None,
            location=None,
            reply_to_message=None,
            reply_text=reply_text,
        ),
        effective_user=SimpleNamespace(id=CHAT, language_code="en"),
        effective_chat=chat,
    )
    await on_text(update, _context(svc, telegram))  # type: ignore[arg-type]
    return chat


async def _asked(database: Database, svc: Services, telegram: Telegram) -> str:
    """A survey asked in her chat; its token."""
    await _due(database, [CHAT])
    assert await send_due(telegram, svc) == 1  # type: ignore[arg-type]
    [survey] = await _rows(database)
    assert survey.token is not None
    return survey.token


def _data(token: str, choice: SurveyAnswer) -> str:
    return SurveyPress(token, choice).encode()


async def test_buttons_then_her_next_message_is_the_comment_never_rasas_never_logged(
    stocked: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # LOG_LEVEL's floor in production; all of ours below
    for ours in ("bot", "mps"):
        caplog.set_level(logging.DEBUG, logger=ours)
    rasa, telegram = Rasa(), Telegram()
    svc = _services(stocked, Now(), rasa)
    token = await _asked(stocked, svc, telegram)
    other = await _press(svc, _data(token, SurveyAnswer.RATE_1), user=STRANGER)
    assert other.answers == [(TEXTS.get("not_your_button", "en"), True)] and not other.edits
    in_group = await _press(svc, _data(token, SurveyAnswer.RATE_1), chat=-100)
    assert in_group.answers == [(TEXTS.get("not_your_button", "en"), True)]
    rated = await _press(svc, _data(token, SurveyAnswer.RATE_4))
    [(text, markup)] = rated.edits
    assert text == TEXTS.get("survey_ask_respect", "en")
    assert [title for title, _ in _buttons(markup)] == ["Yes", "No"]
    again = await _press(svc, _data(token, SurveyAnswer.RATE_5))
    assert again.answers == [(TEXTS.get("survey_already", "en"), True)]
    respected = await _press(svc, _data(token, SurveyAnswer.RESPECTED))
    [(text, markup)] = respected.edits
    assert text == TEXTS.get("survey_ask_comment", "en")
    assert [title for title, _ in _buttons(markup)] == ["Skip"]

    chat = await _say(svc, telegram, COMMENT)
    assert chat.said == [TEXTS.get("survey_comment_thanks", "en")]
    assert rasa.texts == []  # the comment never reached Rasa
    [survey] = await _rows(stocked)
    assert (survey.status, survey.rating, survey.respected, survey.comment) == (
        "answered",
        4,
        True,
        COMMENT,
    )
    assert survey.chat_id is None and survey.token is None
    assert telegram.edited  # the Skip button went
    assert "patient and kind" not in caplog.text
    # Her next message goes to Rasa again; the old buttons lead nowhere.
    await _say(svc, telegram, "when is the next open house day?")
    assert rasa.texts == ["when is the next open house day?"]
    late = await _press(svc, _data(token, SurveyAnswer.SKIP))
    assert late.answers == [(TEXTS.get("survey_closed", "en"), True)]


async def test_skip_thanks_her_and_keeps_no_comment(stocked: Database) -> None:
    telegram = Telegram()
    svc = _services(stocked, Now())
    token = await _asked(stocked, svc, telegram)
    await _press(svc, _data(token, SurveyAnswer.RATE_2))
    await _press(svc, _data(token, SurveyAnswer.NOT_RESPECTED))
    skipped = await _press(svc, _data(token, SurveyAnswer.SKIP))
    assert skipped.edits == [(TEXTS.get("survey_thanks", "en"), None)]
    [survey] = await _rows(stocked)
    assert (survey.status, survey.rating, survey.respected, survey.comment) == (
        "answered",
        2,
        False,
        None,
    )


async def test_danger_or_another_turn_with_rasa_is_no_comment(stocked: Database) -> None:
    rasa, telegram = Rasa(), Telegram()
    svc = _services(stocked, Now(), rasa)
    token = await _asked(stocked, svc, telegram)
    await _press(svc, _data(token, SurveyAnswer.RATE_3))
    await _press(svc, _data(token, SurveyAnswer.RESPECTED))
    await _say(svc, telegram, "help, he is attacking me with a knife now")
    assert rasa.texts == ["help, he is attacking me with a knife now"]
    [survey] = await _rows(stocked)
    assert (survey.status, survey.comment, survey.rating) == ("answered", None, 3)

    # A second survey: she goes on with a form by a button instead of commenting.
    async with stocked.sessions.begin() as session:
        await session.execute(delete(Survey))
    token = await _asked(stocked, svc, telegram)
    await _press(svc, _data(token, SurveyAnswer.RATE_5))
    await _press(svc, _data(token, SurveyAnswer.RESPECTED))
    update = SimpleNamespace(
        update_id=2,
        effective_user=SimpleNamespace(id=CHAT, language_code="en"),
        effective_chat=Chat(),
    )
    await ask_rasa(update, _context(svc, telegram), '/inform{"party_size": "2"}', "en")  # type: ignore[arg-type]
    await _say(svc, telegram, "Saturday")  # the form's next answer
    assert rasa.texts[-1] == "Saturday"
    [survey] = await _rows(stocked)
    assert (survey.status, survey.comment, survey.rating) == ("answered", None, 5)


async def test_in_a_handoff_her_messages_go_to_the_staff_not_to_the_survey(
    stocked: Database,
) -> None:
    rasa, telegram = Rasa(), Telegram()
    svc = _services(stocked, Now(), rasa)
    token = await _asked(stocked, svc, telegram)
    await _press(svc, _data(token, SurveyAnswer.RATE_4))
    await _press(svc, _data(token, SurveyAnswer.RESPECTED))  # her comment is awaited
    await enrol(stocked, "BGD-KRD", 101, STAFF_GROUP)
    async with stocked.sessions.begin() as session:  # and she is writing to the station
        await open_handoff(session, CHAT, "BGD-KRD", "en", NOW)
    await _say(svc, telegram, "Is anyone there? I need to ask about my case.")
    relayed = [text for chat, text, _ in telegram.sent if chat == STAFF_GROUP]
    assert relayed and "Is anyone there?" in relayed[-1]
    assert rasa.texts == []
    [survey] = await _rows(stocked)
    assert survey.comment is None
