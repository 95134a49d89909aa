"""Builds the Telegram Application: handlers, start-up and shut-down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import (
    citizen_reports,
    console_link,
    conversation,
    handoff,
    handoff_staff,
    quick_exit,
    report_staff,
    staff,
    staff_queue,
    staff_watch,
    survey_answers,
)
from bot.buttons import EXIT_CALLBACK
from bot.callback_watch import open_callback_watch
from bot.chat_state import ChatState
from bot.chat_state_stores import open_chat_state
from bot.dedup import UpdateGate
from bot.errors import on_error
from bot.handoff_cards import handoff_loop
from bot.journal import Journal, open_journal
from bot.limits import bot_limiter, rate_guard
from bot.outbox import outbox_loop
from bot.probes import serve_probes
from bot.rasa_client import RasaClient
from bot.reminders import reminder_loop
from bot.retention import purge_loop
from bot.send_limits import send_limiter
from bot.services import SERVICES_KEY, Services, open_shared_state
from bot.settings import Settings
from bot.surveys import survey_loop
from bot.tracking_bot import TrackingBot
from bot.update_types import only_allowed
from bot.webhook import FinishingProcessor
from mps.catalogue import Catalogue
from mps.contract import END_CALLBACK
from mps.database import Database, open_database
from mps.emergency import KeywordNet, load_emergency

logger = logging.getLogger(__name__)
HTTP_SESSION_KEY = "http_session"
REMINDERS_KEY = "reminders"
OUTBOX_KEY = "outbox"
PURGE_KEY = "state_purge"
PURGE_INTERVAL_SECONDS = 600.0
RETENTION_KEY = "retention"
JOURNAL_KEY = "journal"
HANDOFF_KEY = "handoff"
SURVEYS_KEY = "surveys"
STOPPING_KEY = "stopping"
# How long a stop waits for the outbox, reminders, hand-offs and surveys to finish the
# message they are sending (Telegram's answer, then the note that it was sent); then they
# are cancelled.
STOP_GRACE_SECONDS = 5.0
PROBES_KEY = "probes_server"
# The background jobs: a stopped one fails the liveness probe (bot/probes.py).
JOB_KEYS = (REMINDERS_KEY, OUTBOX_KEY, PURGE_KEY, RETENTION_KEY, HANDOFF_KEY, SURVEYS_KEY)
# The command menu, each described in the three languages (texts/commands.yml).
MENU_COMMANDS = (
    "start",
    "help",
    "language",
    "cancel",
    "status",
    "tips",
    "end",
    "exit",
    "console",
)


def menu_commands(texts: Catalogue) -> list[BotCommand]:
    """The command menu: one description for every reader, "English / Arabic / Sorani"."""
    return [
        BotCommand(c, " / ".join(texts.choice("command", c, lang) for lang in ("en", "ar", "ckb")))
        for c in MENU_COMMANDS
    ]


async def state_purge_loop(chats: ChatState, interval: float) -> None:
    """Drop expired trail entries, exits and update ids every `interval` seconds."""
    while True:
        try:
            await chats.purge()
        except Exception as error:
            logger.warning("state purge failed: %s", type(error).__name__)
        await asyncio.sleep(interval)


def _post_init_for(
    settings: Settings, chats: ChatState, database: Database
) -> Callable[[Application[Any, Any, Any, Any, Any, Any]], Coroutine[Any, Any, None]]:
    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Open the HTTP session to Rasa and build the shared services."""
        session = aiohttp.ClientSession()
        application.bot_data[HTTP_SESSION_KEY] = session
        emergency = load_emergency(settings.data_dir / "emergency.yml")
        texts = Catalogue.load_dir()
        secret = settings.pseudonym_secret.get_secret_value().encode()
        shared = open_shared_state(settings.redis_url, secret)
        journal = application.bot_data.get(JOURNAL_KEY)
        application.bot_data[SERVICES_KEY] = Services(
            rasa=RasaClient(
                session,
                settings.rasa_url,
                settings.rasa_timeout,
                settings.rasa_token.get_secret_value() if settings.rasa_token else None,
            ),
            buttons=shared.buttons,
            users=shared.users,
            catalogue=texts,
            emergency=emergency,
            keywords=KeywordNet.from_data(emergency),
            pseudonym_secret=secret,
            database=database,
            chats=chats,
            clock=settings.clock,
            staff_language=settings.staff_language,
            console_url=settings.console_url,
            limiter=bot_limiter(
                settings.rate_messages_per_minute, settings.rate_joins_per_hour, shared.counters
            ),
            callbacks=open_callback_watch(shared.redis, secret),
            redis=shared.redis,
            replays=journal.replaying if journal is not None else frozenset(),
        )
        application.bot_data[PURGE_KEY] = asyncio.create_task(
            state_purge_loop(chats, PURGE_INTERVAL_SECONDS)
        )
        stopping = application.bot_data[STOPPING_KEY] = asyncio.Event()
        application.bot_data[REMINDERS_KEY] = asyncio.create_task(
            reminder_loop(application, settings.reminder_interval_seconds, stopping)
        )
        application.bot_data[OUTBOX_KEY] = asyncio.create_task(
            outbox_loop(
                application.bot,
                application.bot_data[SERVICES_KEY],
                settings.outbox_interval_seconds,
                stopping,
            )
        )
        application.bot_data[HANDOFF_KEY] = asyncio.create_task(
            handoff_loop(
                application.bot,
                application.bot_data[SERVICES_KEY],
                settings.outbox_interval_seconds,
                stopping,
            )
        )
        application.bot_data[SURVEYS_KEY] = asyncio.create_task(
            survey_loop(
                application.bot,
                application.bot_data[SERVICES_KEY],
                settings.reminder_interval_seconds,
                stopping,
            )
        )
        application.bot_data[RETENTION_KEY] = asyncio.create_task(
            purge_loop(database, settings.clock, settings.retention())
        )
        await application.bot.set_my_commands(menu_commands(texts))
        me = await application.bot.get_me()
        application.bot_data[PROBES_KEY] = await serve_probes(
            application, JOB_KEYS, settings.metrics_listen, settings.metrics_port
        )
        mode = "webhook" if settings.webhook_url else "long polling"
        logger.info("bot ready: @%s, %s, Rasa at %s", me.username, mode, settings.rasa_url)

    return post_init


