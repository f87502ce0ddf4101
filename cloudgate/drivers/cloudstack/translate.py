"""CloudStack's vocabulary against cloudgate's, as tables: states, attributes, rules, error codes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import aiohttp
from cs import CloudStackApiException, CloudStackException

from cloudgate.errors import (
    CloudAuthFailed,
    CloudgateError,
    Conflict,
    InvalidRequest,
    NotFound,
    OperationTimeout,
    QuotaExceeded,
    Throttled,
    Unavailable,
    Unsupported,
)
from cloudgate.model import CloudResource, Kind

GIB = 1024**3

# The field holding each kind's native state (kinds absent here report none).
STATE_FIELDS: dict[Kind, str] = {
    Kind.INSTANCE: "state",
    Kind.VOLUME: "state",
    Kind.SNAPSHOT: "state",
    Kind.SUBNET: "state",
    Kind.IMAGE: "isready",
    Kind.DATACENTER: "allocationstate",
}

# Native state -> normalized state, per kind. None stands for "the cloud reports no state".
STATES: dict[Kind, dict[Any, str]] = {
    Kind.INSTANCE: {
        "Starting": "pending",
        "Running": "running",
        "Stopping": "stopping",
        "Stopped": "stopped",
        "Shutdown": "stopped",
        "Migrating": "running",  # live migration: the guest keeps running
        "Restoring": "pending",
        "Destroyed": "terminated",  # recoverable until expunged, but no longer a usable machine
        "Expunging": "terminated",
        "Error": "error",
        "Unknown": "error",
    },
    Kind.VOLUME: {
        "Allocated": "available",  # exists in the database; CloudStack creates it on storage at first attach
        "Creating": "creating",
        "Ready": "available",
        "Resizing": "available",
        "Migrating": "available",
        "Snapshotting": "available",
        "Copying": "creating",
        "UploadOp": "creating",
        "Uploaded": "available",
        "NotUploaded": "creating",
        "UploadError": "error",
        "UploadAbandoned": "error",
        "Attaching": "attaching",
        "Destroy": "deleting",
        "Expunging": "deleting",
        "Expunged": "deleted",
    },
    Kind.SNAPSHOT: {
        "Allocated": "pending",
        "Creating": "pending",
        "CreatedOnPrimary": "pending",  # taken, still being backed up to secondary storage
        "BackingUp": "pending",
        "BackedUp": "available",
        "Copying": "pending",
        "Destroying": "deleting",
        "Destroyed": "deleted",
        "Error": "error",
    },
    Kind.SUBNET: {
        "Allocated": "available",  # usable: CloudStack implements it when the first VM joins
        "Setup": "available",
        "Implementing": "pending",
        "Implemented": "available",
        "Shutdown": "available",
        "Destroy": "deleting",
    },
    Kind.IMAGE: {True: "available", False: "pending"},
    Kind.DATACENTER: {None: "available", "Enabled": "available", "Disabled": "unavailable"},
    Kind.FLAVOR: {None: "available"},
    Kind.KEYPAIR: {None: "available"},
    Kind.SECURITY_GROUP: {None: "available"},
}

# A resource attached to a machine (its field below names the machine) shows its state this way.
ATTACHMENT_FIELDS: dict[Kind, str] = {Kind.VOLUME: "virtualmachineid"}
ATTACHED_STATES: dict[str, str] = {"available": "in_use"}

# The field saying a resource is published to every account.
PUBLIC_FIELDS: dict[Kind, str] = {Kind.IMAGE: "ispublic"}

# The field naming each kind's resources (the rest use "id").
ID_FIELDS: dict[Kind, str] = {Kind.KEYPAIR: "name"}

# API error codes (CloudStack's ApiErrorCode) -> cloudgate errors.
ERROR_CODES: dict[int, type[CloudgateError]] = {
    401: CloudAuthFailed,
    429: Throttled,
    430: InvalidRequest,
    431: InvalidRequest,
    432: Unsupported,
    530: Unavailable,
    531: CloudAuthFailed,  # the account is disabled or locked
    532: QuotaExceeded,
    533: Unavailable,  # insufficient capacity
    534: Unavailable,
    535: Unavailable,
    536: Conflict,  # resource in use
    537: Conflict,  # network rule conflict
}
# CloudStack reports an unknown id as a parameter error (431); these phrases tell them apart.
NOT_FOUND_PHRASES: tuple[str, ...] = ("entity does not exist", "unable to find", "does not exist", "could not find")

# Security group rules: generic field -> native field; direction -> the rule list and the command adding to it.
RULE_FIELDS: dict[str, str] = {"protocol": "protocol", "from_port": "startport", "to_port": "endport", "cidr": "cidr"}
RULE_LISTS: dict[str, str] = {"ingress": "ingressrule", "egress": "egressrule"}
RULE_PROTOCOLS: dict[str, str] = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "all"}
# An ICMP rule names a type and a code where others name ports.
PROTOCOL_FIELDS: dict[str, dict[str, str]] = {"icmp": {"from_port": "icmptype", "to_port": "icmpcode"}}
_GENERIC_PROTOCOLS = {native: generic for generic, native in RULE_PROTOCOLS.items()}


def rules_from_native(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for direction, field in RULE_LISTS.items():
        for native in raw.get(field) or []:
            rule: dict[str, Any] = {"direction": direction}
            protocol = native.get("protocol")
            for generic, name in {**RULE_FIELDS, **PROTOCOL_FIELDS.get(protocol, {})}.items():
                rule[generic] = native.get(name)
            if protocol in PROTOCOL_FIELDS:  # -1: every ICMP type or code, which a generic rule says with no port
                rule.update({k: None for k in PROTOCOL_FIELDS[protocol] if rule[k] == -1})
            rule["protocol"] = _GENERIC_PROTOCOLS.get(protocol, protocol)
            rules.append(rule)
    return rules


def _addresses(raw: Mapping[str, Any]) -> list[str]:
    addresses = [nic["ipaddress"] for nic in raw.get("nic") or [] if nic.get("ipaddress")]
    return addresses + ([raw["publicip"]] if raw.get("publicip") else [])


def _default_network(raw: Mapping[str, Any]) -> str | None:
    nics = raw.get("nic") or []
    nic = next((nic for nic in nics if nic.get("isdefault")), nics[0] if nics else None)
    return _text(nic.get("networkid")) if nic else None


def _text(value: Any) -> str | None:
    """Ids as strings: older CloudStack numbered its resources, newer ones use UUIDs."""
    return None if value is None else str(value)


def _tags(raw: Mapping[str, Any]) -> dict[str, str]:
    """Resource tags: a list of key and value objects (an offering's `tags` are its storage tags, a string)."""
    tags = raw.get("tags")
    return {tag["key"]: str(tag["value"]) for tag in tags} if isinstance(tags, list) else {}


def _gib(value: Any) -> int | None:
    return None if value is None else int(value) // GIB


# Native resource -> generic attrs, per kind. References stay the cloud's ids.
ATTRS: dict[Kind, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    Kind.INSTANCE: lambda raw: {
        "flavor": _text(raw.get("serviceofferingid")),
        "image": _text(raw.get("templateid")),
        "datacenter": _text(raw.get("zoneid")),
        "addresses": _addresses(raw),
        "keypair": raw.get("keypair"),
        "security_groups": [_text(group["id"]) for group in raw.get("securitygroup") or []],
        "subnet": _default_network(raw),
    },
    Kind.VOLUME: lambda raw: {
        "size_gb": _gib(raw.get("size")),
        "datacenter": _text(raw.get("zoneid")),
        "attached_to": _text(raw.get("virtualmachineid")),
        "device": _text(raw.get("deviceid")) if raw.get("virtualmachineid") else None,
    },
    Kind.SNAPSHOT: lambda raw: {"volume": _text(raw.get("volumeid")), "size_gb": _gib(raw.get("virtualsize"))},
    Kind.IMAGE: lambda raw: {
        "os": raw.get("ostypename"),
        "min_disk_gb": _gib(raw.get("size")),
        "visibility": "public" if raw.get("ispublic") else "private",
    },
    Kind.FLAVOR: lambda raw: {
        "vcpus": raw.get("cpunumber"),
        "ram_mb": raw.get("memory"),
        "disk_gb": raw.get("rootdisksize"),
    },
    Kind.SUBNET: lambda raw: {"cidr": raw.get("cidr"), "datacenter": _text(raw.get("zoneid"))},
    Kind.KEYPAIR: lambda raw: {"fingerprint": raw.get("fingerprint"), "public_key": raw.get("publickey")},
    Kind.SECURITY_GROUP: lambda raw: {"description": raw.get("description"), "rules": rules_from_native(raw)},
    Kind.DATACENTER: lambda raw: {"type": "zone", "region": None, "parent": None},
}


def normalize(kind: Kind, raw: dict[str, Any]) -> CloudResource:
    native_state = raw.get(STATE_FIELDS[kind]) if kind in STATE_FIELDS else None
    state = STATES[kind].get(native_state, "error")
    if kind in ATTACHMENT_FIELDS and raw.get(ATTACHMENT_FIELDS[kind]):
        state = ATTACHED_STATES.get(state, state)
    return CloudResource(
        kind=kind,
        cloud_id=str(raw[ID_FIELDS.get(kind, "id")]),
        name=raw.get("name") or "",
        state=state,
        cloud_state=_text(native_state),
        attrs=ATTRS[kind](raw),
        cloud_attrs=raw,
        tags=_tags(raw),
        public=kind in PUBLIC_FIELDS and bool(raw.get(PUBLIC_FIELDS[kind])),
    )


def error_for(code: int | None, text: str) -> type[CloudgateError]:
    if code == 431 and any(phrase in text.lower() for phrase in NOT_FOUND_PHRASES):
        return NotFound
    return ERROR_CODES.get(code, CloudgateError) if code is not None else CloudgateError


@contextmanager
def native_errors() -> Iterator[None]:
    """Turn what `cs` and aiohttp raise into cloudgate's errors, keeping CloudStack's code in `details`."""
    try:
        yield
    except CloudStackApiException as exc:
        error = exc.error if isinstance(exc.error, dict) else {}
        code = error.get("errorcode") or getattr(exc.response, "status", None)
        text = str(error.get("errortext") or exc)
        raise error_for(code, text)(text, details={"cloud_code": code}) from exc
    except CloudStackException as exc:
        if isinstance(exc.__cause__, asyncio.TimeoutError):
            raise OperationTimeout(f"the CloudStack job did not finish in time: {exc}") from exc
        status = getattr(exc.response, "status", None)
        raise error_for(status, str(exc))(str(exc), details={"cloud_code": status}) from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise Unavailable(f"CloudStack did not answer: {exc!r}") from exc
