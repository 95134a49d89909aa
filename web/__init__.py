"""The web application: Open311 GeoReport v2 for partner systems (and, next, the
staff console), on the domain code of mps/."""
