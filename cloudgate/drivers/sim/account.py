"""One account (project) on the sim cloud: its keys, quotas, usage and per-region tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from cloudgate.drivers.sim.native import SimApiError
from cloudgate.drivers.sim.rows import ACCOUNT_COLLECTIONS
from cloudgate.drivers.sim.table import AccountTable

DEFAULT_QUOTAS: dict[str, int] = {
    "instances": 100,
    "cores": 400,
    "volumes": 200,
    "volume_gb": 20_000,
    "snapshots": 200,
    "images": 1_000,
    "image_mb": 1 << 20,  # image data stored, in MiB (glance's image_size_total): 1 TiB
}


class Account:
    def __init__(
        self,
        project: str,
        access_key: str,
        secret_key: str,
        regions: Iterable[str],
        quotas: Mapping[str, int] | None = None,
    ):
        unknown = set(quotas or ()) - DEFAULT_QUOTAS.keys()
        if unknown:
            raise ValueError(f"unknown quotas: {sorted(unknown)}")
        self.project = project
        self.access_key = access_key
        self.secret_key = secret_key
        self.quotas = {**DEFAULT_QUOTAS, **(quotas or {})}
        self.usage = dict.fromkeys(DEFAULT_QUOTAS, 0)
        self._tables = {
            region: {collection: AccountTable(collection, region, self) for collection in ACCOUNT_COLLECTIONS}
            for region in regions
        }

    def table(self, region: str, collection: str) -> AccountTable:
        try:
            return self._tables[region][collection]
        except KeyError:
            raise SimApiError("InvalidParameter", f"no collection {collection!r} in region {region!r}") from None

    def tables(self) -> Iterator[AccountTable]:
        for by_collection in self._tables.values():
            yield from by_collection.values()

    def charge(self, delta: Mapping[str, int], *, enforce: bool = True) -> None:
        """Add `delta` to the usage; refuse it (QuotaExceeded) if it would pass a quota."""
        if enforce:
            for resource, amount in delta.items():
                if amount > 0 and self.usage[resource] + amount > self.quotas[resource]:
                    raise SimApiError(
                        "QuotaExceeded",
                        f"quota of {self.quotas[resource]} {resource} exceeded (in use: {self.usage[resource]})",
                    )
        for resource, amount in delta.items():
            self.usage[resource] += amount

    def release(self, delta: Mapping[str, int]) -> None:
        for resource, amount in delta.items():
            self.usage[resource] -= amount
