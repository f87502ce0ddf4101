"""Timed status transitions: which status leads to which, after how long, and when each is due.

Nothing runs in the background: transitions wait in a heap and are applied, in due
order, whenever the cloud is next called.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from cloudgate.drivers.sim.counter import Counter
from cloudgate.drivers.sim.rows import Stateful
from cloudgate.drivers.sim.table import AccountTable


@dataclass
class Delays:
    """Seconds each transition takes."""

    boot: float = 5.0
    stop: float = 3.0
    start: float = 3.0
    reboot: float = 2.0
    terminate: float = 3.0
    linger: float = 60.0  # how long a terminated server stays listed
    volume_create: float = 3.0
    attach: float = 2.0
    detach: float = 2.0
    volume_delete: float = 2.0
    snapshot: float = 5.0
    snapshot_delete: float = 2.0
    image: float = 8.0
    image_delete: float = 2.0
    subnet: float = 1.0


GONE = None  # the "next status" of a row that disappears

# (collection, status) -> (next status, name of the Delays field that says when)
TRANSITIONS: dict[tuple[str, str], tuple[str | None, str]] = {
    ("servers", "BUILD"): ("ACTIVE", "boot"),
    ("servers", "POWERING_OFF"): ("SHUTOFF", "stop"),
    ("servers", "POWERING_ON"): ("ACTIVE", "start"),
    ("servers", "REBOOT"): ("ACTIVE", "reboot"),
    ("servers", "DELETING"): ("DELETED", "terminate"),
    ("servers", "DELETED"): (GONE, "linger"),
    ("volumes", "CREATING"): ("READY", "volume_create"),
    ("volumes", "ATTACHING"): ("ATTACHED", "attach"),
    ("volumes", "DETACHING"): ("READY", "detach"),
    ("volumes", "DELETING"): (GONE, "volume_delete"),
    ("snapshots", "CREATING"): ("READY", "snapshot"),
    ("snapshots", "DELETING"): (GONE, "snapshot_delete"),
    ("images", "SAVING"): ("ACTIVE", "image"),
    ("images", "PENDING_DELETE"): (GONE, "image_delete"),
    ("subnets", "BUILD"): ("ACTIVE", "subnet"),
}


class Timeline:
    """Pending transitions, one at most per row, ordered by due time."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, AccountTable, Stateful]] = []
        self._tickets = Counter()

    def schedule(self, due: float, table: AccountTable, row: Stateful) -> None:
        """Make `due` the time of the row's next transition, replacing any pending one."""
        ticket = next(self._tickets)
        row.step = ticket
        heapq.heappush(self._heap, (due, ticket, table, row))

    def due(self, now: float) -> Iterator[tuple[float, AccountTable, Stateful]]:
        """Pop the transitions due by `now`, oldest first, including ones scheduled while iterating."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, ticket, table, row = heapq.heappop(heap)
            if row.step == ticket:  # else the row has moved on since: a stale entry
                row.step = 0
                yield due, table, row
