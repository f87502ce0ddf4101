"""Numbers handed out in order, that survive being saved with the cloud's state (itertools.count does
not pickle in the Pythons to come)."""

from __future__ import annotations


class Counter:
    def __init__(self, start: int = 1):
        self._next = start

    def __iter__(self) -> Counter:
        return self

    def __next__(self) -> int:
        value = self._next
        self._next += 1
        return value
