"""Session fixtures: the whole pipeline, started once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack_fixture import Stack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("logs")) as running:
        yield running


@pytest.fixture(scope="session")
def stack_without_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("logs-down"), with_rasa=False) as running:
        yield running
