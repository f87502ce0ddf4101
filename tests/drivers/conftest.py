"""Fixtures for driver tests: fresh sim clouds, unregistered afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cloudgate.drivers.sim import unregister
from tests.drivers.simworld import SimWorld, make_world


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimWorld]]:
    """Build worlds with other seeds, page sizes or quotas; all are unregistered afterwards."""
    made: list[SimWorld] = []

    def make(**options: Any) -> SimWorld:
        made.append(make_world(**options))
        return made[-1]

    yield make
    for world in made:
        unregister(world.cloud.endpoint)


@pytest.fixture
def sim(make_sim: Callable[..., SimWorld]) -> SimWorld:
    return make_sim()
