"""Report references like `MPS-7K3F-Q9`: unique by construction, unguessable without the key.

The report's database id goes through a keyed permutation of the 23⁶ possible
references (a 4-round Feistel network with keyed BLAKE2b rounds, cycle-walking
into range), so two reports never share a reference and the sequence of ids
cannot be read back from them without the secret.
"""

from __future__ import annotations

import hashlib

from mps.codes import ALPHABET

LENGTH = 6
SPACE = len(ALPHABET) ** LENGTH  # 148,035,889
_HALF_BITS = 14  # 2 × 14 bits = 268,435,456 ≥ SPACE
_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4


def _round(key: bytes, index: int, value: int) -> int:
    digest = hashlib.blake2b(
        value.to_bytes(4, "big"), digest_size=4, key=key[:64], person=bytes([index]) * 16
    ).digest()
    return int.from_bytes(digest, "big") & _MASK


def _feistel(key: bytes, number: int) -> int:
    left, right = number >> _HALF_BITS, number & _MASK
    for index in range(_ROUNDS):
        left, right = right, left ^ _round(key, index, right)
    return (left << _HALF_BITS) | right


def permute(key: bytes, number: int) -> int:
    """A bijection of [0, SPACE) chosen by `key`."""
    if not 0 <= number < SPACE:
        raise ValueError("number out of range")
    value = _feistel(key, number)
    while value >= SPACE:  # cycle-walk back into range; stays a bijection
        value = _feistel(key, value)
    return value


def reference_for(key: bytes, report_id: int) -> str:
    """The reference of report number `report_id` (1 up to SPACE)."""
    value = permute(key, report_id % SPACE)
    chars = []
    for _ in range(LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    body = "".join(reversed(chars))
    return f"MPS-{body[:4]}-{body[4:]}"
