"""What Apache Libcloud offers portably, against cloudgate's vocabulary: methods per kind, states, errors.

A provider's capabilities are read off its driver class: a kind or an operation is declared
when the class implements the NodeDriver method for it (rather than inheriting the base
method, which raises NotImplementedError).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from libcloud.compute.base import NodeDriver

from cloudgate.drivers.base import Capabilities
from cloudgate.errors import CloudAuthFailed, CloudgateError, Conflict, NotFound, Throttled, Unavailable
from cloudgate.model import CloudResource, Kind

# Kind -> the NodeDriver methods that must be implemented to list it.
LIST_METHODS: dict[Kind, tuple[str, ...]] = {
    Kind.INSTANCE: ("list_nodes",),
    Kind.IMAGE: ("list_images",),
    Kind.FLAVOR: ("list_sizes",),
    Kind.DATACENTER: ("list_locations",),
    Kind.VOLUME: ("list_volumes",),
    Kind.SNAPSHOT: ("list_volumes", "list_volume_snapshots"),  # snapshots are listed volume by volume
    Kind.KEYPAIR: ("list_key_pairs",),
}
CREATE_METHODS: dict[Kind, str] = {
    Kind.INSTANCE: "create_node",
    Kind.VOLUME: "create_volume",
    Kind.SNAPSHOT: "create_volume_snapshot",
    Kind.KEYPAIR: "create_key_pair",
}
# A create method used instead when the spec carries this field.
ALTERNATE_CREATE_METHODS: dict[Kind, tuple[str, str]] = {Kind.KEYPAIR: ("public_key", "import_key_pair_from_string")}
DESTROY_METHODS: dict[Kind, str] = {
    Kind.INSTANCE: "destroy_node",
    Kind.VOLUME: "destroy_volume",
    Kind.SNAPSHOT: "destroy_volume_snapshot",
    Kind.IMAGE: "delete_image",
    Kind.KEYPAIR: "delete_key_pair",
}
ACTION_METHODS: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {"start": "start_node", "stop": "stop_node", "reboot": "reboot_node"},
    Kind.VOLUME: {"attach": "attach_volume", "detach": "detach_volume"},
}

# Generic create fields -> (create method argument, kind of object it refers to, or None for a plain value).
CREATE_ARGS: dict[Kind, dict[str, tuple[str, Kind | None]]] = {
    Kind.INSTANCE: {
        "name": ("name", None),
        "flavor": ("size", Kind.FLAVOR),
        "image": ("image", Kind.IMAGE),
        "datacenter": ("location", Kind.DATACENTER),
    },
    Kind.VOLUME: {"name": ("name", None), "size_gb": ("size", None), "datacenter": ("location", Kind.DATACENTER)},
    Kind.SNAPSHOT: {"name": ("name", None), "volume": ("volume", Kind.VOLUME)},
    Kind.KEYPAIR: {"name": ("name", None), "public_key": ("key_material", None)},
}
REQUIRED_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.INSTANCE: frozenset({"flavor", "image"}),
    Kind.VOLUME: frozenset({"size_gb"}),
    Kind.SNAPSHOT: frozenset({"volume"}),
    Kind.KEYPAIR: frozenset(),
}
# Generic action params -> (method argument, kind of object it refers to).
ACTION_ARGS: dict[str, dict[str, tuple[str, Kind | None]]] = {
    "attach": {"instance": ("node", Kind.INSTANCE), "device": ("device", None)},
}
ACTION_REQUIRED: dict[str, frozenset[str]] = {"attach": frozenset({"instance"})}

NODE_STATES: dict[str, str] = {
    "running": "running",
    "starting": "pending",
    "rebooting": "rebooting",
    "terminated": "terminated",
    "pending": "pending",
    "unknown": "error",
    "stopping": "stopping",
    "stopped": "stopped",
    "suspended": "stopped",
    "error": "error",
    "paused": "stopped",
    "reconfiguring": "pending",
    "migrating": "running",  # the guest keeps running while it moves
    "normal": "running",
    "updating": "pending",
}
VOLUME_STATES: dict[str, str] = {
    "available": "available",
    "error": "error",
    "inuse": "in_use",
    "creating": "creating",
    "deleting": "deleting",
    "deleted": "deleted",
    "backup": "available",
    "attaching": "attaching",
    "unknown": "error",
    "migrating": "available",
    "updating": "available",
}
SNAPSHOT_STATES: dict[str, str] = {
    "available": "available",
    "error": "error",
    "creating": "pending",
    "deleting": "deleting",
    "restoring": "available",
    "unknown": "error",
    "updating": "available",
}
# Kind -> native state -> normalized state; kinds absent here have no state of their own.
STATES: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: NODE_STATES,
    Kind.VOLUME: VOLUME_STATES,
    Kind.SNAPSHOT: SNAPSHOT_STATES,
}

# Keys under which providers put a size's processor count in its extras.
VCPU_KEYS: tuple[str, ...] = ("vcpus", "vcpu", "cpus", "cpu", "cores")

# HTTP status a provider answered -> cloudgate error.
HTTP_ERRORS: dict[int, type[CloudgateError]] = {
    401: CloudAuthFailed,
    403: CloudAuthFailed,
    404: NotFound,
    409: Conflict,
    429: Throttled,
    500: Unavailable,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def implements(cls: type[NodeDriver], method: str) -> bool:
    return getattr(cls, method, None) is not getattr(NodeDriver, method, None)


def capabilities_of(cls: type[NodeDriver]) -> Capabilities:
    """What a libcloud provider's driver class implements, as cloudgate capabilities."""
    kinds = frozenset(kind for kind, methods in LIST_METHODS.items() if all(implements(cls, m) for m in methods))
    actions = {
        kind: frozenset(action for action, method in methods.items() if implements(cls, method))
        for kind, methods in ACTION_METHODS.items()
        if kind in kinds
    }
    return Capabilities(
        kinds=kinds,
        create=frozenset(kind for kind, method in CREATE_METHODS.items() if kind in kinds and implements(cls, method)),
        destroy=frozenset(
            kind for kind, method in DESTROY_METHODS.items() if kind in kinds and implements(cls, method)
        ),
        actions={kind: found for kind, found in actions.items() if found},
    )


