"""One field of a `:`-separated contract string."""


def colon_field(value: str) -> str:
    """A field of a `:`-separated string: not empty, no `:`."""
    if not value or ":" in value:
        raise ValueError(f"not a field: {value!r}")
    return value
