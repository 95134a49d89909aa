"""Iraqi mobile numbers as people write them: 0770 123 4567, +964 770 123 4567, ٠٧٧٠…"""

from __future__ import annotations

import re

from mps.text import normalize

# Mobile numbers: 0 then 7 and nine digits nationally (0770 123 4567), +964 then 7 and
# nine digits internationally (+964 770 123 4567).
_MOBILE = re.compile(r"^(?:00964|\+964|964|0)?(7\d{9})$")
_WINDOW = re.compile(
    r"(?<!\d)(\d{1,2})(?::00)?\s*(?:-|–|to|الى|إلى|تا|بۆ)\s*(\d{1,2})(?::00)?(?!\d)"
)
WINDOWS = {"morning": "09:00–12:00", "afternoon": "12:00–16:00", "evening": "16:00–20:00"}


def parse_mobile(text: str) -> str | None:
    """The number in international form (+9647701234567), or None."""
    for candidate in re.findall(r"\+?\d[\d\s\-().]{8,}\d", normalize(text)):
        found = _MOBILE.match(re.sub(r"[\s\-().]", "", candidate))
        if found:
            return f"+964{found[1]}"
    return None


def parse_window(text: str) -> str | None:
    """A safe time window: a button's name (morning…) or hours like "10-12" (24 h or
    afternoon hours under 8 read as pm), as "10:00–12:00"; None if unclear."""
    folded = normalize(text).strip()
    if folded in WINDOWS:
        return WINDOWS[folded]
    found = _WINDOW.search(folded)
    if not found:
        return None
    start, end = int(found[1]), int(found[2])
    if end <= start and end + 12 <= 23:
        end += 12  # "10-2" is ten to two
    if start < 8:
        start, end = start + 12, end + 12 if end < 12 else end
    if not (0 <= start < end <= 23):
        return None
    return f"{start:02d}:00–{end:02d}:00"