def plain(value: Any) -> Any:
    """A provider's extras as JSON can hold them: objects become their text."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _id(thing: Any) -> str | None:
    return None if thing is None else str(thing.id)


def _vcpus(size: Any) -> Any:
    extra = size.extra or {}
    return next((extra[key] for key in VCPU_KEYS if extra.get(key) is not None), None)


# Libcloud object -> generic attrs, per kind.
ATTRS: dict[Kind, Callable[[Any], dict[str, Any]]] = {
    Kind.INSTANCE: lambda node: {
        "flavor": _id(node.size),
        "image": _id(node.image),
        "datacenter": None,
        "addresses": [*node.public_ips, *node.private_ips],
        "keypair": None,
        "security_groups": [],
        "subnet": None,
    },
    Kind.IMAGE: lambda image: {"os": None, "min_disk_gb": None, "visibility": None},
    Kind.FLAVOR: lambda size: {"vcpus": _vcpus(size), "ram_mb": size.ram, "disk_gb": size.disk},
    Kind.DATACENTER: lambda location: {"type": "zone", "region": None, "parent": None},
    Kind.VOLUME: lambda volume: {"size_gb": volume.size, "datacenter": None, "attached_to": None, "device": None},
    Kind.SNAPSHOT: lambda snapshot: {"volume": None, "size_gb": snapshot.size},
    Kind.KEYPAIR: lambda pair: {"fingerprint": pair.fingerprint, "public_key": pair.public_key},
}

# Libcloud object -> the fields kept as the cloud gave them, per kind.
CLOUD_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.INSTANCE: ("state", "public_ips", "private_ips", "extra"),
    Kind.IMAGE: ("extra",),
    Kind.FLAVOR: ("ram", "disk", "bandwidth", "price", "extra"),
    Kind.DATACENTER: ("country", "extra"),
    Kind.VOLUME: ("size", "state", "extra"),
    Kind.SNAPSHOT: ("size", "state", "created", "extra"),
    Kind.KEYPAIR: ("fingerprint", "extra"),
}

# The attribute naming each kind's objects (the rest use "id").
ID_FIELDS: dict[Kind, str] = {Kind.KEYPAIR: "name"}


def normalize(kind: Kind, thing: Any) -> CloudResource:
    native_state = getattr(thing, "state", None) if kind in STATES else None
    return CloudResource(
        kind=kind,
        cloud_id=str(getattr(thing, ID_FIELDS.get(kind, "id"))),
        name=str(getattr(thing, "name", None) or ""),
        state=STATES[kind].get(str(native_state), "error") if kind in STATES else "available",
        cloud_state=None if native_state is None else str(native_state),
        attrs=ATTRS[kind](thing),
        cloud_attrs={name: plain(getattr(thing, name, None)) for name in CLOUD_FIELDS[kind]},
    )
