"""One collection of rows: O(1) lookup by id, and pages in stable (creation) order."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cloudgate.drivers.sim.rows import Row

if TYPE_CHECKING:
    from cloudgate.drivers.sim.account import Account

R = TypeVar("R", bound=Row)


class Table(Generic[R]):
    """The rows of one collection."""

    def __init__(self, collection: str):
        self.collection = collection
        self.rows: dict[int, R] = {}
        # Sequence numbers in creation order. Removed rows stay here until a compaction,
        # so that a removal costs O(1) and paging can still bisect.
        self._order: list[int] = []

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: R) -> None:
        if self._order and row.seq <= self._order[-1]:
            raise ValueError("rows must be added in sequence order")
        self.rows[row.seq] = row
        self._order.append(row.seq)

    def remove(self, row: R) -> None:
        del self.rows[row.seq]
        if len(self._order) > 2 * len(self.rows) + 64:
            self._order = [seq for seq in self._order if seq in self.rows]

    def find(self, cloud_id: str) -> R | None:
        digits = cloud_id.rpartition("-")[2]
        row = self.rows.get(int(digits)) if digits.isdigit() else None
        return row if row is not None and row.id == cloud_id else None

    def after(self, seq: int) -> Iterator[R]:
        """Rows created after `seq`, oldest first."""
        order = self._order
        for index in range(bisect_right(order, seq), len(order)):
            row = self.rows.get(order[index])
            if row is not None:
                yield row


class AccountTable(Table[Any]):
    """One collection of one account in one region."""

    def __init__(self, collection: str, region: str, owner: Account):
        super().__init__(collection)
        self.region = region
        self.owner = owner
