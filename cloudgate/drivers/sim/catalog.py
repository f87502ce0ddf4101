"""What an endpoint offers every account: regions and zones, flavors, public images."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from cloudgate.drivers.sim.rows import Flavor, Image, Location
from cloudgate.drivers.sim.table import Table

DEFAULT_REGIONS: dict[str, list[str]] = {
    "sim-east": ["sim-east-a", "sim-east-b", "sim-east-c"],
    "sim-west": ["sim-west-a", "sim-west-b"],
}

# name, vcpus, ram (MB), disk (GB)
FLAVORS: tuple[tuple[str, int, int, int], ...] = (
    ("s1.tiny", 1, 512, 10),
    ("s1.small", 1, 2048, 20),
    ("s1.medium", 2, 4096, 40),
    ("s1.large", 4, 8192, 80),
    ("s1.xlarge", 8, 16384, 160),
)

# name, os type, minimum disk (GB), bytes of data: a few MB each, like a cirros image, so that tests copy them fast
PUBLIC_IMAGES: tuple[tuple[str, str, int, int], ...] = (
    ("ubuntu-24.04", "linux", 8, 5_832_704),
    ("debian-12", "linux", 8, 4_457_682),
    ("rocky-9", "linux", 10, 7_344_353),
    ("windows-2022", "windows", 40, 9_437_961),
)


class Catalog:
    def __init__(self, regions: Mapping[str, Sequence[str]], seqs: Iterator[int], created: float):
        if not regions or not all(regions.values()):
            raise ValueError("a sim cloud needs at least one region, and every region a zone")
        self.regions = {region: list(zones) for region, zones in regions.items()}
        self.flavors: Table[Flavor] = Table("flavors")
        for name, vcpus, ram, disk in FLAVORS:
            self.flavors.add(Flavor(seq=next(seqs), name=name, created=created, vcpus=vcpus, ram=ram, disk=disk))
        self.flavors_by_name = {row.name: row for row in self.flavors.rows.values()}
        self.public_images: Table[Image] = Table("images")
        for name, os, min_disk, size in PUBLIC_IMAGES:
            self.public_images.add(
                Image(
                    seq=next(seqs),
                    name=name,
                    created=created,
                    status="ACTIVE",
                    os=os,
                    min_disk=min_disk,
                    visibility="public",
                    size=size,
                )
            )
        self.locations: dict[str, Table[Location]] = {}
        for region, zones in self.regions.items():
            table = self.locations[region] = Table("locations")
            table.add(Location(seq=next(seqs), name=region, created=created, status="UP", type="REGION", region=region))
            for zone in zones:
                table.add(Location(seq=next(seqs), name=zone, created=created, status="UP", type="ZONE", region=region))
