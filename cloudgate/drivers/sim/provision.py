"""The sim cloud's rules: how each request changes resources, and how they change with time.

Validation, quotas, in-use rules, addresses and timed transitions live here; the API
surface (authentication, faults, paging, wire form) is `cloud.SimCloud`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from ipaddress import IPv4Network
from typing import Any

from cloudgate.drivers.sim import imagebytes, keys, network, params
from cloudgate.drivers.sim.account import Account
from cloudgate.drivers.sim.catalog import Catalog
from cloudgate.drivers.sim.clock import SimClock
from cloudgate.drivers.sim.hints import NoticeFeed
from cloudgate.drivers.sim.lifecycle import GONE, TRANSITIONS, Delays, Timeline
from cloudgate.drivers.sim.native import STATUSES, SimApiError
from cloudgate.drivers.sim.rows import (
    Image,
    KeyPair,
    Row,
    SecurityGroup,
    Server,
    Snapshot,
    Stateful,
    Subnet,
    Volume,
)
from cloudgate.drivers.sim.table import AccountTable, Table

# collection -> (required, optional) create parameters
CREATE_PARAMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "servers": (("name", "flavor_id", "image_id", "zone"), ("key_id", "security_group_ids", "subnet_id", "tags")),
    "volumes": (("name", "size", "zone"), ("snapshot_id", "tags")),
    "snapshots": (("name", "volume_id"), ("tags",)),
    # an image is made from a server, at the console (os_type, and a size of made-up data), or to be uploaded
    "images": (
        ("name",),
        ("server_id", "os_type", "min_disk", "tags", "size", "upload", "disk_format", "container_format", "min_ram"),
    ),
    "subnets": (("name",), ("cidr", "zone", "tags")),
    "keypairs": (("name",), ("public_key",)),
    "security_groups": (("name",), ("description", "rules")),
}

UPDATABLE: dict[str, frozenset[str]] = {
    "servers": frozenset({"name", "tags"}),
    "volumes": frozenset({"name", "tags", "size"}),
    "snapshots": frozenset({"name", "tags"}),
    "images": frozenset({"name", "tags"}),
    "subnets": frozenset({"name", "tags"}),
    "security_groups": frozenset({"description", "rules"}),
}

FIELD_PARSERS: dict[str, Callable[[Any], Any]] = {
    "name": lambda value: params.text(value, "name"),
    "tags": params.tags,
    "description": lambda value: params.text(value, "description", allow_empty=True),
    "rules": params.rules,
}

# Statuses of rows already on their way out: deleting them again changes nothing.
LEAVING = frozenset({"DELETING", "DELETED", "PENDING_DELETE"})

# collection -> (statuses a row may be deleted from (None: any), status it enters)
DELETIONS: dict[str, tuple[frozenset[str] | None, str | None]] = {
    "servers": (STATUSES["servers"] - LEAVING, "DELETING"),
    "volumes": (frozenset({"READY", "ERROR"}), "DELETING"),
    "snapshots": (frozenset({"READY", "ERROR"}), "DELETING"),
    "images": (frozenset({"QUEUED", "UPLOADING", "ACTIVE", "KILLED"}), "PENDING_DELETE"),
    "subnets": (frozenset({"ACTIVE", "ERROR"}), GONE),
    "keypairs": (None, GONE),
    "security_groups": (None, GONE),
}

# Collections a live server refers to, and how to tell that it does.
USED_BY_SERVERS: dict[str, Callable[[Server, str], bool]] = {
    "subnets": lambda server, cloud_id: server.subnet == cloud_id,
    "security_groups": lambda server, cloud_id: cloud_id in server.groups,
}

# (collection, action) -> (statuses it may start from, status it enters)
ACTIONS: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    ("servers", "start"): (frozenset({"SHUTOFF"}), "POWERING_ON"),
    ("servers", "stop"): (frozenset({"ACTIVE"}), "POWERING_OFF"),
    ("servers", "reboot"): (frozenset({"ACTIVE"}), "REBOOT"),
    ("volumes", "attach"): (frozenset({"READY"}), "ATTACHING"),
    ("volumes", "detach"): (frozenset({"ATTACHED"}), "DETACHING"),
}
ACTION_PARAMS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("volumes", "attach"): (("server_id",), ("device",)),
}

# Row type -> what one row counts against its account's quotas.
QUOTA_USAGE: dict[type[Row], Callable[[Any, Catalog], dict[str, int]]] = {
    Server: lambda server, catalog: {"instances": 1, "cores": catalog.flavors_by_name[server.flavor].vcpus},
    Volume: lambda volume, catalog: {"volumes": 1, "volume_gb": volume.size},
    Snapshot: lambda snapshot, catalog: {"snapshots": 1},
    Image: lambda image, catalog: {"images": 1, "image_mb": imagebytes.mebibytes(image.size)},
}

ATTACHABLE_SERVER = frozenset({"ACTIVE", "SHUTOFF"})
DEVICES = tuple(f"/dev/vd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz")
MAX_VOLUME_GB = 16_384
MAX_IMAGE_BYTES = 64 << 30
DEFAULT_IMAGE_BYTES = 3_276_800  # an image made at the console or from a server whose image is gone
DISK_FORMATS = frozenset({"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"})
CONTAINER_FORMATS = frozenset({"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"})


class Provisioner:
    def __init__(self, catalog: Catalog, clock: SimClock, delays: Delays, seqs: Iterator[int], key_rng: random.Random):
        self.catalog = catalog
        self.clock = clock
        self.delays = delays
        self.seqs = seqs
        self.timeline = Timeline()
        self.spool = imagebytes.Spool()  # where uploaded images' bytes go; a durable cloud sets its own
        self._key_rng = key_rng
        self.notices: NoticeFeed | None = None  # who hears of each change; the cloud sets it, never saved
        self._creators: dict[str, Callable[[AccountTable, Mapping[str, Any], float], tuple[Row, dict[str, Any]]]] = {
            "servers": self._create_server,
            "volumes": self._create_volume,
            "snapshots": self._create_snapshot,
            "images": self._create_image,
            "subnets": self._create_subnet,
            "keypairs": self._create_keypair,
            "security_groups": self._create_security_group,
        }
        # What else happens when a row enters a status, is added (its quota granted), is acted on, or disappears.
        self._on_enter: dict[tuple[str, str], Callable[[AccountTable, Any, float], None]] = {
            ("volumes", "READY"): self._clear_attachment,
            ("servers", "DELETED"): self._release_volumes,
            ("images", "PENDING_DELETE"): self._discard_data,
        }
        self._on_add: dict[str, Callable[[AccountTable, Any], None]] = {"servers": self._assign_address}
        self._before_action: dict[tuple[str, str], Callable[[AccountTable, Any, Mapping[str, Any]], None]] = {
            ("volumes", "attach"): self._bind_volume,
        }
        self._on_purge: dict[str, Callable[[AccountTable, Any, float], None]] = {
            "volumes": self._clear_attachment,
            "servers": self._release_volumes,
            "images": self._discard_data,
        }

    def __getstate__(self) -> dict[str, Any]:
        return {**vars(self), "notices": None}

    def _told(self, table: Table[Any], row: Row) -> None:
        if self.notices is not None:
            owner = getattr(table, "owner", None)
            self.notices.changed(owner.project if owner is not None else None, table.collection, row.id)

    # -- time ---------------------------------------------------------------------------

    def settle(self) -> None:
        """Apply every transition due by now, each at its own due time."""
        for due, table, row in self.timeline.due(self.clock.now()):
            next_status = TRANSITIONS[(table.collection, row.status)][0]
            if next_status is GONE:
                self.purge(table, row, due)
            else:
                self.set_status(table, row, next_status, due)

    def set_status(self, table: AccountTable, row: Stateful, status: str, at: float) -> None:
        row.status = status
        hook = self._on_enter.get((table.collection, status))
        if hook:
            hook(table, row, at)
        transition = TRANSITIONS.get((table.collection, status))
        if transition:
            due = at + getattr(self.delays, transition[1])
            self.timeline.schedule(due, table, row)
            if self.notices is not None:
                self.notices.wake(due)
        else:
            row.step = 0
        self._told(table, row)

    def purge(self, table: AccountTable, row: Any, at: float) -> None:
        """The row disappears, whatever its status; what referred to it lets go."""
        if isinstance(row, Stateful):
            row.step = 0
        hook = self._on_purge.get(table.collection)
        if hook:
            hook(table, row, at)
        table.remove(row)
        table.owner.release(self.usage(row))
        self._told(table, row)

    def usage(self, row: Row) -> dict[str, int]:
        """What a row counts against its account's quotas."""
        counted = QUOTA_USAGE.get(type(row))
        return counted(row, self.catalog) if counted else {}

    # -- requests -----------------------------------------------------------------------

    def create(self, account: Account, region: str, collection: str, spec: Mapping[str, Any]) -> tuple[Row, dict]:
        """A new row, plus anything only the create response carries (a generated private key)."""
        if collection not in CREATE_PARAMS:
            raise params.invalid(f"cannot create {collection}")
        params.check_fields(spec, *CREATE_PARAMS[collection])
        table = account.table(region, collection)
        row, extra = self._creators[collection](table, spec, self.clock.now())
        account.charge(self.usage(row))
        table.add(row)
        hook = self._on_add.get(collection)
        if hook:
            hook(table, row)
        if isinstance(row, Stateful):
            self.set_status(table, row, row.status, row.created)
        else:
            self._told(table, row)
        return row, extra

    def update(self, table: AccountTable, row: Any, changes: Mapping[str, Any]) -> None:
        params.check_fields(changes, (), UPDATABLE.get(table.collection, ()))
        parsed = {field: FIELD_PARSERS[field](value) for field, value in changes.items() if field != "size"}
        if "size" in changes:
            self._grow(table, row, changes["size"])
        for field, value in parsed.items():
            setattr(row, field, value)
        self._told(table, row)

    def delete(self, table: AccountTable, row: Any) -> None:
        allowed, then = DELETIONS[table.collection]
        if isinstance(row, Stateful) and row.status in LEAVING:
            return
        if allowed is not None and row.status not in allowed:
            raise SimApiError("InvalidState", f"{row.id} cannot be deleted while {row.status}")
        used_by = USED_BY_SERVERS.get(table.collection)
        if used_by:
            users = [
                server.id
                for server in self.servers_of(table).rows.values()
                if server.status != "DELETED" and used_by(server, row.id)
            ]
            if users:
                raise SimApiError("InvalidState", f"{row.id} is in use by {', '.join(users[:5])}")
        if then is GONE:
            self.purge(table, row, self.clock.now())
        else:
            self.set_status(table, row, then, self.clock.now())

    def perform(self, table: AccountTable, row: Any, action: str, spec: Mapping[str, Any]) -> None:
        key = (table.collection, action)
        if key not in ACTIONS:
            raise params.invalid(f"{table.collection} have no action {action!r}")
        params.check_fields(spec, *ACTION_PARAMS.get(key, ((), ())))
        allowed, then = ACTIONS[key]
        if row.status not in allowed:
            raise SimApiError("InvalidState", f"cannot {action} {row.id} while {row.status}")
        prepare = self._before_action.get(key)
        if prepare:
            prepare(table, row, spec)
        self.set_status(table, row, then, self.clock.now())

    def find(self, table: AccountTable, cloud_id: str) -> Any:
        row = table.find(cloud_id) if isinstance(cloud_id, str) else None
        if row is None:
            raise SimApiError("NotFound", f"no {table.collection} {cloud_id!r}")
        return row

    def locate(self, account: Account, collection: str, cloud_id: str) -> tuple[AccountTable, Any]:
        """Find a row of `collection` in whichever region holds it."""
        for table in account.tables():
            row = table.find(cloud_id) if table.collection == collection else None
            if row is not None:
                return table, row
        raise SimApiError("NotFound", f"no {collection} {cloud_id!r}")

    def servers_of(self, table: AccountTable) -> AccountTable:
        return table.owner.table(table.region, "servers")

    def pool(self, region: str) -> IPv4Network:
        """Where a region's subnets get their CIDR when none is asked for."""
        return IPv4Network(f"10.{list(self.catalog.regions).index(region)}.0.0/16")

    # -- creators: validate, then build the row (the caller charges and stores it) ---------

    def _create_server(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        region, owner = table.region, table.owner
        flavor = self.catalog.flavors_by_name.get(spec["flavor_id"])
        if flavor is None:
            raise params.invalid(f"no flavor {spec['flavor_id']!r}")
        image = self._usable_image(table, spec["image_id"])
        if image.min_disk > flavor.disk:
            raise params.invalid(f"image {image.id} needs {image.min_disk} GB of disk, {flavor.name} has {flavor.disk}")
        zone = self._zone(region, spec["zone"])
        key = spec.get("key_id")
        if key is not None:
            self._reference(owner.table(region, "keypairs"), key)
        groups = params.id_list(spec.get("security_group_ids", []), "security_group_ids")
        for group in groups:
            self._reference(owner.table(region, "security_groups"), group)
        subnet_id = spec.get("subnet_id")
        if subnet_id is not None:
            self._check_subnet(owner.table(region, "subnets"), subnet_id, zone)
        server = Server(
            seq=next(self.seqs),
            name=params.text(spec["name"], "name"),
            created=now,
            tags=params.tags(spec.get("tags", {})),
            status="BUILD",
            flavor=flavor.name,
            image=image.id,
            zone=zone,
            address="",
            key=key,
            groups=groups,
            subnet=subnet_id,
        )
        return server, {}

    def _create_volume(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        size = params.integer(spec["size"], "size", 1, MAX_VOLUME_GB)
        snapshot_id = spec.get("snapshot_id")
        if snapshot_id is not None:
            snapshot = self._reference(table.owner.table(table.region, "snapshots"), snapshot_id)
            if snapshot.status != "READY":
                raise SimApiError("InvalidState", f"snapshot {snapshot_id} is {snapshot.status}")
            if size < snapshot.size:
                raise params.invalid(f"size must be at least the snapshot's {snapshot.size} GB")
        volume = Volume(
            seq=next(self.seqs),
            name=params.text(spec["name"], "name"),
            created=now,
            tags=params.tags(spec.get("tags", {})),
            status="CREATING",
            size=size,
            zone=self._zone(table.region, spec["zone"]),
            snapshot=snapshot_id,
        )
        return volume, {}

    def _create_snapshot(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        volume = self._reference(table.owner.table(table.region, "volumes"), spec["volume_id"])
        if volume.status not in {"READY", "ATTACHED"}:
            raise SimApiError("InvalidState", f"volume {volume.id} is {volume.status}")
        snapshot = Snapshot(
            seq=next(self.seqs),
            name=params.text(spec["name"], "name"),
            created=now,
            tags=params.tags(spec.get("tags", {})),
            status="CREATING",
            volume=volume.id,
            size=volume.size,
        )
        return snapshot, {}

    def _create_image(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        server_id = spec.get("server_id")
        upload = params.flag(spec.get("upload", False), "upload")
        if server_id is not None:
            if upload or {"os_type", "min_disk", "size"} & spec.keys():
                raise params.invalid("an image made from a server takes its os_type, min_disk and data from it")
            server = self._reference(self.servers_of(table), server_id)
            if server.status not in ATTACHABLE_SERVER:
                raise SimApiError("InvalidState", f"server {server_id} is {server.status}")
            source = self.find_image(table, server.image)
            os = source.os if source else "unknown"  # the server's image may have been deleted since
            min_disk = self.catalog.flavors_by_name[server.flavor].disk
            size = source.size if source else DEFAULT_IMAGE_BYTES
        elif upload:
            if "size" in spec:
                raise params.invalid("an uploaded image's size is that of its upload")
            os = params.text(spec.get("os_type", "unknown"), "os_type")
            min_disk = params.integer(spec.get("min_disk", 0), "min_disk", 0, MAX_VOLUME_GB)
            size = 0
        else:
            os = params.text(spec.get("os_type"), "os_type")
            min_disk = params.integer(spec.get("min_disk", 1), "min_disk", 0, MAX_VOLUME_GB)
            size = params.integer(spec.get("size", DEFAULT_IMAGE_BYTES), "size", 0, MAX_IMAGE_BYTES)
        image = Image(
            seq=next(self.seqs),
            name=params.text(spec["name"], "name"),
            created=now,
            tags=params.tags(spec.get("tags", {})),
            status="QUEUED" if upload else "SAVING",  # QUEUED waits for its data (`SimCloud.upload_image_data`)
            os=os,
            min_disk=min_disk,
            source=server_id,
            size=size,
            disk_format=params.choice(spec.get("disk_format", "raw"), "disk_format", DISK_FORMATS),
            container_format=params.choice(spec.get("container_format", "bare"), "container_format", CONTAINER_FORMATS),
            min_ram=params.integer(spec.get("min_ram", 0), "min_ram", 0, 1 << 20),
        )
        return image, {}

    def _create_subnet(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        zone = self._zone(table.region, spec.get("zone", self.catalog.regions[table.region][0]))
        taken = [subnet.network for subnet in table.rows.values()]
        if spec.get("cidr") is None:
            cidr = network.first_free_block(self.pool(table.region), taken)
        else:
            cidr = network.parse_cidr(spec["cidr"])
            network.check_free(cidr, taken)
        subnet = Subnet(
            seq=next(self.seqs),
            name=params.text(spec["name"], "name"),
            created=now,
            tags=params.tags(spec.get("tags", {})),
            status="BUILD",
            network=cidr,
            zone=zone,
        )
        return subnet, {}

    def _create_keypair(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        name = self._unique_name(table, spec["name"])
        extra = {}
        if spec.get("public_key") is None:
            public_key, extra["private_key"] = keys.generate_keypair(self._key_rng)
        else:
            public_key = keys.parse_public_key(spec["public_key"])
        keypair = KeyPair(
            seq=next(self.seqs), name=name, created=now, public_key=public_key, fingerprint=keys.fingerprint(public_key)
        )
        return keypair, extra

    def _create_security_group(self, table: AccountTable, spec: Mapping[str, Any], now: float) -> tuple[Row, dict]:
        group = SecurityGroup(
            seq=next(self.seqs),
            name=self._unique_name(table, spec["name"]),
            created=now,
            description=params.text(spec.get("description", ""), "description", allow_empty=True),
            rules=params.rules(spec.get("rules", [])),
        )
        return group, {}

    # -- helpers ------------------------------------------------------------------------

    def _zone(self, region: str, zone: object) -> str:
        if zone not in self.catalog.regions[region]:
            raise params.invalid(f"no zone {zone!r} in region {region}")
        return zone

    def _reference(self, table: AccountTable, cloud_id: object) -> Any:
        """The row a request parameter names; naming a missing one is the request's fault."""
        row = table.find(cloud_id) if isinstance(cloud_id, str) else None
        if row is None:
            raise params.invalid(f"no {table.collection} {cloud_id!r}")
        return row

    def find_image(self, table: AccountTable, image_id: str) -> Image | None:
        """An image the account of `table` sees in its region: a public one or its own."""
        return self.catalog.public_images.find(image_id) or table.owner.table(table.region, "images").find(image_id)

    def _usable_image(self, table: AccountTable, image_id: object) -> Image:
        image = self.find_image(table, image_id) if isinstance(image_id, str) else None
        if image is None:
            raise params.invalid(f"no image {image_id!r}")
        if image.status != "ACTIVE":
            raise SimApiError("InvalidState", f"image {image_id} is {image.status}")
        return image

    def _unique_name(self, table: AccountTable, name: object) -> str:
        name = params.text(name, "name")
        if any(row.name == name for row in table.rows.values()):
            raise SimApiError("Duplicate", f"{table.collection} {name!r} already exists")
        return name

    def _check_subnet(self, subnets: AccountTable, subnet_id: object, zone: str) -> None:
        subnet = self._reference(subnets, subnet_id)
        if subnet.status != "ACTIVE":
            raise SimApiError("InvalidState", f"subnet {subnet.id} is {subnet.status}")
        if subnet.zone != zone:
            raise params.invalid(f"subnet {subnet.id} is in {subnet.zone}, not {zone}")
        if subnet.next_host >= subnet.network.num_addresses - 2:
            raise SimApiError("InvalidState", f"subnet {subnet.id} has no free address left")

    def _assign_address(self, table: AccountTable, server: Server) -> None:
        if server.subnet is None:
            server.address = network.host_address(network.DEFAULT_NETWORK, server.seq)
            return
        subnet = self.find(table.owner.table(table.region, "subnets"), server.subnet)
        server.address = network.host_address(subnet.network, subnet.next_host)
        subnet.next_host += 1

    def _grow(self, table: AccountTable, volume: Volume, size: object) -> None:
        size = params.integer(size, "size", 1, MAX_VOLUME_GB)
        if size <= volume.size:
            raise params.invalid(f"volumes only grow: {volume.id} has {volume.size} GB")
        if volume.status not in {"READY", "ATTACHED"}:
            raise SimApiError("InvalidState", f"volume {volume.id} is {volume.status}")
        table.owner.charge({"volume_gb": size - volume.size})
        volume.size = size

    def _bind_volume(self, table: AccountTable, volume: Volume, spec: Mapping[str, Any]) -> None:
        servers = self.servers_of(table)
        server = self._reference(servers, spec["server_id"])
        if server.status not in ATTACHABLE_SERVER:
            raise SimApiError("InvalidState", f"server {server.id} is {server.status}")
        if server.zone != volume.zone:
            raise params.invalid(f"volume {volume.id} is in {volume.zone}, server {server.id} in {server.zone}")
        in_use = {self.find(table, other).device for other in server.volumes or ()}
        device = spec.get("device") or next((d for d in DEVICES if d not in in_use), None)
        if device is None or device in in_use or not isinstance(device, str):
            raise params.invalid(f"device {device!r} is not free on server {server.id}")
        volume.server, volume.device = server.id, device
        server.volumes = [*(server.volumes or ()), volume.id]

    def _clear_attachment(self, table: AccountTable, volume: Volume, at: float) -> None:
        if volume.server is None:
            return
        server = self.servers_of(table).find(volume.server)
        if server is not None and server.volumes:
            server.volumes = [v for v in server.volumes if v != volume.id] or None
        volume.server = volume.device = None

    def _discard_data(self, table: AccountTable, image: Image, at: float) -> None:
        """A deleted image's uploaded bytes go at once; a read under way finds the image gone at its next chunk."""
        self.spool.discard(image.spool)
        image.spool = None

    def _release_volumes(self, table: AccountTable, server: Server, at: float) -> None:
        volumes = table.owner.table(table.region, "volumes")
        for volume_id in tuple(server.volumes or ()):
            volume = volumes.find(volume_id)
            if volume is not None:
                self.set_status(volumes, volume, "READY", at)
        server.volumes = None
