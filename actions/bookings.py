"""Booking, listing, cancelling and moving Open House visits."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_form import FORM_SLOTS
from actions.forms import StopFormAction, forget
from actions.store import get_store
from actions.texts import booking_values, event_button, event_values, label, language_of, say
from actions.tracker import entity_values, free_text
from mps.bookings import (
    BookingError,
    book_in_transaction,
    bookings_of,
    cancel,
    find_booking,
    move,
    upcoming_events,
)
from mps.codes import find_code
from mps.contract import Ticket, intent_payload
from mps.models import Booking

RESET = forget(FORM_SLOTS)


class ActionBookVisit(Action):
    """Books the confirmed visit and hands over the code, the .ics and the QR code."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_book_visit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Book, or say why not."""
        language = language_of(tracker)
        if tracker.get_slot("booking_confirmed") is not True:
            say(dispatcher, "booking_abandoned", language)
            return RESET
        store = await get_store()
        try:
            booking = await book_in_transaction(
                store.database.sessions,
                int(tracker.get_slot("event_id")),
                tracker.sender_id,
                int(tracker.get_slot("party_size")),
                language,
                store.clock(),
            )
        except BookingError as error:
            if error.reason == "already" and error.booking is not None:
                say(dispatcher, "booking_exists", language, code=error.booking.code)
                return RESET
            say(dispatcher, "seats_just_taken", language)
            return [
                SlotSet("event_id", None),
                SlotSet("booking_confirmed", None),
                FollowupAction("booking_form"),
            ]
        say(dispatcher, "booked", language, code=booking.code)
        dispatcher.utter_message(json_message=Ticket(booking.code).to_json())
        return RESET


class ActionStopBooking(StopFormAction):
    """Leaves the booking form without booking (another topic, an emergency, "no")."""

    slots = FORM_SLOTS

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_booking"


def booking_buttons(booking: Booking, language: str) -> list[dict[str, str]]:
    """Cancel and change-the-day buttons of one booking."""
    code = booking.code
    return [
        {
            "title": label("cancel_booking", language),
            "payload": intent_payload("confirm_cancel", booking_code=code),
        },
        {
            "title": label("move_booking", language),
            "payload": intent_payload("move_booking", booking_code=code),
        },
    ]


async def utter_bookings(
    dispatcher: CollectingDispatcher, tracker: Tracker, code: str | None = None
) -> None:
    """The user's upcoming bookings (or the one with `code`), each with its buttons."""
    language = language_of(tracker)
    store = await get_store()
    async with store.database.sessions() as session:
        bookings = await bookings_of(session, tracker.sender_id, store.clock())
    if code is not None:
        bookings = [b for b in bookings if b.code == code]
        if not bookings:
            say(dispatcher, "booking_not_found", language)
            return
    if not bookings:
        book = {"title": label("book_visit", language), "payload": "/book_visit"}
        say(dispatcher, "no_bookings", language, [book])
        return
    for booking in bookings:
        buttons = booking_buttons(booking, language)
        say(
            dispatcher,
            "booking_item",
            language,
            buttons,
            **booking_values(booking, language),
        )


class ActionMyBookings(Action):
    """Answers `my_bookings`."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_my_bookings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """List the user's bookings."""
        await utter_bookings(dispatcher, tracker)
        return []


class ActionManageBooking(Action):
    """Answers `cancel_booking`: shows the booking(s) with cancel and change buttons."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_manage_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The booking named by its code, or all of the user's bookings."""
        typed = entity_values(tracker).get("booking_code") or free_text(tracker)
        await utter_bookings(dispatcher, tracker, find_code(typed) if typed else None)
        return []


def _error_reply(
    dispatcher: CollectingDispatcher, error: BookingError, code: str, language: str
) -> None:
    keys = {
        "cancelled": "booking_already_cancelled",
        "past": "booking_over",
    }
    say(dispatcher, keys.get(error.reason, "booking_not_found"), language, code=code)


class ActionCancelBooking(Action):
    """Cancels a booking from its button; the seats are free again at once."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_cancel_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Cancel the user's booking named in the payload."""
        language = language_of(tracker)
        code = find_code(entity_values(tracker).get("booking_code", "")) or ""
        store = await get_store()
        try:
            async with store.database.sessions.begin() as session:
                await cancel(session, code, tracker.sender_id, store.clock())
        except BookingError as error:
            _error_reply(dispatcher, error, code, language)
            return []
        say(dispatcher, "booking_cancelled", language, code=code)
        return []


class ActionMoveBooking(Action):
    """Moves a booking to another open day of its station (same code)."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_move_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Without an event: offer the other days. With one: move."""
        language = language_of(tracker)
        entities = entity_values(tracker)
        code = find_code(entities.get("booking_code", "")) or ""
        store = await get_store()
        clock = store.clock()
        async with store.database.sessions() as session:
            booking = await find_booking(session, code)
            if booking is None or booking.owner != tracker.sender_id:
                say(dispatcher, "booking_not_found", language)
                return []
            options = [
                e
                for e in await upcoming_events(session, clock, booking.event.station_code)
                if e.id != booking.event_id and e.capacity - e.seats_taken >= booking.party_size
            ]
        target = entities.get("event_id")
        if target is None or not target.isdigit():
            values = booking_values(booking, language)
            if not options:
                say(dispatcher, "move_none", language, **values)
                return []
            buttons = []
            for event in options:
                button = event_button(event, language)
                button["payload"] = intent_payload(
                    "move_booking", booking_code=code, event_id=str(event.id)
                )
                buttons.append(button)
            say(dispatcher, "move_choose", language, buttons, code=code)
            return []
        try:
            async with store.database.sessions.begin() as session:
                moved = await move(session, code, tracker.sender_id, int(target), clock)
                values = event_values(moved.event, booking.event.station, language)
        except BookingError as error:
            if error.reason == "full":
                say(dispatcher, "seats_just_taken", language)
            else:
                _error_reply(dispatcher, error, code, language)
            return []
        say(dispatcher, "booking_moved", language, code=code, **values)
        dispatcher.utter_message(json_message=Ticket(code).to_json())
        return []
