"""Sends a booking's ticket: the .ics calendar file and the QR code of its code."""

from __future__ import annotations

from telegram import Chat, InputFile

from bot.services import Services
from mps.bookings import find_booking
from mps.formatting import digits
from mps.reminders import set_chat
from mps.tickets import ics_bytes, qr_png


async def send_ticket(chat: Chat, svc: Services, code: str, owner: str, language: str) -> bool:
    """Send the .ics and the QR for the owner's booking, and remember the chat for reminders.

    Returns False (and sends nothing) if the code is not the owner's.
    """
    async with svc.database.sessions.begin() as session:
        booking = await find_booking(session, code)
        if booking is None or booking.owner != owner:
            return False
        await set_chat(session, booking.code, owner, chat.id)
    station = booking.event.station
    name = station.display_name(language)
    get = svc.catalogue.get
    party = digits(str(booking.party_size), language)
    calendar = ics_bytes(
        booking,
        svc.clock().zone,
        get("ics_summary", language, station=name),
        get("ics_description", language, code=booking.code, party=party),
    )
    await chat.send_document(
        InputFile(calendar, filename=f"open-house-{booking.code}.ics"),
        caption=get("ics_caption", language),
    )
    await chat.send_photo(
        InputFile(qr_png(booking.code), filename=f"{booking.code}.png"),
        caption=get("qr_caption", language, code=booking.code),
    )
    return True
