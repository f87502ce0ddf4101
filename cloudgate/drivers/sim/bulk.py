"""Changing many resources at once, for tests and benchmarks: bulk population and random churn."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from cloudgate.drivers.sim import keys, network
from cloudgate.drivers.sim.account import Account
from cloudgate.drivers.sim.provision import DEFAULT_IMAGE_BYTES, Provisioner
from cloudgate.drivers.sim.rows import Image, KeyPair, SecurityGroup, Server, Snapshot, Subnet, Volume
from cloudgate.drivers.sim.table import AccountTable

POPULATED_VOLUME_GB = 10


def populate(provisioner: Provisioner, account: Account, region: str, counts: dict[str, int]) -> None:
    """Add already-settled resources of each collection, bypassing quota checks (usage still counts)."""
    unknown = counts.keys() - POPULATORS.keys()
    if unknown:
        raise ValueError(f"cannot populate {sorted(unknown)}")
    for collection, fill in POPULATORS.items():
        if counts.get(collection):
            table = account.table(region, collection)
            fill(provisioner, table, counts[collection], provisioner.clock.now())


def _servers(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    catalog = provisioner.catalog
    zones = catalog.regions[table.region]
    fitting = [
        (flavor, image)
        for image in catalog.public_images.rows.values()
        for flavor in catalog.flavors.rows.values()
        if flavor.disk >= image.min_disk
    ]
    cores = 0
    for index in range(count):
        flavor, image = fitting[index % len(fitting)]
        seq = next(provisioner.seqs)
        table.add(
            Server(
                seq=seq,
                name=f"server-{seq}",
                created=now,
                status="ACTIVE",
                flavor=flavor.name,
                image=image.id,
                zone=zones[index % len(zones)],
                address=network.host_address(network.DEFAULT_NETWORK, seq),
            )
        )
        cores += flavor.vcpus
    table.owner.charge({"instances": count, "cores": cores}, enforce=False)


def _volumes(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    zones = provisioner.catalog.regions[table.region]
    for index in range(count):
        seq = next(provisioner.seqs)
        table.add(
            Volume(
                seq=seq,
                name=f"volume-{seq}",
                created=now,
                status="READY",
                size=POPULATED_VOLUME_GB,
                zone=zones[index % len(zones)],
            )
        )
    table.owner.charge({"volumes": count, "volume_gb": count * POPULATED_VOLUME_GB}, enforce=False)


def _snapshots(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    volumes = list(table.owner.table(table.region, "volumes").rows.values())
    if not volumes:
        raise ValueError("populating snapshots needs volumes in the region")
    for index in range(count):
        volume = volumes[index % len(volumes)]
        seq = next(provisioner.seqs)
        table.add(
            Snapshot(seq=seq, name=f"snapshot-{seq}", created=now, status="READY", volume=volume.id, size=volume.size)
        )
    table.owner.charge({"snapshots": count}, enforce=False)


def _images(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    for _ in range(count):
        seq = next(provisioner.seqs)
        image = Image(seq=seq, name=f"image-{seq}", created=now, status="ACTIVE", os="linux", min_disk=8,
                      size=DEFAULT_IMAGE_BYTES)  # fmt: skip
        table.add(image)
        table.owner.charge(provisioner.usage(image), enforce=False)


def _subnets(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    zones = provisioner.catalog.regions[table.region]
    pool = provisioner.pool(table.region)
    for index in range(count):
        cidr = network.first_free_block(pool, [subnet.network for subnet in table.rows.values()])
        seq = next(provisioner.seqs)
        table.add(
            Subnet(
                seq=seq,
                name=f"subnet-{seq}",
                created=now,
                status="ACTIVE",
                network=cidr,
                zone=zones[index % len(zones)],
            )
        )


def _keypairs(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    rng = random.Random(f"populate:{table.owner.project}:{table.region}:{len(table)}")
    for _ in range(count):
        public_key = keys.generate_keypair(rng)[0]
        seq = next(provisioner.seqs)
        table.add(
            KeyPair(
                seq=seq, name=f"key-{seq}", created=now, public_key=public_key, fingerprint=keys.fingerprint(public_key)
            )
        )


def _security_groups(provisioner: Provisioner, table: AccountTable, count: int, now: float) -> None:
    ssh = (("in", "tcp", 22, 22, "0.0.0.0/0"),)
    for _ in range(count):
        seq = next(provisioner.seqs)
        table.add(SecurityGroup(seq=seq, name=f"group-{seq}", created=now, description="populated", rules=ssh))


POPULATORS: dict[str, Callable[[Provisioner, AccountTable, int, float], None]] = {
    "servers": _servers,
    "volumes": _volumes,
    "snapshots": _snapshots,  # after volumes: snapshots are taken of them
    "images": _images,
    "subnets": _subnets,
    "keypairs": _keypairs,
    "security_groups": _security_groups,
}


def churn(provisioner: Provisioner, account: Account, fraction: float, rng: random.Random) -> int:
    """Change about `fraction` of the account's resources behind the gateway's back; returns how many."""
    everything = [(table, row) for table in account.tables() for row in table.rows.values()]
    picked = rng.sample(everything, round(len(everything) * fraction))
    now = provisioner.clock.now()
    for table, row in picked:
        moves = CHURN_MOVES[table.collection]
        move = rng.choices(list(moves), weights=list(moves.values()))[0]
        move(provisioner, table, row, rng, now)
    return len(picked)


Move = Callable[[Provisioner, AccountTable, Any, random.Random, float], None]


def _rename(provisioner: Provisioner, table: AccountTable, row: Any, rng: random.Random, now: float) -> None:
    row.name = f"churned-{rng.randrange(10**9)}"


def _retag(provisioner: Provisioner, table: AccountTable, row: Any, rng: random.Random, now: float) -> None:
    row.tags = {"churn": str(rng.randrange(10**9))}


def _redescribe(provisioner: Provisioner, table: AccountTable, row: Any, rng: random.Random, now: float) -> None:
    row.description = f"churned {rng.randrange(10**9)}"


def _toggle_power(provisioner: Provisioner, table: AccountTable, row: Any, rng: random.Random, now: float) -> None:
    flipped = {"ACTIVE": "SHUTOFF", "SHUTOFF": "ACTIVE"}.get(row.status)
    if flipped:
        provisioner.set_status(table, row, flipped, now)
    else:
        _rename(provisioner, table, row, rng, now)


def _delete(provisioner: Provisioner, table: AccountTable, row: Any, rng: random.Random, now: float) -> None:
    provisioner.purge(table, row, now)


_TAGGED_MOVES: dict[Move, int] = {_rename: 5, _retag: 4, _delete: 1}

# collection -> {move: relative weight}
CHURN_MOVES: dict[str, dict[Move, int]] = {
    "servers": {_rename: 4, _retag: 3, _toggle_power: 2, _delete: 1},
    "volumes": _TAGGED_MOVES,
    "snapshots": _TAGGED_MOVES,
    "images": _TAGGED_MOVES,
    "subnets": _TAGGED_MOVES,
    "keypairs": {_delete: 1},
    "security_groups": {_rename: 5, _redescribe: 4, _delete: 1},
}
