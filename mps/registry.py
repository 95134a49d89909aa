"""The station registry file (`data/stations/*.yml`): reading and checking it.

`check_registry(path)` returns the stations and every problem found, each with
the line it is on, so `stations import` can list them all and import nothing
until the file is clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

from mps.localized import Localized
from mps.text import normalize

UNITS = ("fcpu", "juvenile", "community_policing", "women_officers")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,30}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as date.weekday() counts
CLOCK_PATTERN = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


class Governorate(BaseModel):
    """A governorate and whether it is in the Kurdistan Region."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: Literal["federal", "kurdistan"]
    name: Localized


class Area(BaseModel):
    """A district or neighbourhood a station serves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    names: Localized
    point: tuple[float, float] | None = None
    aliases: list[str] = Field(default_factory=list)


class StaffedPeriod(BaseModel):
    """When a station's staff answer hand-offs: some weekdays, from `start` to `end`
    (wall clock in the stations' time zone; `end` may be "24:00")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK_PATTERN.match(value):
            raise ValueError('must be a time of day as "HH:MM" (00:00 to 24:00)')
        return value

    @model_validator(mode="after")
    def _ordered(self) -> StaffedPeriod:
        if self.end <= self.start:
            raise ValueError("end must come after start (split a night into two periods)")
        return self


# Sunday to Thursday, 08:00-14:00: the hours of a station that lists none.
DEFAULT_STAFFED_HOURS = (
    StaffedPeriod(days=["sun", "mon", "tue", "wed", "thu"], start="08:00", end="14:00"),
)


class StationRecord(BaseModel):
    """One station of the registry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: Localized
    governorate: str
    address: Localized
    hours: Localized
    phone: str = Field(min_length=3, max_length=32)
    units: list[Literal["fcpu", "juvenile", "community_policing", "women_officers"]]
    location: tuple[float, float]
    jurisdiction: dict[str, Any]
    areas: list[Area] = Field(min_length=1)
    # When staff answer hand-offs; none listed: DEFAULT_STAFFED_HOURS.
    staffed_hours: list[StaffedPeriod] = Field(default_factory=lambda: [*DEFAULT_STAFFED_HOURS])

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            raise ValueError("must be 2-31 capital letters, digits or dashes, e.g. BGD-KRD")
        if value == "TRIAGE":
            raise ValueError("TRIAGE is the central triage queue's code; pick another")
        return value

    @field_validator("location")
    @classmethod
    def _lon_lat(cls, value: tuple[float, float]) -> tuple[float, float]:
        lon, lat = value
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError("must be [longitude, latitude] in degrees")
        return value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the registry, with the line it is on."""

    line: int
    station: str
    message: str

    def __str__(self) -> str:
        where = f" ({self.station})" if self.station else ""
        return f"line {self.line}{where}: {self.message}"


@dataclass(frozen=True)
class Registry:
    """A checked registry: its stations and governorates."""

    demo: bool
    governorates: dict[str, Governorate]
    stations: list[StationRecord]


def _line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the value at `loc` under `node` (as deep as it exists)."""
    for key in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            child = node.value[key] if key < len(node.value) else None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _shape_problems(record: StationRecord) -> list[tuple[tuple[int | str, ...], str]]:
    """Geometry checks: a valid polygon holding the station and its areas."""
    try:
        polygon = shape(record.jurisdiction)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        return [(("jurisdiction",), f"jurisdiction is not a GeoJSON polygon ({error})")]
    if polygon.geom_type not in ("Polygon", "MultiPolygon"):
        return [(("jurisdiction",), f"jurisdiction must be a Polygon, not {polygon.geom_type}")]
    if not polygon.is_valid:
        return [(("jurisdiction",), f"jurisdiction is not valid: {explain_validity(polygon)}")]
    problems: list[tuple[tuple[int | str, ...], str]] = []
    if not polygon.covers(Point(record.location)):
        problems.append((("location",), "location is outside the station's jurisdiction"))
    for index, area in enumerate(record.areas):
        if area.point is not None and not polygon.covers(Point(area.point)):
            problems.append(
                (("areas", index, "point"), f"area {area.names.en!r}: point is outside")
            )
    return problems


def check_registry(path: Path) -> tuple[Registry | None, list[Problem]]:
    """Read and check a registry file; the registry is None when there is any problem."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(0, "", f"cannot read {path}: {error}")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, [Problem(mark.line + 1 if mark else 0, "", f"not valid YAML: {error}")]
    if root is None or not isinstance(data, dict):
        return None, [Problem(1, "", "expected a mapping with `governorates` and `stations`")]
    problems: list[Problem] = []
    governorates: dict[str, Governorate] = {}
    for key, value in (data.get("governorates") or {}).items():
        try:
            governorates[str(key)] = Governorate.model_validate(value)
        except ValidationError as error:
            for item in error.errors():
                line = _line_of(root, ("governorates", key, *item["loc"]))
                problems.append(Problem(line, str(key), _message(item)))
    rows = data.get("stations")
    if not isinstance(rows, list) or not rows:
        problems.append(Problem(_line_of(root, ("stations",)), "", "no `stations` list"))
        return None, problems
    stations: list[StationRecord] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, str] = {}
    for index, row in enumerate(rows):
        code = str(row.get("code", "?")) if isinstance(row, dict) else "?"
        line = _line_of(root, ("stations", index))
        try:
            record = StationRecord.model_validate(row)
        except ValidationError as error:
            for item in error.errors():
                at = _line_of(root, ("stations", index, *item["loc"]))
                problems.append(Problem(at, code, _message(item)))
            continue
        if record.code in seen_codes:
            problems.append(
                Problem(line, code, f"code used before, on line {seen_codes[record.code]}")
            )
        seen_codes.setdefault(record.code, line)
        if record.governorate not in governorates:
            at = _line_of(root, ("stations", index, "governorate"))
            problems.append(Problem(at, code, f"unknown governorate {record.governorate!r}"))
        for loc, message in _shape_problems(record):
            problems.append(Problem(_line_of(root, ("stations", index, *loc)), code, message))
        for a, area in enumerate(record.areas):
            for name in (*area.names.model_dump().values(), *area.aliases):
                key = normalize(name)
                owner = seen_names.setdefault(key, record.code)
                if owner != record.code:
                    at = _line_of(root, ("stations", index, "areas", a))
                    problems.append(Problem(at, code, f"place name {name!r} is also {owner}'s"))
        stations.append(record)
    if problems:
        return None, problems
    return Registry(bool(data.get("demo", False)), governorates, stations), []


def _message(item: Any) -> str:
    """A pydantic error as `field: message`."""
    field = ".".join(str(part) for part in item["loc"]) or "row"
    return f"{field}: {item['msg']}"
