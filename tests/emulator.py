"""A local Telegram Bot API emulator for end-to-end tests and benchmarks.

It answers the Bot API methods python-telegram-bot calls (getMe, getUpdates
with offsets and long polling, sendMessage with keyboards, editMessageText,
answerCallbackQuery, deleteMessage, sendDocument, sendPhoto, sendChatAction,
setMyCommands, deleteWebhook, …) under /bot<token>/<method>, and offers a
control API under /_emu/ with which a test acts as users and reads the chat
transcripts. Faults (HTTP errors, 429 with retry_after) can be injected.

Run: python -m tests.emulator --port 8081 [--token TOKEN]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import BodyPartReader, web

# A bot command: a slash, then letters, digits or _, maybe @botname.
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]+)?")
BOT_USER = {
    "id": 990001,
    "is_bot": True,
    "first_name": "MPS Assistant",
    "username": "mps_test_bot",
}
# A photo users send when a test gives no bytes: a 16×16 JPEG (CPython's test image).
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsO"
    "CwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAA"
    "BwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/E"
    "ACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPk"
    "JWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kq"
    "cWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9"
    "XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KO"
    "p1KM6iCNvngZHwetf//Z"
)
_JSON_FIELDS = {
    "chat_id",
    "message_id",
    "message_ids",
    "offset",
    "limit",
    "timeout",
    "allowed_updates",
    "reply_markup",
    "show_alert",
    "commands",
    "entities",
    "disable_notification",
    "link_preview_options",
    "cache_time",
    "reply_parameters",
    "protect_content",
    "drop_pending_updates",
    "max_connections",
    "latitude",
    "longitude",
}


@dataclass
class ChatMessage:
    """One message in a chat, from a user or from the bot."""

    message_id: int
    chat_id: int
    sender: str  # "user" or "bot"
    kind: str  # text, photo, document, sticker, voice, …
    text: str = ""
    reply_markup: dict[str, Any] | None = None
    media: str = ""
    filename: str | None = None
    deleted: bool = False
    edited: int = 0
    reply_to: int | None = None
    created: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        """The control API's view of the message."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "sender": self.sender,
            "kind": self.kind,
            "text": self.text,
            "reply_markup": self.reply_markup,
            "media": self.media,
            "filename": self.filename,
            "deleted": self.deleted,
            "edited": self.edited,
            "created": self.created,
            "reply_to": self.reply_to,
        }


@dataclass
class Fault:
    """An injected failure for the next `count` calls of `method`."""

    method: str
    status: int
    count: int
    retry_after: int | None = None
    chat_id: int | None = None  # only calls for this chat
    migrate_to_chat_id: int | None = None  # "the group is now a supergroup"
    until: float | None = None  # with `seconds`: every call fails until then (monotonic)


