"""Keyed pseudonyms for Rasa."""

import pytest

from mps.pseudonym import pseudonymise


def test_stable_for_a_user_and_distinct_between_users() -> None:
    secret = b"k" * 32
    assert pseudonymise(secret, 42) == pseudonymise(secret, 42)
    assert pseudonymise(secret, 42) != pseudonymise(secret, 43)


def test_does_not_contain_the_telegram_id_and_depends_on_the_key() -> None:
    user_id = 123456789
    first = pseudonymise(b"a" * 32, user_id)
    assert str(user_id) not in first
    assert first != pseudonymise(b"b" * 32, user_id)


def test_a_new_epoch_gives_an_unrelated_pseudonym() -> None:
    assert pseudonymise(b"k" * 32, 7, epoch=1) != pseudonymise(b"k" * 32, 7, epoch=0)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        pseudonymise(b"", 1)
