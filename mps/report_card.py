"""A report's card as staff read it, in Telegram and in the staff console: the text of
the card and who made its last change, in the staff member's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from mps.catalogue import Catalogue
from mps.contract import staff_of
from mps.formatting import day_text, digits, time_text
from mps.models import Report, ReportEvent, Station
from mps.partners import from_partner
from mps.staff import numbers_of
from mps.stations import TRIAGE


def card_text(
    report: Report,
    station: Station | None,
    texts: Catalogue,
    language: str,
    zone: ZoneInfo,
    last: ReportEvent | None = None,
    who: str = "",
    at_triage: bool = False,
) -> str:
    """The card: category, status, place, time, description, reference; nothing else.

    A call-back card shows only the number and the window: no word of the chat.
    The last change names its author by their internal staff number (`who`),
    never their Telegram id. `at_triage`: the card reached the triage queue
    because the station has nobody to receive it.
    """
    filed_at = report.created_at.astimezone(zone)
    filed = " ".join(
        (day_text(filed_at.date(), language, short=True), time_text(filed_at.time(), language))
    )
    common = {
        "status": texts.choice("status", report.status, language),
        "station": station.display_name(language) if station else "?",
        "unit": texts.choice("unit", report.unit, language),
        "filed": filed,
    }
    title = texts.get(
        "card_title",
        language,
        reference=report.reference,
        category=texts.choice("category", report.category, language),
    )
    if report.category == "callback":
        window = digits(report.contact_window or "", language)
        body = texts.get(
            "card_callback_body",
            language,
            phone=report.contact_phone or "",
            window=window,
            **common,
        )
    else:
        place = report.place or ""
        if report.latitude is not None and report.longitude is not None:
            place = f"{place} 📍 {report.latitude:.5f},{report.longitude:.5f}".strip()
        body = texts.get(
            "card_body",
            language,
            place=place or "—",
            when=day_text(report.occurred_on, language) if report.occurred_on else "—",
            consent=texts.get("word_yes" if report.contact_consent else "word_no", language),
            description=report.description,
            **common,
        )
    parts = [title, body]
    if from_partner(report.owner):  # no chat to ask in; the closing note goes to them
        parts.insert(1, texts.get("card_open311_note", language))
    if report.station_code == TRIAGE or at_triage:
        parts.insert(1, texts.get("card_triage_note", language))
    if last is not None and staff_of(last.actor) is not None:
        what = (
            texts.choice("status", str(last.to_value), language)
            if last.kind == "status"
            else texts.get("btn_route", language)
        )
        at = last.at.astimezone(zone)
        parts.append(
            texts.get(
                "card_last_change",
                language,
                what=what,
                who=who or "—",
                at=time_text(at.time(), language),
            )
        )
    return "\n\n".join(parts)


async def who_did(
    session: AsyncSession, last: ReportEvent | None, texts: Catalogue, language: str
) -> str:
    """The author of a staff change as the card shows it: "staff #7"."""
    user = staff_of(last.actor) if last is not None else None
    if user is None:
        return ""
    number = (await numbers_of(session, {user})).get(user)
    if number is None:
        return ""
    return texts.get("staff_number", language, number=digits(str(number), language))
