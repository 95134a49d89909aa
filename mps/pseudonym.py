"""Keyed pseudonyms: what the conversation engine sees instead of Telegram ids."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(secret: bytes, user_id: int, epoch: int = 0) -> str:
    """Return a stable, non-reversible id for a Telegram user.

    HMAC-SHA256 keyed with `secret`: without the secret the pseudonym cannot be
    linked back to the user id, not even by trying every possible id. A new
    `epoch` gives the same user an unrelated pseudonym (a fresh conversation).
    """
    if not secret:
        raise ValueError("the pseudonym secret must not be empty")
    message = f"telegram:{user_id}:{epoch}".encode()
    return "u" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]
