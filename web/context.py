"""What every handler reads, put on the application at start-up (web/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from mps.catalogue import Catalogue
from mps.report_rules import UnitRules
from mps.store import Store


@dataclass
class Context:
    """The store (database, settings, station index), the unit rules, the texts and
    the key of report references."""

    store: Store
    rules: UnitRules
    texts: Catalogue
    reference_key: bytes


CONTEXT = web.AppKey("context", Context)


def context(request: web.Request) -> Context:
    """The application's context."""
    return request.app[CONTEXT]
