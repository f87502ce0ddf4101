"""Every difference between OpenStack's vocabulary and cloudgate's, as tables.

States, tag styles, security group rules, create and edit fields, actions: the service modules
fetch and call, and look everything else up here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from cloudgate.errors import InvalidRequest
from cloudgate.model import CloudResource, Kind

# Native status -> normalized state, per kind. None stands for "the cloud reports no status".
STATES: dict[Kind, dict[str | None, str]] = {
    Kind.INSTANCE: {  # nova server status
        "BUILD": "pending",
        "ACTIVE": "running",
        "SHUTOFF": "stopped",
        "REBOOT": "rebooting",
        "HARD_REBOOT": "rebooting",
        "PAUSED": "stopped",
        "SUSPENDED": "stopped",
        "SHELVED": "stopped",
        "SHELVED_OFFLOADED": "stopped",
        "RESCUE": "running",
        "RESIZE": "pending",
        "VERIFY_RESIZE": "running",
        "REVERT_RESIZE": "pending",
        "MIGRATING": "running",
        "REBUILD": "pending",
        "PASSWORD": "running",
        "SOFT_DELETED": "terminated",
        "DELETED": "terminated",
        "ERROR": "error",
        "UNKNOWN": "error",
    },
    Kind.VOLUME: {  # cinder volume status
        "creating": "creating",
        "available": "available",
        "reserved": "attaching",
        "attaching": "attaching",
        "in-use": "in_use",
        "detaching": "detaching",
        "deleting": "deleting",
        # Busy, still holding its data: cloud_state says with what.
        "maintenance": "available",
        "extending": "available",
        "retyping": "available",
        "backing-up": "available",
        "restoring-backup": "available",
        "downloading": "creating",
        "uploading": "available",
        "awaiting-transfer": "available",
        "error": "error",
        "error_deleting": "error",
        "error_backing-up": "error",
        "error_restoring": "error",
        "error_extending": "error",
        "error_managing": "error",
    },
    Kind.SNAPSHOT: {  # cinder snapshot status
        "creating": "pending",
        "available": "available",
        "backing-up": "available",
        "restoring": "available",
        "deleting": "deleting",
        "unmanaging": "deleting",
        "deleted": "deleted",
        "error": "error",
        "error_deleting": "error",
    },
    Kind.IMAGE: {  # glance image status
        "queued": "pending",
        "saving": "pending",
        "uploading": "pending",
        "importing": "pending",
        "active": "available",
        "pending_delete": "deleting",
        "deleted": "deleted",
        "killed": "error",
        "deactivated": "error",  # unusable until an admin reactivates it
    },
    Kind.SUBNET: {  # the status of the subnet's neutron network
        "BUILD": "pending",
        "ACTIVE": "available",
        "DOWN": "error",  # administratively down: nothing passes
        "ERROR": "error",
    },
    Kind.DATACENTER: {"available": "available", "unavailable": "unavailable"},
    Kind.FLAVOR: {None: "available"},
    Kind.KEYPAIR: {None: "available"},
    Kind.SECURITY_GROUP: {None: "available"},
}

# A nova task under way says more than the server's status (which stays ACTIVE while it stops).
INSTANCE_TASK_STATES: dict[str, str] = {
    "scheduling": "pending",
    "block_device_mapping": "pending",
    "networking": "pending",
    "spawning": "pending",
    "powering-off": "stopping",
    "powering-on": "pending",
    "rebooting": "rebooting",
    "reboot_pending": "rebooting",
    "reboot_started": "rebooting",
    "rebooting_hard": "rebooting",
    "reboot_pending_hard": "rebooting",
    "reboot_started_hard": "rebooting",
    "deleting": "stopping",  # not terminated until nova lists it no more
    "soft-deleting": "stopping",
}


def state_of(kind: Kind, status: str | None, task_state: str | None = None) -> str:
    if kind == Kind.INSTANCE and task_state in INSTANCE_TASK_STATES:
        return INSTANCE_TASK_STATES[task_state]
    return STATES[kind].get(status, "error")


# -- tags --------------------------------------------------------------------------------------
# nova and cinder keep key/value metadata; glance and neutron keep a list of strings, where a
# cloudgate tag is written "key=value".
METADATA, LABELS = "metadata", "labels"
TAG_STYLES: dict[Kind, str] = {
    Kind.INSTANCE: METADATA,
    Kind.VOLUME: METADATA,
    Kind.SNAPSHOT: METADATA,
    Kind.IMAGE: LABELS,
    Kind.SUBNET: LABELS,
    Kind.SECURITY_GROUP: LABELS,
}


def tags_from_native(kind: Kind, native: Any) -> dict[str, str]:
    if TAG_STYLES.get(kind) == METADATA:
        return {str(k): str(v) for k, v in (native or {}).items()}
    if TAG_STYLES.get(kind) == LABELS:
        return dict(label.partition("=")[::2] for label in native or ())
    return {}


def tags_to_native(kind: Kind, tags: Any) -> dict[str, str] | list[str]:
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise InvalidRequest("tags must be an object of strings")
    if TAG_STYLES[kind] == METADATA:
        return dict(tags)
    if any("=" in key or "," in key + value for key, value in tags.items()):
        raise InvalidRequest("on OpenStack, tag keys cannot hold '=' and tags cannot hold ','")
    return sorted(f"{key}={value}" for key, value in tags.items())


# -- security group rules -------------------------------------------------------------------------
# Generic rule field -> neutron rule field.
RULE_FIELDS: dict[str, str] = {
    "direction": "direction",
    "protocol": "protocol",
    "from_port": "port_range_min",
    "to_port": "port_range_max",
    "cidr": "remote_ip_prefix",
    "group": "remote_group_id",  # shown only on rules that admit a group's members
}
DIRECTIONS = frozenset({"ingress", "egress"})
PROTOCOLS: dict[str, str | None] = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": None}
# A rule with neither remote prefix nor group admits every address of its IP version.
ANY_ADDRESS: dict[str, str] = {"IPv4": "0.0.0.0/0", "IPv6": "::/0"}


def rule_from_native(rule: Mapping[str, Any]) -> dict[str, Any]:
    generic = {field: rule.get(native) for field, native in RULE_FIELDS.items() if field != "group"}
    generic["protocol"] = next((g for g, n in PROTOCOLS.items() if n == rule.get("protocol")), rule.get("protocol"))
    if rule.get("remote_group_id"):
        generic["group"] = rule["remote_group_id"]
    elif generic["cidr"] is None:
        generic["cidr"] = ANY_ADDRESS.get(rule.get("ethertype") or "IPv4")
    return generic


def rule_sort_key(rule: Mapping[str, Any]) -> tuple:
    return tuple(str(rule.get(field)) for field in RULE_FIELDS)


def rule_to_native(rule: Any) -> dict[str, Any]:
    """A neutron rule from a generic one, checked."""
    if not isinstance(rule, Mapping):
        raise InvalidRequest("each rule must be an object")
    unknown = set(rule) - RULE_FIELDS.keys()
    if unknown:
        raise InvalidRequest(f"unknown rule fields: {', '.join(sorted(unknown))}")
    if rule.get("direction") not in DIRECTIONS:
        raise InvalidRequest(f"rule direction must be one of {', '.join(sorted(DIRECTIONS))}")
    protocol = rule.get("protocol", "any")
    if protocol not in PROTOCOLS:
        raise InvalidRequest(f"rule protocol must be one of {', '.join(PROTOCOLS)}")
    low, high = rule.get("from_port"), rule.get("to_port")
    if any(p is not None and not (isinstance(p, int) and 0 <= p <= 65535) for p in (low, high)) or (
        low is not None and high is not None and low > high
    ):
        raise InvalidRequest("rule ports must be 0-65535, from_port <= to_port")
    cidr = rule.get("cidr")
    try:
        network = ipaddress.ip_network(cidr) if cidr is not None else None
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"rule cidr {cidr!r} is not a network") from exc
    native = {RULE_FIELDS[field]: value for field, value in rule.items()}
    native["protocol"] = PROTOCOLS[protocol]
    native["ethertype"] = "IPv6" if network is not None and network.version == 6 else "IPv4"
    return native


def rules_to_native(rules: Any) -> list[dict[str, Any]]:
    if not isinstance(rules, list):
        raise InvalidRequest("rules must be a list of objects")
    return [rule_to_native(rule) for rule in rules]


# -- create, edit, act ------------------------------------------------------------------------------
# Generic create fields -> the native names the service modules take, per kind.
CREATE_FIELDS: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {
        "name": "name",
        "flavor": "flavor_id",
        "image": "image_id",
        "datacenter": "availability_zone",
        "keypair": "key_name",
        "security_groups": "security_groups",
        "subnet": "subnet_id",
        "tags": "metadata",
    },
    Kind.VOLUME: {
        "name": "name",
        "size_gb": "size",
        "datacenter": "availability_zone",
        "snapshot": "snapshot_id",
        "tags": "metadata",
    },
    Kind.SNAPSHOT: {"name": "name", "volume": "volume_id", "tags": "metadata"},
    Kind.IMAGE: {"name": "name", "instance": "server_id", "tags": "tags"},
    Kind.SUBNET: {"name": "name", "cidr": "cidr", "tags": "tags"},
    Kind.KEYPAIR: {"name": "name", "public_key": "public_key"},
    Kind.SECURITY_GROUP: {"name": "name", "description": "description", "rules": "rules", "tags": "tags"},
}

# Create fields that must be present, beyond "name".
REQUIRED_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.INSTANCE: frozenset({"flavor", "image"}),
    Kind.VOLUME: frozenset({"size_gb"}),
    Kind.SNAPSHOT: frozenset({"volume"}),
    Kind.IMAGE: frozenset({"instance"}),
    Kind.SUBNET: frozenset(),
    Kind.KEYPAIR: frozenset(),
    Kind.SECURITY_GROUP: frozenset(),
}

# Generic editable fields -> native names, per kind.
EDIT_FIELDS: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {"name": "name", "tags": "metadata"},
    Kind.VOLUME: {"name": "name", "size_gb": "size", "tags": "metadata"},
    Kind.SNAPSHOT: {"name": "name", "tags": "metadata"},
    Kind.IMAGE: {"name": "name", "tags": "tags"},
    Kind.SUBNET: {"name": "name", "tags": "tags"},
    Kind.SECURITY_GROUP: {"name": "name", "description": "description", "rules": "rules", "tags": "tags"},
}

# -- image data ---------------------------------------------------------------------------------------
# An image written from another cloud's data (`write_image`): spec field -> glance's image field.
UPLOAD_FIELDS: dict[str, str] = {
    "name": "name",
    "disk_format": "disk_format",
    "container_format": "container_format",
    "min_disk": "min_disk",
    "min_ram": "min_ram",
    "tags": "tags",
}
# What glance needs of an image before it takes its data, when the spec does not say; private to the project
# as the gateway's images are (glance's own default is "shared").
UPLOAD_DEFAULTS: dict[str, str] = {"disk_format": "raw", "container_format": "bare", "visibility": "private"}
# glance's fields that an image's data carries along as its properties (`ImageData.properties`).
DATA_PROPERTIES = ("disk_format", "container_format", "min_disk", "min_ram")
# glance's statuses after an upload: on the way to active (the file store is there at once; others take a while).
SETTLING_IMAGE = frozenset({"saving", "uploading", "importing"})


def checksums_from_native(raw: Mapping[str, Any]) -> dict[str, str]:
    """glance's checksums of an image's data: `checksum` (md5), and `os_hash_value` by `os_hash_algo` (sha512
    unless glance is configured otherwise)."""
    found = {"md5": raw.get("checksum"), raw.get("os_hash_algo") or "": raw.get("os_hash_value")}
    return {algorithm: digest for algorithm, digest in found.items() if algorithm and digest}


# Generic action -> the action's generic params -> native names, per kind.
ACTIONS: dict[Kind, dict[str, dict[str, str]]] = {
    Kind.INSTANCE: {"start": {}, "stop": {}, "reboot": {}},
    Kind.VOLUME: {"attach": {"instance": "server_id", "device": "device"}, "detach": {}},
}


# Action params that must be present.
ACTION_REQUIRED: dict[tuple[Kind, str], frozenset[str]] = {(Kind.VOLUME, "attach"): frozenset({"instance"})}


def to_native(kind: Kind, fields: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - fields.keys()
    if unknown:
        raise InvalidRequest(f"unknown fields: {', '.join(sorted(unknown))}")
    converters: dict[str, Callable[[Any], Any]] = {
        "tags": lambda tags: tags_to_native(kind, tags),
        "rules": rules_to_native,
    }
    return {fields[key]: converters.get(key, _same)(value) for key, value in values.items()}


def _same(value: Any) -> Any:
    return value


def native(sdk_resource: Any) -> dict[str, Any]:
    """An openstacksdk resource as the API returned it: `to_dict()` would rename its fields and
    nested objects in openstacksdk's own terms (and invent ids for them)."""
    return dict(sdk_resource._body.attributes)


def resource(
    kind: Kind, raw: dict[str, Any], attrs: dict[str, Any], *, status: str | None = None,
    task_state: str | None = None, tags: Any = None, public: bool = False, name: str | None = None,
) -> CloudResource:  # fmt: skip
    """A normalized resource from a native one (`raw`, kept as the cloud gave it) and its generic attrs."""
    return CloudResource(
        kind=kind,
        cloud_id=str(raw["id"]),
        name=name if name is not None else raw.get("name") or "",
        state=state_of(kind, status, task_state),
        cloud_state=status,
        attrs=attrs,
        cloud_attrs=raw,
        tags=tags_from_native(kind, tags),
        public=public,
    )
