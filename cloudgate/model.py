"""The resource model: kinds, normalized states, records and deterministic gateway ids."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson


class Kind(StrEnum):
    DATACENTER = "datacenter"
    FLAVOR = "flavor"
    IMAGE = "image"
    INSTANCE = "instance"
    VOLUME = "volume"
    SNAPSHOT = "snapshot"
    SUBNET = "subnet"
    KEYPAIR = "keypair"
    SECURITY_GROUP = "security_group"


ALL_KINDS: tuple[Kind, ...] = tuple(Kind)

# The kinds each service holds: a request's scope names a cloud (account) per service.
SERVICES: dict[str, tuple[Kind, ...]] = {
    "compute": (Kind.INSTANCE, Kind.FLAVOR, Kind.DATACENTER),
    "image": (Kind.IMAGE,),
    "volume": (Kind.VOLUME, Kind.SNAPSHOT),
    "network": (Kind.SUBNET, Kind.SECURITY_GROUP),
    "keypair": (Kind.KEYPAIR,),
}
SERVICE_OF: dict[Kind, str] = {kind: service for service, kinds in SERVICES.items() for kind in kinds}

# URL collection name -> kind ("instances" -> Kind.INSTANCE).
COLLECTIONS: dict[str, Kind] = {f"{kind.value}s": kind for kind in Kind}

ID_PREFIX: dict[Kind, str] = {
    Kind.DATACENTER: "dc",
    Kind.FLAVOR: "fl",
    Kind.IMAGE: "img",
    Kind.INSTANCE: "i",
    Kind.VOLUME: "vol",
    Kind.SNAPSHOT: "snap",
    Kind.SUBNET: "sn",
    Kind.KEYPAIR: "kp",
    Kind.SECURITY_GROUP: "sg",
}
KIND_OF_PREFIX: dict[str, Kind] = {prefix: kind for kind, prefix in ID_PREFIX.items()}

_IMAGE_STATES = frozenset({"pending", "available", "deleting", "deleted", "error"})
_EXISTS_STATES = frozenset({"available", "deleted"})

STATES: dict[Kind, frozenset[str]] = {
    Kind.DATACENTER: frozenset({"available", "unavailable"}),
    Kind.FLAVOR: _EXISTS_STATES,
    Kind.IMAGE: _IMAGE_STATES,
    Kind.INSTANCE: frozenset({"pending", "running", "stopping", "stopped", "rebooting", "terminated", "error"}),
    Kind.VOLUME: frozenset(
        {"creating", "available", "attaching", "in_use", "detaching", "deleting", "deleted", "error"}
    ),
    Kind.SNAPSHOT: _IMAGE_STATES,
    Kind.SUBNET: _IMAGE_STATES,
    Kind.KEYPAIR: _EXISTS_STATES,
    Kind.SECURITY_GROUP: _EXISTS_STATES,
}

# The volume states of an attachment (being made, made, being undone): every front-end shows these as attached.
ATTACHED_VOLUME_STATES = frozenset({"attaching", "in_use", "detaching"})

# States in which a resource stays until someone acts: an operation settles on one of these.
SETTLED_STATES: dict[Kind, frozenset[str]] = {
    Kind.DATACENTER: frozenset({"available", "unavailable"}),
    Kind.FLAVOR: _EXISTS_STATES,
    Kind.IMAGE: frozenset({"available", "deleted", "error"}),
    Kind.INSTANCE: frozenset({"running", "stopped", "terminated", "error"}),
    Kind.VOLUME: frozenset({"available", "in_use", "deleted", "error"}),
    Kind.SNAPSHOT: frozenset({"available", "deleted", "error"}),
    Kind.SUBNET: frozenset({"available", "deleted", "error"}),
    Kind.KEYPAIR: _EXISTS_STATES,
    Kind.SECURITY_GROUP: _EXISTS_STATES,
}

# The state a freshly requested resource shows before the cloud has been observed.
INITIAL_STATE: dict[Kind, str] = {
    Kind.INSTANCE: "pending",
    Kind.VOLUME: "creating",
    Kind.IMAGE: "pending",
    Kind.SNAPSHOT: "pending",
    Kind.SUBNET: "pending",
    Kind.KEYPAIR: "available",
    Kind.SECURITY_GROUP: "available",
    Kind.DATACENTER: "available",
    Kind.FLAVOR: "available",
}


@dataclass(slots=True)
class CloudResource:
    """One resource as a driver observed it, already normalized."""

    kind: Kind
    cloud_id: str
    name: str
    state: str
    cloud_state: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    cloud_attrs: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    public: bool = False

    def content_hash(self) -> str:
        """Digest of everything observable, so the poller rewrites a row only when it changed."""
        blob = orjson.dumps(
            [self.name, self.state, self.cloud_state, self.attrs, self.cloud_attrs, self.tags, self.public],
            option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        )
        return hashlib.blake2b(blob, digest_size=16).hexdigest()


@dataclass(slots=True)
class ResourceRecord:
    """One resource as the store holds it."""

    id: str
    cloud_id: str | None
    scope: str
    account_id: str | None
    cloud: str
    kind: Kind
    name: str
    state: str
    cloud_state: str | None
    attrs: dict[str, Any]
    cloud_attrs: dict[str, Any]
    tags: dict[str, str]
    public: bool
    created_at: float
    updated_at: float
    revision: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cloud_id": self.cloud_id,
            "kind": self.kind.value,
            "cloud": self.cloud,
            "account": self.account_id,
            "scope": self.scope,
            "public": self.public,
            "name": self.name,
            "state": self.state,
            "cloud_state": self.cloud_state,
            "attrs": self.attrs,
            "cloud_attrs": self.cloud_attrs,
            "tags": self.tags,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "revision": self.revision,
        }

    def to_json(self) -> str:
        """`to_dict` as JSON: the document the store keeps with the row."""
        return orjson.dumps(self.to_dict(), option=orjson.OPT_NON_STR_KEYS).decode()

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> ResourceRecord:
        """The record `to_dict` wrote (an event's resource, a stored document)."""
        return cls(
            id=body["id"], cloud_id=body["cloud_id"], scope=body["scope"], account_id=body["account"],
            cloud=body["cloud"], kind=Kind(body["kind"]), name=body["name"], state=body["state"],
            cloud_state=body["cloud_state"], attrs=body["attrs"], cloud_attrs=body["cloud_attrs"], tags=body["tags"],
            public=body["public"], created_at=body["created_at"], updated_at=body["updated_at"],
            revision=body["revision"],
        )  # fmt: skip


# Attributes that hold the cloud id of another resource (a list of them for security groups).
ATTR_REFERENCES: dict[str, Kind] = {
    "flavor": Kind.FLAVOR,
    "image": Kind.IMAGE,
    "datacenter": Kind.DATACENTER,
    "keypair": Kind.KEYPAIR,
    "security_groups": Kind.SECURITY_GROUP,
    "subnet": Kind.SUBNET,
    "attached_to": Kind.INSTANCE,
    "volume": Kind.VOLUME,
}


def with_gateway_names(message: str, aliases: Mapping[str, str]) -> str:
    """`message` with each cloud id of `aliases` (whole words only) replaced by what the caller knows it as
    (its gateway id, or the name it gave): a cloud's error names its own ids."""
    for cloud_id, known_as in aliases.items():
        if cloud_id and cloud_id != known_as:
            message = re.sub(rf"(?<![\w-]){re.escape(cloud_id)}(?![\w-])", known_as, message)
    return message


def changed_fields(old: ResourceRecord, new: ResourceRecord) -> list[str]:
    """Top-level fields that differ, with attrs keys spelled `attrs.<key>`."""
    changed = [f for f in ("name", "state", "cloud_state", "cloud_id", "cloud_attrs", "tags", "public")
               if getattr(old, f) != getattr(new, f)]  # fmt: skip
    for key in sorted(old.attrs.keys() | new.attrs.keys()):
        if old.attrs.get(key) != new.attrs.get(key):
            changed.append(f"attrs.{key}")
    return changed


def gateway_id(scope: str, kind: Kind, cloud_id: str) -> str:
    """The stable gateway id of a cloud resource: the same inputs always give the same id."""
    digest = hashlib.blake2b(f"{scope}\x1f{kind.value}\x1f{cloud_id}".encode(), digest_size=10).hexdigest()
    return f"{ID_PREFIX[kind]}-{digest}"


def new_gateway_id(kind: Kind) -> str:
    """A fresh id for a resource the gateway is about to create (pre-assigned, before the cloud names it)."""
    return f"{ID_PREFIX[kind]}-{secrets.token_hex(10)}"


def new_request_id() -> str:
    """An id for one request to the gateway, carried into the operations it starts and its log lines."""
    return f"req-{secrets.token_hex(12)}"


_ID_DIGITS = 20  # hex digits after the prefix, in derived and pre-assigned ids alike


def kind_of_id(resource_id: str) -> Kind | None:
    """The kind a gateway id names; None for anything else (a cloud's own id such as "vol-000123")."""
    prefix, _, rest = resource_id.partition("-")
    if len(rest) != _ID_DIGITS or any(c not in "0123456789abcdef" for c in rest):
        return None
    return KIND_OF_PREFIX.get(prefix)


def public_scope(cloud: str, endpoint: str, region: str | None) -> str:
    """Scope of resources a cloud endpoint publishes to every account (stored once, seen by all)."""
    return f"public:{cloud}:{endpoint}:{region or ''}"