class Emulator:
    """State of the emulated Telegram server."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0
        # Telegram starts each bot's update ids at an arbitrary number; so does the
        # emulator, so stacks that share a Redis or a database never see the same ids.
        self.update_ids = itertools.count(random.randrange(1, 2**31 - 10**7))
        self.message_ids = itertools.count(1)
        self.callback_ids = itertools.count(1)
        self.messages: dict[int, list[ChatMessage]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.calls: list[tuple[str, float]] = []
        self.faults: list[Fault] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        # Files users sent (photos, documents), by file_id: getFile, then /file/bot…
        self.user_files: dict[str, bytes] = {}
        self.changed = asyncio.Condition()
        # Counts every change (a message, an edit, an update, a callback answer): a
        # test waits for the next one instead of sleeping.
        self.version = 0
        self.history: dict[int, dict[str, Any]] = {}
        self.replays: list[dict[str, Any]] = []
        # Extra fields of a chat (a public group's username, a linked channel).
        self.chat_info: dict[int, dict[str, Any]] = {}
        # What the bot asked for: update kinds (getUpdates/setWebhook) and its webhook.
        self.allowed_updates: list[str] | None = None
        self.webhook: dict[str, Any] = {}
        # For the load test: each user message's first bot message in its chat, as
        # (chat_id, message_id, user message's time, reply's time), in reply order.
        self.first_replies: list[tuple[int, int, float, float]] = []
        self._unanswered: dict[int, ChatMessage] = {}

    # -- helpers -----------------------------------------------------------
    def _user(self, user_id: int, language_code: str | None = None) -> dict[str, Any]:
        user = self.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
            extra = self.chat_info.get(chat_id, {})
            if "username" in extra:
                chat["username"] = extra["username"]
            if "type" in extra:
                chat["type"] = extra["type"]
            return chat
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}

    def _message_json(self, message: ChatMessage) -> dict[str, Any]:
        sender = BOT_USER if message.sender == "bot" else self._user(message.chat_id)
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat(message.chat_id),
            "from": sender,
        }
        if message.kind == "text":
            body["text"] = message.text
        elif message.kind == "photo":
            body["photo"] = [
                {
                    "file_id": message.media[:60] or "p",
                    "file_unique_id": "p",
                    "width": 10,
                    "height": 10,
                }
            ]
        elif message.kind == "location":
            latitude, longitude = message.media.split(",")
            body["location"] = {"latitude": float(latitude), "longitude": float(longitude)}
        elif message.kind == "document":
            body["document"] = {
                "file_id": "d",
                "file_unique_id": "d",
                "file_name": message.filename or "file",
            }
        # Telegram returns only inline keyboards with a message (not ForceReply).
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            body["reply_markup"] = message.reply_markup
        return body

    async def _store(self, message: ChatMessage) -> None:
        self.messages.setdefault(message.chat_id, []).append(message)
        if message.sender == "user":
            self._unanswered[message.chat_id] = message
        elif (asked := self._unanswered.pop(message.chat_id, None)) is not None:
            self.first_replies.append(
                (message.chat_id, asked.message_id, asked.created, message.created)
            )
        await self._store_touch()

    async def _push_update(self, update: dict[str, Any]) -> int:
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        self.updates.append(update)
        self.history[update_id] = update
        await self._store_touch()
        return update_id

    def find(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """A message of a chat by id."""
        return next(
            (m for m in self.messages.get(chat_id, []) if m.message_id == message_id), None
        )

    # -- Bot API -----------------------------------------------------------
    async def bot_api(self, request: web.Request) -> web.Response:
        """Dispatch one Bot API call."""
        if self.token is not None and request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        self.calls.append((method, time.monotonic()))
        params = await _params(request)
        for fault in self.faults:
            chat = params.get("chat_id")
            if fault.chat_id is not None and str(chat) != str(fault.chat_id):
                continue
            if fault.until is not None and time.monotonic() > fault.until:
                continue
            if fault.method.lower() == method.lower() and fault.count > 0:
                fault.count -= 1
                extra = (
                    {"parameters": {"retry_after": fault.retry_after}} if fault.retry_after else {}
                )
                if fault.migrate_to_chat_id:
                    extra = {"parameters": {"migrate_to_chat_id": fault.migrate_to_chat_id}}
                return _error(fault.status, "Injected fault", **extra)
        handler = getattr(self, "m_" + method.lower(), None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except KeyError as missing:
            return _error(400, f"Bad Request: parameter {missing} is required")
        except LookupError as error:
            return _error(400, f"Bad Request: {error}")
        return web.json_response({"ok": True, "result": result})

    async def m_getme(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def m_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        data = self.user_files.get(file_id)
        if data is None:
            raise LookupError("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": f"photos/{file_id}.jpg",
        }

    async def file_download(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>: the bytes of a file users sent."""
        if self.token is not None and request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        name = request.match_info["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        data = self.user_files.get(name)
        if data is None:
            return _error(404, "Not Found")
        return web.Response(body=data, content_type="image/jpeg")

    async def m_deletewebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def m_setwebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {
            "url": str(params["url"]),
            "has_secret": bool(params.get("secret_token")),
            "allowed_updates": params.get("allowed_updates"),
        }
        self.allowed_updates = params.get("allowed_updates") or None
        return True

    async def m_setmycommands(self, params: dict[str, Any]) -> Any:
        return True

    async def m_getchat(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        extra = self.chat_info.get(chat_id, {})
        gifts = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
            **({"linked_chat_id": extra["linked_chat_id"]} if "linked_chat_id" in extra else {}),
        }

    async def m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if params.get("allowed_updates"):
            self.allowed_updates = list(params["allowed_updates"])
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.confirmed = max(self.confirmed, offset - 1)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            if self.replays:  # a copy of an update sent before, as Telegram sometimes does
                replayed, self.replays = self.replays, []
                return replayed
            if self.allowed_updates:  # like Telegram: other kinds are never delivered
                self.updates = [u for u in self.updates if _kind(u) in self.allowed_updates]
            pending = [u for u in self.updates if u["update_id"] >= offset]
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return pending[: int(params.get("limit") or 100)]
            async with self.changed:
                try:
                    await asyncio.wait_for(self.changed.wait(), timeout=remaining)
                except TimeoutError:
                    pass

    async def _bot_message(self, params: dict[str, Any], kind: str, **extra: Any) -> Any:
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        reply_to = reply_to or params.get("reply_to_message_id")
        message = ChatMessage(
            next(self.message_ids),
            int(params["chat_id"]),
            "bot",
            kind,
            reply_markup=params.get("reply_markup"),
            reply_to=int(reply_to) if reply_to else None,
            **extra,
        )
        if kind == "text" and not 1 <= len(message.text) <= 4096:
            raise LookupError("message text is empty or too long")
        await self._store(message)
        return self._message_json(message)

    async def m_sendmessage(self, params: dict[str, Any]) -> Any:
        return await self._bot_message(params, "text", text=str(params["text"]))

    async def m_sendphoto(self, params: dict[str, Any]) -> Any:
        params["photo"] = _attached(params, params["photo"])
        sent = await self._bot_message(
            params, "photo", text=str(params.get("caption") or ""), media=_media(params["photo"])
        )
        _keep_upload(self.files, sent["message_id"], params["photo"])
        return sent

    async def m_senddocument(self, params: dict[str, Any]) -> Any:
        document = _attached(params, params["document"])
        filename = document.get("filename") if isinstance(document, dict) else None
        sent = await self._bot_message(
            params,
            "document",
            text=str(params.get("caption") or ""),
            media=_media(document),
            filename=filename,
        )
        _keep_upload(self.files, sent["message_id"], document)
        return sent

    async def m_sendlocation(self, params: dict[str, Any]) -> Any:
        position = f"{float(params['latitude'])},{float(params['longitude'])}"
        return await self._bot_message(params, "location", media=position)

    async def m_sendchataction(self, params: dict[str, Any]) -> Any:
        self.chat_actions.append((int(params["chat_id"]), str(params["action"])))
        return True

    async def m_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self.find(int(params["chat_id"]), int(params["message_id"]))
        if message is None or message.deleted:
            raise LookupError("message to edit not found")
        message.text = str(params["text"])
        message.reply_markup = params.get("reply_markup")
        message.edited += 1
        await self._store_touch()
        return self._message_json(message)

    async def m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self.find(int(params["chat_id"]), int(params["message_id"]))
        if message is None or message.deleted:
            raise LookupError("message to edit not found")
        message.reply_markup = params.get("reply_markup")
        message.edited += 1
        await self._store_touch()
        return self._message_json(message)

    async def m_deletemessage(self, params: dict[str, Any]) -> Any:
        message = self.find(int(params["chat_id"]), int(params["message_id"]))
        if message is None or message.deleted:
            raise LookupError("message to delete not found")
        message.deleted = True
        await self._store_touch()
        return True

    async def m_deletemessages(self, params: dict[str, Any]) -> Any:
        for message_id in params["message_ids"]:
            message = self.find(int(params["chat_id"]), int(message_id))
            if message is not None:
                message.deleted = True
        await self._store_touch()
        return True

    async def m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        self.callback_answers[str(params["callback_query_id"])] = {
            "text": params.get("text"),
            "show_alert": bool(params.get("show_alert")),
        }
        await self._store_touch()
        return True

    async def _store_touch(self) -> None:
        self.version += 1
        async with self.changed:
            self.changed.notify_all()

    async def _until(self, done: Callable[[], bool], timeout: float) -> None:
        """Wait until `done()` holds after a change, or `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            async with self.changed:
                try:
                    await asyncio.wait_for(
                        self.changed.wait(), timeout=max(0.0, deadline - time.monotonic())
                    )
                except TimeoutError:
                    pass

    # -- control API -------------------------------------------------------
    async def c_text(self, request: web.Request) -> web.Response:
        """A user sends a text message (chat id = user id, or body chat_id)."""
        user_id = int(request.match_info["user_id"])
        body = await request.json()
        chat_id = int(body.get("chat_id", user_id))
        reply_to = body.get("reply_to")
        message = ChatMessage(
            next(self.message_ids), chat_id, "user", "text", text=body["text"], reply_to=reply_to
        )
        await self._store(message)
        payload = self._message_json(message)
        payload["from"] = self._user(user_id, body.get("language_code"))
        if body.get("sender_chat") is not None:  # an anonymous admin, or "send as channel"
            payload["sender_chat"] = self._chat(int(body["sender_chat"]))
            if int(body["sender_chat"]) < -1000000000000:
                payload["sender_chat"]["type"] = "channel"
        if reply_to is not None:
            original = self.find(chat_id, int(reply_to))
            if original is None:
                return _error(404, "no such message to reply to")
            payload["reply_to_message"] = self._message_json(original)
        command = COMMAND.match(body["text"])  # as Telegram: "/ x" is no command
        if command:
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        update_id = await self._push_update({"message": payload})
        return web.json_response({"message_id": message.message_id, "update_id": update_id})

    async def c_edit(self, request: web.Request) -> web.Response:
        """A user edits the text of one of their messages (an `edited_message` update)."""
        user_id = int(request.match_info["user_id"])
        body = await request.json()
        chat_id = int(body.get("chat_id", user_id))
        message = self.find(chat_id, int(body["message_id"]))
        if message is None or message.sender != "user":
            return _error(404, "no such message of the user")
        message.text = str(body["text"])
        message.edited += 1
        payload = self._message_json(message)
        payload["from"] = self._user(user_id)
        payload["edit_date"] = int(time.time())
        if message.text.startswith("/"):
            command = message.text.split()[0]
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        update_id = await self._push_update({"edited_message": payload})
        return web.json_response({"message_id": message.message_id, "update_id": update_id})

    async def c_update(self, request: web.Request) -> web.Response:
        """An update as Telegram would deliver it (to post to a webhook by hand)."""
        update = self.history.get(int(request.match_info["update_id"]))
        return web.json_response(update) if update is not None else _error(404, "no such update")

    async def c_webhook(self, request: web.Request) -> web.Response:
        """The webhook the bot set, and the update kinds it asked for."""
        return web.json_response({**self.webhook, "allowed_updates": self.allowed_updates})

    async def c_media(self, request: web.Request) -> web.Response:
        """A user sends a sticker, voice note, photo or document (in `chat_id`, else the
        private chat; with a `caption`; as a reply to `reply_to`)."""
        user_id = int(request.match_info["user_id"])
        body = await request.json()
        kind = body["kind"]
        chat_id = int(body.get("chat_id", user_id))
        reply_to = body.get("reply_to")
        position = f"{body.get('latitude', 33.3)},{body.get('longitude', 44.4)}"
        message = ChatMessage(
            next(self.message_ids),
            chat_id,
            "user",
            kind,
            text=str(body.get("caption") or ""),
            media=position if kind == "location" else "",
            reply_to=reply_to,
        )
        await self._store(message)
        payload = self._message_json(message)
        payload["from"] = self._user(user_id)
        if body.get("caption"):
            payload["caption"] = str(body["caption"])
        if reply_to is not None:
            original = self.find(chat_id, int(reply_to))
            if original is None:
                return _error(404, "no such message to reply to")
            payload["reply_to_message"] = self._message_json(original)
        file_id = str(body.get("file_id") or f"{kind}1")
        file = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if kind in ("photo", "document"):  # what getFile and /file/bot… then serve
            data = body.get("data_base64")
            self.user_files[file_id] = base64.b64decode(data) if data else TINY_JPEG
        media: dict[str, dict[str, Any]] = {
            "sticker": {
                "sticker": {
                    **file,
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "voice": {"voice": {**file, "duration": 3}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "document": {"document": {**file, "file_name": "file.pdf"}},
            "location": {
                "location": {
                    "latitude": float(body.get("latitude", 33.3)),
                    "longitude": float(body.get("longitude", 44.4)),
                }
            },
        }
        payload.update(media[kind])
        update_id = await self._push_update({"message": payload})
        return web.json_response({"message_id": message.message_id, "update_id": update_id})

    async def c_press(self, request: web.Request) -> web.Response:
        """A user presses an inline button (any callback data may be forged)."""
        user_id = int(request.match_info["user_id"])
        body = await request.json()
        chat_id = int(body.get("chat_id", user_id))
        message = self.find(chat_id, int(body["message_id"]))
        if message is None:
            return _error(404, "no such message")
        query_id = str(next(self.callback_ids))
        update_id = await self._push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id),
                    "chat_instance": str(chat_id),
                    "data": body["data"],
                    "message": self._message_json(message),
                }
            }
        )
        return web.json_response({"callback_query_id": query_id, "update_id": update_id})

    async def c_member(self, request: web.Request) -> web.Response:
        """`by` adds user `user_id` to group `chat_id`: a `chat_member` update and the
        "X added Y" service message, as Telegram sends both (the first to admin bots)."""
        user_id = int(request.match_info["user_id"])
        body = await request.json()
        chat_id, by = int(body["chat_id"]), int(body.get("by", user_id))
        new = self._user(user_id)
        change = {
            "chat": self._chat(chat_id),
            "from": self._user(by),
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": new},
            "new_chat_member": {"status": "member", "user": new},
        }
        await self._push_update({"chat_member": change})
        message = ChatMessage(next(self.message_ids), chat_id, "user", "service")
        await self._store(message)
        payload = self._message_json(message)
        payload["from"] = self._user(by)
        payload["new_chat_members"] = [new]
        update_id = await self._push_update({"message": payload})
        return web.json_response({"update_id": update_id})

    async def c_chat_info(self, request: web.Request) -> web.Response:
        """Set extra fields of a chat (username: public; linked_chat_id; type)."""
        self.chat_info[int(request.match_info["chat_id"])] = await request.json()
        return web.json_response({"ok": True})

    async def c_messages(self, request: web.Request) -> web.Response:
        """The transcript of a chat, optionally after a message id."""
        chat_id = int(request.match_info["chat_id"])
        after = int(request.query.get("after", 0))
        return web.json_response(
            [m.as_dict() for m in self.messages.get(chat_id, []) if m.message_id > after]
        )

    async def c_wait(self, request: web.Request) -> web.Response:
        """Wait until `count` bot messages after `after` exist in a chat; with `quiet`,
        then until the bot has sent nothing more there for `quiet` seconds (the rest
        of a turn: the bot gives no sign that a turn is over)."""
        chat_id = int(request.match_info["chat_id"])
        after = int(request.query.get("after", 0))
        count = int(request.query.get("count", 1))
        quiet = float(request.query.get("quiet", 0))
        deadline = time.monotonic() + float(request.query.get("timeout", 30))

        def found() -> list[ChatMessage]:
            return [
                m
                for m in self.messages.get(chat_id, [])
                if m.sender == "bot" and m.message_id > after
            ]

        await self._until(lambda: len(found()) >= count, deadline - time.monotonic())
        seen = -1
        while quiet and seen < len(found()) and len(found()) >= count:
            seen = len(found())
            await self._until(partial(lambda n: len(found()) > n, seen), quiet)
        return web.json_response([m.as_dict() for m in found()])

    async def c_changes(self, request: web.Request) -> web.Response:
        """Wait until anything changes after version `since` (or `timeout`); the version."""
        since = int(request.query.get("since", 0))
        await self._until(lambda: self.version > since, float(request.query.get("timeout", 30)))
        return web.json_response({"version": self.version})

    async def c_callback_answer(self, request: web.Request) -> web.Response:
        """How the bot answered a callback query (404 until it has)."""
        answer = self.callback_answers.get(request.match_info["query_id"])
        return web.json_response(answer) if answer is not None else _error(404, "no answer yet")

    async def c_fault(self, request: web.Request) -> web.Response:
        """Make the next `count` calls of a method fail (with `seconds`: every call
        for that long)."""
        body = await request.json()
        seconds = body.get("seconds")
        self.faults.append(
            Fault(
                body["method"],
                int(body["status"]),
                2**62 if seconds else int(body.get("count", 1)),
                body.get("retry_after"),
                body.get("chat_id"),
                body.get("migrate_to_chat_id"),
                time.monotonic() + float(seconds) if seconds else None,
            )
        )
        return web.json_response({"ok": True})

    async def c_repeat(self, request: web.Request) -> web.Response:
        """Deliver an update once more, with its old update_id."""
        update = self.history.get(int(request.match_info["update_id"]))
        if update is None:
            return _error(404, "no such update")
        self.replays.append(update)
        await self._store_touch()
        return web.json_response({"ok": True})

    async def c_first_replies(self, request: web.Request) -> web.Response:
        """First replies from index `since` on: [chat_id, message_id, sent, replied]."""
        since = int(request.query.get("since", 0))
        return web.json_response(
            {"next": len(self.first_replies), "replies": self.first_replies[since:]}
        )

    async def c_file(self, request: web.Request) -> web.Response:
        """The bytes of a file the bot uploaded with message `message_id`."""
        data = self.files.get(request.match_info["message_id"])
        if data is None:
            return _error(404, "no such file")
        return web.Response(body=data, content_type="application/octet-stream")

    async def c_stats(self, request: web.Request) -> web.Response:
        """Counts of calls by method, pending updates and the chat actions sent."""
        counts: dict[str, int] = {}
        for method, _ in self.calls:
            counts[method] = counts.get(method, 0) + 1
        return web.json_response(
            {
                "calls": counts,
                "pending_updates": len(self.updates),
                "now": time.monotonic(),
                "chat_actions": self.chat_actions[-100:],
            }
        )


def _kind(update: dict[str, Any]) -> str:
    """The kind of an update: message, edited_message, callback_query, …"""
    return next(key for key in update if key != "update_id")


def _media(value: Any) -> str:
    if isinstance(value, dict):
        return f"upload:{value.get('filename')}:{value.get('size')}"
    return str(value)


def _attached(params: dict[str, Any], value: Any) -> Any:
    """An `attach://name` reference resolved to the uploaded part `name`."""
    if isinstance(value, str) and value.startswith("attach://"):
        return params.get(value.removeprefix("attach://"), value)
    return value


def _keep_upload(files: dict[str, bytes], message_id: int, value: Any) -> None:
    """Keep an uploaded file's bytes, readable at /_emu/files/{message_id}."""
    if isinstance(value, dict) and isinstance(value.get("data"), bytes | bytearray):
        files[str(message_id)] = bytes(value["data"])


def _error(status: int, description: str, **extra: Any) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description, **extra}, status=status
    )


