"""Help lines of the discreet-help flow (data/hotlines.yml), kept as data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from mps.localized import Localized


class Hotline(BaseModel):
    """One help line and the region it serves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str
    region: Literal["federal", "kurdistan", "all"]
    verified: bool
    name: Localized
    hours: Localized


def load_hotlines(path: Path) -> list[Hotline]:
    """Read and check the help lines."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Hotline.model_validate(row) for row in data["hotlines"]]


def hotlines_for(hotlines: list[Hotline], region: str) -> list[Hotline]:
    """The lines for a region ("federal" or "kurdistan"), national ones included."""
    return [h for h in hotlines if h.region in (region, "all") or h.number == "911"]
