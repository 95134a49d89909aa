"""Stations in the database: import from a checked registry, list, look up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mps.models import Report, Station
from mps.registry import Registry
from mps.routing import StationIndex, distance_km


async def import_registry(session: AsyncSession, registry: Registry) -> tuple[int, int]:
    """Insert or update every station of the registry; returns (added, updated)."""
    existing = set((await session.scalars(select(Station.code))).all())
    added = updated = 0
    for record in registry.stations:
        governorate = registry.governorates[record.governorate]
        values: dict[str, Any] = {
            "name": record.name.model_dump(),
            "governorate": record.governorate,
            "region": governorate.region,
            "governorate_name": governorate.name.model_dump(),
            "address": record.address.model_dump(),
            "hours": record.hours.model_dump(),
            "phone": record.phone,
            "units": list(record.units),
            "longitude": record.location[0],
            "latitude": record.location[1],
            "jurisdiction": record.jurisdiction,
            "areas": [area.model_dump() for area in record.areas],
            "demo": registry.demo,
            "staffed_hours": [period.model_dump() for period in record.staffed_hours],
        }
        if record.code in existing:
            station = await session.get(Station, record.code)
            assert station is not None
            for key, value in values.items():
                setattr(station, key, value)
            updated += 1
        else:
            session.add(Station(code=record.code, **values))
            added += 1
    await session.flush()
    return added, updated


# The central triage queue (migration 0003): a station row for reports that
# cannot be placed, never shown by the finder or in lists.
TRIAGE = "TRIAGE"


async def all_stations(session: AsyncSession) -> list[Station]:
    """Every station of the registry, by code (not the triage queue)."""
    rows = await session.scalars(
        select(Station).where(Station.code != TRIAGE).order_by(Station.code)
    )
    return list(rows.all())


def as_row(station: Station) -> dict[str, Any]:
    """A station as `StationIndex.from_rows` takes it."""
    return {
        "code": station.code,
        "name": station.name,
        "governorate": station.governorate,
        "governorate_name": station.governorate_name,
        "location": (station.longitude, station.latitude),
        "jurisdiction": station.jurisdiction,
        "areas": station.areas,
    }


async def load_index(session: AsyncSession) -> StationIndex:
    """A routing index over every station in the database."""
    return StationIndex.from_rows(as_row(s) for s in await all_stations(session))


def nearest_first(stations: list[Station], report: Report) -> list[Station]:
    """Stations nearest the reported point first, else nearest the report's station (the
    choices to re-route it to, in Telegram and in the console)."""
    here = next((s for s in stations if s.code == report.station_code), None)
    if report.longitude is not None and report.latitude is not None:
        anchor = (report.longitude, report.latitude)
    elif here is not None:
        anchor = (here.longitude, here.latitude)
    else:
        return stations
    return sorted(stations, key=lambda s: distance_km((s.longitude, s.latitude), anchor))
