"""The report routing rules of data/report_routing.yml: category words, and each report's unit."""

from __future__ import annotations

from mps.report_rules import UnitRules

RULES = UnitRules.load()
