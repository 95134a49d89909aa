"""Event classes found by name in a table, not by walking Event's subclasses each time.

Rasa 3.6's `Event.resolve_by_type` lists every subclass of `Event` (recursively,
checking each for abstract methods) for every event it reads back, so a
tracker of n events walks the class tree n times on each retrieve: about 4 %
of Rasa's CPU under load (README, Where the CPU goes). Here a name found once
is kept; a name not yet found (or unknown) goes to Rasa's own lookup, which
answers or raises as before. Installed by the tracker stores (nlu/tracker_store.py).
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event

_found: dict[str, type[Event]] = {}
_rasas = Event.resolve_by_type


def resolve_by_type(type_name: str, default: Any = None) -> type[Event] | None:
    """Rasa's `Event.resolve_by_type`, remembering each class it finds by its name."""
    found = _found.get(type_name)
    if found is None:
        found = _rasas(type_name, default)
        if found is not None and getattr(found, "type_name", None) == type_name:
            _found[type_name] = found
    return found


def install() -> None:
    """Use the table for every event read back (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,unused-ignore]
