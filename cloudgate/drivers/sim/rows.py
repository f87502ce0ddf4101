"""Compact in-memory records of the sim cloud's resources, and their wire form.

Rows are slotted dataclasses so that hundreds of thousands of them stay cheap; a row
only becomes a dict when the API returns it.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from ipaddress import IPv4Network
from typing import Any, ClassVar

# A security group rule: (direction, ip_protocol, port_min, port_max, remote_cidr).
Rule = tuple[str, str, int | None, int | None, str]


@dataclass(slots=True, eq=False, kw_only=True)
class Row:
    prefix: ClassVar[str] = ""

    seq: int  # cloud-wide creation counter: ids and listing order derive from it
    name: str
    created: float
    tags: dict[str, str] | None = None
    visible_at: float = 0.0  # listings skip the row before this time (eventual consistency)

    @property
    def id(self) -> str:
        return f"{self.prefix}-{self.seq:06d}"

    def base_wire(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created": self.created}

    def __setstate__(self, state: Any) -> None:
        # A durable cloud's rows pickled by an older cloudgate lack the fields added since: they take the
        # fields' defaults, so an existing demo data dir opens (pickle hands slotted rows `(None, slots)`).
        saved = state[1] if isinstance(state, tuple) else state
        for spec in fields(self):
            if spec.name in saved:
                setattr(self, spec.name, saved[spec.name])
            elif spec.default is not MISSING:
                setattr(self, spec.name, spec.default)
            elif spec.default_factory is not MISSING:
                setattr(self, spec.name, spec.default_factory())

    def wire(self) -> dict[str, Any]:
        """The row as the API returns it."""
        raise NotImplementedError


@dataclass(slots=True, eq=False, kw_only=True)
class Stateful(Row):
    status: str
    step: int = 0  # ticket of this row's pending timed transition; 0 when none

    def base_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "tags": dict(self.tags) if self.tags else {},
            "created": self.created,
        }


@dataclass(slots=True, eq=False, kw_only=True)
class Server(Stateful):
    prefix: ClassVar[str] = "srv"

    flavor: str
    image: str
    zone: str
    address: str
    key: str | None = None
    groups: tuple[str, ...] = ()
    subnet: str | None = None
    volumes: list[str] | None = None

    def wire(self) -> dict[str, Any]:
        return {
            **self.base_wire(),
            "flavor_id": self.flavor,
            "image_id": self.image,
            "zone": self.zone,
            "addresses": {"private": [self.address]},
            "key_id": self.key,
            "security_group_ids": list(self.groups),
            "subnet_id": self.subnet,
            "volumes_attached": list(self.volumes or ()),
        }


@dataclass(slots=True, eq=False, kw_only=True)
class Volume(Stateful):
    prefix: ClassVar[str] = "vol"

    size: int
    zone: str
    snapshot: str | None = None
    server: str | None = None
    device: str | None = None

    def wire(self) -> dict[str, Any]:
        attachment = {"server_id": self.server, "device": self.device} if self.server else None
        return {
            **self.base_wire(),
            "size": self.size,
            "zone": self.zone,
            "snapshot_id": self.snapshot,
            "attachment": attachment,
        }


@dataclass(slots=True, eq=False, kw_only=True)
class Snapshot(Stateful):
    prefix: ClassVar[str] = "snap"

    volume: str
    size: int

    def wire(self) -> dict[str, Any]:
        return {**self.base_wire(), "volume_id": self.volume, "size": self.size}


@dataclass(slots=True, eq=False, kw_only=True)
class Image(Stateful):
    prefix: ClassVar[str] = "img"

    os: str
    min_disk: int
    visibility: str = "private"
    source: str | None = None
    size: int = 0  # bytes of data
    disk_format: str = "raw"  # what made-up bytes are (a cloud that inspects uploads, as glance does, agrees)
    container_format: str = "bare"
    min_ram: int = 0  # MB
    checksums: dict[str, str] | None = None  # hex digest by algorithm, once known (see imagebytes)
    spool: str | None = None  # the file of an uploaded image's bytes in the cloud's spool; None: made-up bytes

    def wire(self) -> dict[str, Any]:
        return {
            **self.base_wire(),
            "os_type": self.os,
            "min_disk": self.min_disk,
            "visibility": self.visibility,
            "source_server_id": self.source,
            "size": self.size,
            "disk_format": self.disk_format,
            "container_format": self.container_format,
            "min_ram": self.min_ram,
        }


@dataclass(slots=True, eq=False, kw_only=True)
class Subnet(Stateful):
    prefix: ClassVar[str] = "subnet"

    network: IPv4Network
    zone: str
    next_host: int = 4  # the first addresses of a subnet are the cloud's own (gateway, DNS)

    def wire(self) -> dict[str, Any]:
        return {**self.base_wire(), "cidr": str(self.network), "zone": self.zone}


@dataclass(slots=True, eq=False, kw_only=True)
class KeyPair(Row):
    prefix: ClassVar[str] = "key"

    public_key: str
    fingerprint: str

    def wire(self) -> dict[str, Any]:
        return {**self.base_wire(), "public_key": self.public_key, "fingerprint": self.fingerprint}


@dataclass(slots=True, eq=False, kw_only=True)
class SecurityGroup(Row):
    prefix: ClassVar[str] = "sg"

    description: str = ""
    rules: tuple[Rule, ...] = ()

    def wire(self) -> dict[str, Any]:
        rules = [
            {"direction": d, "ip_protocol": p, "port_min": lo, "port_max": hi, "remote_cidr": cidr}
            for d, p, lo, hi, cidr in self.rules
        ]
        return {**self.base_wire(), "description": self.description, "rules": rules}


@dataclass(slots=True, eq=False, kw_only=True)
class Flavor(Row):
    vcpus: int
    ram: int
    disk: int

    @property
    def id(self) -> str:
        return self.name

    def wire(self) -> dict[str, Any]:
        return {"id": self.name, "name": self.name, "vcpus": self.vcpus, "ram": self.ram, "disk": self.disk}


@dataclass(slots=True, eq=False, kw_only=True)
class Location(Stateful):
    type: str  # REGION or ZONE
    region: str

    @property
    def id(self) -> str:
        return self.name

    def wire(self) -> dict[str, Any]:
        return {"id": self.name, "name": self.name, "type": self.type, "region": self.region, "status": self.status}


# The collections every account owns in each region, and the row type each holds.
ACCOUNT_COLLECTIONS: dict[str, type[Row]] = {
    "servers": Server,
    "volumes": Volume,
    "snapshots": Snapshot,
    "images": Image,
    "subnets": Subnet,
    "keypairs": KeyPair,
    "security_groups": SecurityGroup,
}
