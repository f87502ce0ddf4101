"""Every difference between the sim cloud's vocabulary and cloudgate's, as tables.

Collections, states, error codes, attribute and field names, actions: the driver only
looks things up here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cloudgate.drivers.sim.native import SimApiError
from cloudgate.errors import (
    CloudAuthFailed,
    CloudgateError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    Unavailable,
    Unsupported,
)
from cloudgate.model import CloudResource, Kind

COLLECTIONS: dict[Kind, str] = {
    Kind.DATACENTER: "locations",
    Kind.FLAVOR: "flavors",
    Kind.IMAGE: "images",
    Kind.INSTANCE: "servers",
    Kind.VOLUME: "volumes",
    Kind.SNAPSHOT: "snapshots",
    Kind.SUBNET: "subnets",
    Kind.KEYPAIR: "keypairs",
    Kind.SECURITY_GROUP: "security_groups",
}

# Native status -> normalized state, per kind. None stands for "the cloud reports no status".
STATES: dict[Kind, dict[str | None, str]] = {
    Kind.INSTANCE: {
        "BUILD": "pending",
        "ACTIVE": "running",
        "POWERING_OFF": "stopping",
        "SHUTOFF": "stopped",
        "POWERING_ON": "pending",
        "REBOOT": "rebooting",
        "DELETING": "stopping",  # still shutting down: not terminated until DELETED
        "DELETED": "terminated",
        "ERROR": "error",
    },
    Kind.VOLUME: {
        "CREATING": "creating",
        "READY": "available",
        "ATTACHING": "attaching",
        "ATTACHED": "in_use",
        "DETACHING": "detaching",
        "DELETING": "deleting",
        "ERROR": "error",
    },
    Kind.SNAPSHOT: {"CREATING": "pending", "READY": "available", "DELETING": "deleting", "ERROR": "error"},
    Kind.IMAGE: {
        "QUEUED": "pending",
        "UPLOADING": "pending",
        "SAVING": "pending",
        "ACTIVE": "available",
        "PENDING_DELETE": "deleting",
        "KILLED": "error",
    },
    Kind.SUBNET: {"BUILD": "pending", "ACTIVE": "available", "ERROR": "error"},
    Kind.DATACENTER: {"UP": "available", "DOWN": "unavailable"},
    Kind.FLAVOR: {None: "available"},
    Kind.KEYPAIR: {None: "available"},
    Kind.SECURITY_GROUP: {None: "available"},
}

ERRORS: dict[str, type[CloudgateError]] = {
    "AuthFailure": CloudAuthFailed,
    "NotFound": NotFound,
    "InvalidParameter": InvalidRequest,
    "InvalidState": Conflict,
    "Duplicate": Conflict,
    "CidrConflict": Conflict,
    "QuotaExceeded": QuotaExceeded,
    "RequestLimitExceeded": Throttled,
    "ServiceUnavailable": Unavailable,
    "InternalError": Unavailable,  # a failure on the cloud's side: worth retrying later
    "NotSupported": Unsupported,
}

DATACENTER_TYPES: dict[str, str] = {"REGION": "region", "ZONE": "zone"}

# Security group rule fields, and the values that differ: generic -> native.
RULE_FIELDS: dict[str, str] = {
    "direction": "direction",
    "protocol": "ip_protocol",
    "from_port": "port_min",
    "to_port": "port_max",
    "cidr": "remote_cidr",
}
RULE_VALUES: dict[str, dict[str, str]] = {
    "direction": {"ingress": "in", "egress": "out"},
    "protocol": {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "all"},
}

# Generic create fields -> native parameters, per kind.
CREATE_FIELDS: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {
        "name": "name",
        "flavor": "flavor_id",
        "image": "image_id",
        "datacenter": "zone",
        "keypair": "key_id",
        "security_groups": "security_group_ids",
        "subnet": "subnet_id",
        "tags": "tags",
    },
    Kind.VOLUME: {"name": "name", "size_gb": "size", "datacenter": "zone", "snapshot": "snapshot_id", "tags": "tags"},
    Kind.SNAPSHOT: {"name": "name", "volume": "volume_id", "tags": "tags"},
    Kind.IMAGE: {"name": "name", "instance": "server_id", "tags": "tags"},
    Kind.SUBNET: {"name": "name", "cidr": "cidr", "datacenter": "zone", "tags": "tags"},
    Kind.KEYPAIR: {"name": "name", "public_key": "public_key"},
    Kind.SECURITY_GROUP: {"name": "name", "description": "description", "rules": "rules"},
}

# An image written from another cloud's data (`write_image`): spec field -> native create parameter.
UPLOAD_FIELDS: dict[str, str] = {
    "name": "name",
    "disk_format": "disk_format",
    "container_format": "container_format",
    "min_disk": "min_disk",
    "min_ram": "min_ram",
    "tags": "tags",
}

# An image's native fields that its data carries along as properties (`ImageData.properties`).
IMAGE_PROPERTIES: dict[str, str] = {
    "disk_format": "disk_format",
    "container_format": "container_format",
    "min_disk": "min_disk",
    "min_ram": "min_ram",
}

# Create fields that must be present, beyond "name".
REQUIRED_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.INSTANCE: frozenset({"flavor", "image", "datacenter"}),
    Kind.VOLUME: frozenset({"size_gb", "datacenter"}),
    Kind.SNAPSHOT: frozenset({"volume"}),
    Kind.IMAGE: frozenset({"instance"}),
    Kind.SUBNET: frozenset(),
    Kind.KEYPAIR: frozenset(),
    Kind.SECURITY_GROUP: frozenset(),
}

# Generic editable fields -> native update fields, per kind.
EDIT_FIELDS: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {"name": "name", "tags": "tags"},
    Kind.VOLUME: {"name": "name", "size_gb": "size", "tags": "tags"},
    Kind.SNAPSHOT: {"name": "name", "tags": "tags"},
    Kind.IMAGE: {"name": "name", "tags": "tags"},
    Kind.SUBNET: {"name": "name", "tags": "tags"},
    Kind.SECURITY_GROUP: {"description": "description", "rules": "rules"},
}

# Generic action -> (native action, generic params -> native params), per kind.
ACTIONS: dict[Kind, dict[str, tuple[str, dict[str, str]]]] = {
    Kind.INSTANCE: {"start": ("start", {}), "stop": ("stop", {}), "reboot": ("reboot", {})},
    Kind.VOLUME: {"attach": ("attach", {"instance": "server_id", "device": "device"}), "detach": ("detach", {})},
}


def rules_to_native(rules: Any) -> list[dict[str, Any]]:
    if not isinstance(rules, list) or not all(isinstance(rule, Mapping) for rule in rules):
        raise InvalidRequest("rules must be a list of objects")
    return [_rule_to_native(rule) for rule in rules]


def _rule_to_native(rule: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(rule) - RULE_FIELDS.keys()
    if unknown:
        raise InvalidRequest(f"unknown rule fields: {', '.join(sorted(unknown))}")
    native = {RULE_FIELDS[field]: value for field, value in rule.items()}
    for field, values in RULE_VALUES.items():
        if field in rule:
            if not (isinstance(rule[field], str) and rule[field] in values):
                raise InvalidRequest(f"rule {field} must be one of {', '.join(values)}")
            native[RULE_FIELDS[field]] = values[rule[field]]
    return native


_GENERIC_RULE_FIELDS = {native: generic for generic, native in RULE_FIELDS.items()}
_GENERIC_RULE_VALUES = {field: {n: g for g, n in values.items()} for field, values in RULE_VALUES.items()}


def rules_from_native(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    generic_rules = []
    for rule in rules:
        generic = {_GENERIC_RULE_FIELDS[field]: value for field, value in rule.items()}
        for field, values in _GENERIC_RULE_VALUES.items():
            generic[field] = values[generic[field]]
        generic_rules.append(generic)
    return generic_rules


# Generic field -> converter of its value to the native form (identity when absent).
VALUES_TO_NATIVE: dict[str, Callable[[Any], Any]] = {"rules": rules_to_native}


def to_native(fields: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - fields.keys()
    if unknown:
        raise InvalidRequest(f"unknown fields: {', '.join(sorted(unknown))}")
    return {fields[key]: VALUES_TO_NATIVE.get(key, _same)(value) for key, value in values.items()}


def _same(value: Any) -> Any:
    return value


# Native resource -> generic attrs, per kind. References stay the cloud's ids.
ATTRS: dict[Kind, Callable[[dict[str, Any]], dict[str, Any]]] = {
    Kind.INSTANCE: lambda raw: {
        "flavor": raw["flavor_id"],
        "image": raw["image_id"],
        "datacenter": raw["zone"],
        "addresses": [address for addresses in raw["addresses"].values() for address in addresses],
        "keypair": raw["key_id"],
        "security_groups": list(raw["security_group_ids"]),
        "subnet": raw["subnet_id"],
    },
    Kind.VOLUME: lambda raw: {
        "size_gb": raw["size"],
        "datacenter": raw["zone"],
        "attached_to": raw["attachment"]["server_id"] if raw["attachment"] else None,
        "device": raw["attachment"]["device"] if raw["attachment"] else None,
    },
    Kind.SNAPSHOT: lambda raw: {"volume": raw["volume_id"], "size_gb": raw["size"]},
    Kind.IMAGE: lambda raw: {"os": raw["os_type"], "min_disk_gb": raw["min_disk"], "visibility": raw["visibility"]},
    Kind.FLAVOR: lambda raw: {"vcpus": raw["vcpus"], "ram_mb": raw["ram"], "disk_gb": raw["disk"]},
    Kind.SUBNET: lambda raw: {"cidr": raw["cidr"], "datacenter": raw["zone"]},
    Kind.KEYPAIR: lambda raw: {"fingerprint": raw["fingerprint"], "public_key": raw["public_key"]},
    Kind.SECURITY_GROUP: lambda raw: {"description": raw["description"], "rules": rules_from_native(raw["rules"])},
    Kind.DATACENTER: lambda raw: {
        "type": DATACENTER_TYPES[raw["type"]],
        "region": raw["region"],
        "parent": raw["region"] if raw["type"] == "ZONE" else None,
    },
}


def normalize(kind: Kind, raw: dict[str, Any]) -> CloudResource:
    status = raw.get("status")
    return CloudResource(
        kind=kind,
        cloud_id=raw["id"],
        name=raw["name"],
        state=STATES[kind].get(status, "error"),
        cloud_state=status,
        attrs=ATTRS[kind](raw),
        cloud_attrs=raw,
        tags=dict(raw.get("tags") or {}),
        public=raw.get("visibility") == "public",
    )


@contextmanager
def native_errors() -> Iterator[None]:
    """Turn the cloud's errors into cloudgate's, keeping the native code in `details`."""
    try:
        yield
    except SimApiError as exc:
        error_type = ERRORS.get(exc.code, CloudgateError)
        raise error_type(exc.message, retry_after=exc.retry_after, details={"cloud_code": exc.code}) from exc