async def post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Let the outbox, reminders, hand-offs and surveys finish the message they are
    sending (for up to STOP_GRACE_SECONDS): cancelled between Telegram's OK and the note
    that it was sent, a card, reminder or relayed message would go out again after the
    restart (and a survey marked asked would be lost)."""
    stopping = application.bot_data.get(STOPPING_KEY)
    if stopping is not None:
        stopping.set()
    jobs = [
        application.bot_data[k]
        for k in (OUTBOX_KEY, REMINDERS_KEY, HANDOFF_KEY, SURVEYS_KEY)
        if k in application.bot_data
    ]
    if jobs:
        await asyncio.wait(jobs, timeout=STOP_GRACE_SECONDS)


async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop the probes and the jobs; close the HTTP session, the journal and the database."""
    probes = application.bot_data.pop(PROBES_KEY, None)
    if probes is not None:
        await probes.cleanup()
    for key in JOB_KEYS:
        task = application.bot_data.pop(key, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    session = application.bot_data.pop(HTTP_SESSION_KEY, None)
    if session is not None:
        await session.close()
    journal = application.bot_data.pop(JOURNAL_KEY, None)
    if isinstance(journal, Journal):
        await journal.aclose()
    svc = application.bot_data.get(SERVICES_KEY)
    if isinstance(svc, Services):
        await svc.chats.aclose()
        if svc.redis is not None:
            await svc.redis.aclose()
        await svc.database.close()


def build_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot application, with every handler wired."""
    assert settings.telegram_bot_token is not None
    database = open_database(settings.database_url)
    secret = settings.pseudonym_secret.get_secret_value().encode()
    chats = open_chat_state(settings.redis_url, database, secret)
    # Webhook mode journals every update it accepts (bot/journal.py); it needs Redis.
    journal = (
        open_journal(settings.redis_url, settings.journal_lease_seconds)
        if settings.webhook_url
        else None
    )
    bot = TrackingBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        request=HTTPXRequest(connection_pool_size=128, pool_timeout=10),
        get_updates_request=HTTPXRequest(),
        chats=chats,
        # Keeps to Telegram's limits (30 a second overall, 20 a minute per group, about
        # 1 a second per private chat), with every replica when REDIS_URL is set, and
        # waits out its 429s.
        rate_limiter=send_limiter(
            settings.redis_url,
            secret,
            settings.telegram_max_rate,
            settings.telegram_group_max_rate,
            settings.telegram_chat_max_rate,
        ),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(FinishingProcessor(64, journal))
        .post_init(_post_init_for(settings, chats, database))
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[JOURNAL_KEY] = journal
    # First: drop kinds of update the bot does not handle (edited messages) and
    # updates Telegram sent twice; then note every private message id (for /exit);
    # then the per-user limits.
    application.add_handler(TypeHandler(Update, only_allowed), group=-4)
    replays = journal.replaying if journal is not None else frozenset[int]()
    application.add_handler(TypeHandler(Update, UpdateGate(chats, replays)), group=-3)
    application.add_handler(TypeHandler(Update, quick_exit.note_incoming), group=-2)
    application.add_handler(TypeHandler(Update, rate_guard), group=-1)
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", conversation.on_start, filters=private))
    application.add_handler(CommandHandler("help", conversation.on_help, filters=private))
    application.add_handler(CommandHandler("language", conversation.on_language, filters=private))
    application.add_handler(CommandHandler("cancel", conversation.on_cancel, filters=private))
    application.add_handler(CommandHandler("tips", conversation.on_tips, filters=private))
    application.add_handler(CommandHandler("status", citizen_reports.on_status, filters=private))
    application.add_handler(CommandHandler("exit", quick_exit.on_exit, filters=private))
    application.add_handler(CommandHandler("end", handoff.on_end, filters=private))
    # Staff commands work in any chat (a station's group, or a private chat).
    application.add_handler(CommandHandler("join", staff.on_join))
    application.add_handler(CommandHandler("attendees", staff.on_attendees))
    application.add_handler(CommandHandler("checkin", staff.on_checkin))
    application.add_handler(CommandHandler("events", staff.on_events))
    application.add_handler(CommandHandler("queue", staff_queue.on_queue))
    application.add_handler(CommandHandler("report", staff_queue.on_report))
    application.add_handler(CommandHandler("console", console_link.on_console))
    application.add_handler(
        CallbackQueryHandler(report_staff.on_report_button, pattern=report_staff.PATTERN)
    )
    application.add_handler(
        CallbackQueryHandler(quick_exit.on_exit_button, pattern=f"^{EXIT_CALLBACK}$")
    )
    application.add_handler(
        CallbackQueryHandler(handoff_staff.on_handoff_button, pattern=handoff_staff.PATTERN)
    )
    application.add_handler(
        CallbackQueryHandler(handoff.on_end_button, pattern=f"^{END_CALLBACK}$")
    )
    application.add_handler(
        CallbackQueryHandler(survey_answers.on_survey_button, pattern=survey_answers.PATTERN)
    )
    # Staff chats: strangers added, a group upgraded, the bot removed or added back.
    application.add_handler(
        ChatMemberHandler(staff_watch.on_chat_member, ChatMemberHandler.CHAT_MEMBER)
    )
    application.add_handler(
        ChatMemberHandler(staff_watch.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, staff_watch.on_new_members)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, staff_watch.on_migrate))
    application.add_handler(CallbackQueryHandler(conversation.on_callback))
    application.add_handler(MessageHandler(private & filters.LOCATION, conversation.on_location))
    application.add_handler(MessageHandler(private & filters.PHOTO, citizen_reports.on_photo))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, conversation.on_text)
    )
    application.add_handler(
        MessageHandler(private & filters.COMMAND, conversation.on_unknown_command)
    )
    application.add_handler(
        MessageHandler(
            private & ~filters.TEXT & ~filters.StatusUpdate.ALL, conversation.on_other_media
        )
    )
    application.add_handler(MessageHandler(~private & filters.TEXT, conversation.on_group_message))
    # A staff photo in reply to a hand-off's thread, in a group.
    application.add_handler(
        MessageHandler(~private & filters.PHOTO & filters.REPLY, handoff.on_staff_media)
    )
    application.add_error_handler(on_error)
    return application