async def _params(request: web.Request) -> dict[str, Any]:
    """Bot API parameters from a query string, JSON, form or multipart body."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename:
                data = await part.read()
                params[part.name] = {"filename": part.filename, "size": len(data), "data": data}
            else:
                params[part.name] = await part.text()
    elif request.can_read_body:
        params.update(await request.post())
    for key, value in list(params.items()):
        if key in _JSON_FIELDS and isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params


EMULATOR = web.AppKey("emulator", Emulator)


def create_app(token: str | None = None) -> web.Application:
    """The emulator as an aiohttp application."""
    emulator = Emulator(token)
    app = web.Application(client_max_size=50 * 1024 * 1024)
    app[EMULATOR] = emulator
    app.router.add_route("*", "/bot{token}/{method}", emulator.bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", emulator.file_download)
    app.router.add_post("/_emu/users/{user_id}/text", emulator.c_text)
    app.router.add_post("/_emu/users/{user_id}/media", emulator.c_media)
    app.router.add_post("/_emu/users/{user_id}/edit", emulator.c_edit)
    app.router.add_get("/_emu/updates/{update_id}", emulator.c_update)
    app.router.add_get("/_emu/webhook", emulator.c_webhook)
    app.router.add_post("/_emu/users/{user_id}/press", emulator.c_press)
    app.router.add_get("/_emu/chats/{chat_id}/messages", emulator.c_messages)
    app.router.add_get("/_emu/chats/{chat_id}/wait", emulator.c_wait)
    app.router.add_get("/_emu/changes", emulator.c_changes)
    app.router.add_get("/_emu/callbacks/{query_id}", emulator.c_callback_answer)
    app.router.add_post("/_emu/faults", emulator.c_fault)
    app.router.add_post("/_emu/users/{user_id}/added", emulator.c_member)
    app.router.add_post("/_emu/chats/{chat_id}/info", emulator.c_chat_info)
    app.router.add_get("/_emu/stats", emulator.c_stats)
    app.router.add_post("/_emu/updates/{update_id}/repeat", emulator.c_repeat)
    app.router.add_get("/_emu/files/{message_id}", emulator.c_file)
    app.router.add_get("/_emu/first_replies", emulator.c_first_replies)
    return app


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token")
    args = parser.parse_args()
    web.run_app(
        create_app(args.token), host=args.host, port=args.port, print=None, access_log=None
    )


if __name__ == "__main__":
    main()
