"""GCE's vocabulary against cloudgate's, as tables: states, attributes, firewall rules, error reasons."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, overload

import httplib2
from google.auth.exceptions import GoogleAuthError
from googleapiclient.errors import HttpError

from cloudgate.errors import (
    CloudAuthFailed,
    CloudgateError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    Unavailable,
)
from cloudgate.model import CloudResource, Kind

# The field holding each kind's native state (kinds absent here report none).
STATE_FIELDS: dict[Kind, str] = {
    Kind.INSTANCE: "status",
    Kind.VOLUME: "status",
    Kind.SNAPSHOT: "status",
    Kind.IMAGE: "status",
    Kind.SUBNET: "state",
    Kind.DATACENTER: "status",
}

# Native state -> normalized state, per kind. None stands for "the cloud reports no state".
STATES: dict[Kind, dict[str | None, str]] = {
    Kind.INSTANCE: {
        "PROVISIONING": "pending",
        "STAGING": "pending",
        "RUNNING": "running",
        "STOPPING": "stopping",
        "STOPPED": "stopped",
        "SUSPENDING": "stopping",
        "SUSPENDED": "stopped",
        "REPAIRING": "pending",
        "TERMINATED": "stopped",  # GCE's TERMINATED is a stopped machine, which can start again
    },
    Kind.VOLUME: {
        "CREATING": "creating",
        "RESTORING": "creating",
        "READY": "available",
        "FAILED": "error",
        "UNAVAILABLE": "error",
        "DELETING": "deleting",
    },
    Kind.SNAPSHOT: {
        "CREATING": "pending",
        "UPLOADING": "pending",
        "READY": "available",
        "FAILED": "error",
        "DELETING": "deleting",
    },
    Kind.IMAGE: {"PENDING": "pending", "READY": "available", "FAILED": "error", "DELETING": "deleting"},
    Kind.SUBNET: {None: "available", "READY": "available", "DRAINING": "deleting"},
    Kind.DATACENTER: {"UP": "available", "DOWN": "unavailable"},
    Kind.FLAVOR: {None: "available"},
    Kind.KEYPAIR: {None: "available"},
    Kind.SECURITY_GROUP: {None: "available"},
}

# Kinds whose resources have no URL of their own, and the field naming them instead.
ID_FIELDS: dict[Kind, str] = {Kind.KEYPAIR: "id"}

# A disk used by a machine (listed in its "users") shows its state this way.
ATTACHED_STATES: dict[str, str] = {"available": "in_use"}

DATACENTER_TYPES: dict[str, str] = {"compute#region": "region", "compute#zone": "zone"}

# Public image project (from an image's licenses) -> operating system; the others run Linux.
OS_OF_LICENSE_PROJECT: dict[str, str] = {"windows-cloud": "windows", "windows-sql-cloud": "windows"}

# Firewall rules: GCE direction and protocol names against generic ones.
DIRECTIONS: dict[str, str] = {"ingress": "INGRESS", "egress": "EGRESS"}
RANGE_FIELDS: dict[str, str] = {"INGRESS": "sourceRanges", "EGRESS": "destinationRanges"}
PROTOCOLS: dict[str, str] = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "all"}
_GENERIC_DIRECTIONS = {native: generic for generic, native in DIRECTIONS.items()}
_GENERIC_PROTOCOLS = {native: generic for generic, native in PROTOCOLS.items()}

# Error reasons (API errors) and codes (operation errors) -> cloudgate errors; then HTTP statuses.
REASONS: dict[str, type[CloudgateError]] = {
    "notFound": NotFound,
    "RESOURCE_NOT_FOUND": NotFound,
    "alreadyExists": Conflict,
    "RESOURCE_ALREADY_EXISTS": Conflict,
    "resourceInUseByAnotherResource": Conflict,
    "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE": Conflict,
    "resourceNotReady": Conflict,
    "RESOURCE_NOT_READY": Conflict,
    "conditionNotMet": Conflict,  # the metadata fingerprint moved on: someone else changed it first
    "quotaExceeded": QuotaExceeded,
    "QUOTA_EXCEEDED": QuotaExceeded,
    "rateLimitExceeded": Throttled,
    "userRateLimitExceeded": Throttled,
    "ZONE_RESOURCE_POOL_EXHAUSTED": Unavailable,
    "invalid": InvalidRequest,
    "required": InvalidRequest,
    "badRequest": InvalidRequest,
    "INVALID_FIELD_VALUE": InvalidRequest,
    "authError": CloudAuthFailed,
    "forbidden": CloudAuthFailed,
    "accessNotConfigured": CloudAuthFailed,
    "backendError": Unavailable,
}
STATUSES: dict[int, type[CloudgateError]] = {
    400: InvalidRequest,
    401: CloudAuthFailed,
    403: CloudAuthFailed,
    404: NotFound,
    409: Conflict,
    412: Conflict,
    429: Throttled,
    500: Unavailable,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


@overload
def relative(link: str, project: str) -> str: ...
@overload
def relative(link: str | None, project: str) -> str | None: ...
def relative(link: str | None, project: str) -> str | None:
    """A resource's id: its URL from "projects/", without "projects/<project>/" when it is the account's own."""
    if not link:
        return None
    path = link[link.index("projects/") :] if "projects/" in link else link
    return path.removeprefix(f"projects/{project}/")


@overload
def last(link: str) -> str: ...
@overload
def last(link: str | None) -> str | None: ...
def last(link: str | None) -> str | None:
    return link.rsplit("/", 1)[-1] if link else None


def region_of(raw: Mapping[str, Any]) -> str | None:
    """The region a resource lives in; None for global ones. A zone is named `<region>-<letter>`."""
    if raw.get("kind") == "compute#region":
        return raw["name"]
    if raw.get("region"):
        return last(raw["region"])
    zone = last(raw.get("zone"))
    return zone.rsplit("-", 1)[0] if zone else None


def rules_from_native(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A firewall's allowed entries times its ranges, as generic rules (deny entries stay in cloud_attrs)."""
    direction = raw.get("direction", "INGRESS")
    ranges = raw.get(RANGE_FIELDS[direction]) or [None]
    rules = []
    for allowed in raw.get("allowed") or []:
        protocol = _GENERIC_PROTOCOLS.get(allowed["IPProtocol"], allowed["IPProtocol"])
        for ports in allowed.get("ports") or [None]:
            low, _, high = (ports or "").partition("-")
            for cidr in ranges:
                rules.append({
                    "direction": _GENERIC_DIRECTIONS[direction], "protocol": protocol,
                    "from_port": int(low) if low else None, "to_port": int(high or low) if low else None, "cidr": cidr,
                })  # fmt: skip
    return rules


def rules_to_native(rules: Any) -> dict[str, Any]:
    """Generic rules as one firewall's fields: GCE applies every allowed entry to every range, in one direction."""
    if not isinstance(rules, list) or not rules or not all(isinstance(rule, Mapping) for rule in rules):
        raise InvalidRequest("rules must be a non-empty list of objects")
    directions = {rule.get("direction") for rule in rules}
    cidrs = {rule.get("cidr") or "0.0.0.0/0" for rule in rules}
    if len(directions) != 1 or not directions <= DIRECTIONS.keys():
        raise InvalidRequest(f"a GCE firewall's rules share one direction, one of {', '.join(DIRECTIONS)}")
    allowed: dict[str, list[str]] = {}
    for rule in rules:
        unknown = set(rule) - {"direction", "protocol", "from_port", "to_port", "cidr"}
        if unknown or rule.get("protocol") not in PROTOCOLS:
            raise InvalidRequest(
                f"rule protocol must be one of {', '.join(PROTOCOLS)}, and no other fields than the generic ones"
            )
        ports = allowed.setdefault(PROTOCOLS[rule["protocol"]], [])
        if rule.get("from_port") is not None:
            low, high = rule["from_port"], rule.get("to_port") or rule["from_port"]
            ports.append(str(low) if low == high else f"{low}-{high}")
    direction = DIRECTIONS[directions.pop()]
    return {
        "direction": direction,
        "allowed": [
            {"IPProtocol": protocol, **({"ports": ports} if ports else {})} for protocol, ports in allowed.items()
        ],
        RANGE_FIELDS[direction]: sorted(cidrs),
    }


def _addresses(raw: Mapping[str, Any]) -> list[str]:
    nics = raw.get("networkInterfaces") or []
    inside = [nic["networkIP"] for nic in nics if nic.get("networkIP")]
    outside = [config["natIP"] for nic in nics for config in nic.get("accessConfigs") or [] if config.get("natIP")]
    return inside + outside


def _os(raw: Mapping[str, Any]) -> str:
    projects = {relative(license, "").split("/")[1] for license in raw.get("licenses") or [] if "projects/" in license}
    return next((OS_OF_LICENSE_PROJECT[p] for p in sorted(projects) if p in OS_OF_LICENSE_PROJECT), "linux")


def _int(value: Any) -> int | None:
    """GCE sends 64-bit numbers as strings."""
    return None if value is None else int(value)


Attrs = Callable[[Mapping[str, Any], str], dict[str, Any]]

# Native resource (and the account's project) -> generic attrs, per kind. References are resource ids.
ATTRS: dict[Kind, Attrs] = {
    Kind.INSTANCE: lambda raw, p: {
        "flavor": relative(raw.get("machineType"), p),
        "image": None,  # GCE machines boot from a disk; the image is the disk's
        "datacenter": relative(raw.get("zone"), p),
        "addresses": _addresses(raw),
        "keypair": None,
        "security_groups": [],
        "subnet": relative(next(iter(raw.get("networkInterfaces") or []), {}).get("subnetwork"), p),  # type: ignore[call-overload]
    },
    Kind.VOLUME: lambda raw, p: {
        "size_gb": _int(raw.get("sizeGb")),
        "datacenter": relative(raw.get("zone"), p),
        "attached_to": relative(next(iter(raw.get("users") or []), None), p),
        "device": None,
    },
    Kind.SNAPSHOT: lambda raw, p: {
        "volume": relative(raw.get("sourceDisk"), p),
        "size_gb": _int(raw.get("diskSizeGb")),
    },
    Kind.IMAGE: lambda raw, p: {
        "os": _os(raw),
        "min_disk_gb": _int(raw.get("diskSizeGb")),
        "visibility": "private" if relative(raw["selfLink"], p).startswith("global/") else "public",
    },
    Kind.FLAVOR: lambda raw, p: {
        "vcpus": raw.get("guestCpus"),
        "ram_mb": raw.get("memoryMb"),
        "disk_gb": raw.get("imageSpaceGb"),
    },
    Kind.SUBNET: lambda raw, p: {"cidr": raw.get("ipCidrRange"), "datacenter": relative(raw.get("region"), p)},
    Kind.KEYPAIR: lambda raw, p: {"fingerprint": raw["fingerprint"], "public_key": raw["key"]},
    Kind.SECURITY_GROUP: lambda raw, p: {"description": raw.get("description"), "rules": rules_from_native(raw)},
    Kind.DATACENTER: lambda raw, p: {
        "type": DATACENTER_TYPES[raw["kind"]],
        "region": relative(raw.get("region") or raw["selfLink"], p),
        "parent": relative(raw.get("region"), p),
    },
}


def normalize(kind: Kind, raw: dict[str, Any], project: str) -> CloudResource:
    native_state = raw.get(STATE_FIELDS[kind]) if kind in STATE_FIELDS else None
    state = STATES[kind].get(native_state, "error")
    if raw.get("users"):
        state = ATTACHED_STATES.get(state, state)
    attrs = ATTRS[kind](raw, project)
    return CloudResource(
        kind=kind,
        cloud_id=raw[ID_FIELDS[kind]] if kind in ID_FIELDS else relative(raw["selfLink"], project),
        name=raw.get("name") or "",
        state=state,
        cloud_state=native_state,
        attrs=attrs,
        cloud_attrs=raw,
        tags={key: str(value) for key, value in (raw.get("labels") or {}).items()},
        public=attrs.get("visibility") == "public",
    )


def error_of(reason: str | None, status: int | None) -> type[CloudgateError]:
    return REASONS.get(reason or "") or STATUSES.get(status or 0, CloudgateError)


def _http_error(exc: HttpError) -> CloudgateError:
    try:
        body = json.loads(exc.content).get("error", {})
    except (ValueError, AttributeError):
        body = {}
    reason: str | None = next(iter(body.get("errors") or []), {}).get("reason")  # type: ignore[call-overload]
    status = exc.resp.status
    return error_of(reason, status)(body.get("message") or str(exc), details={"cloud_code": reason or status})


@contextmanager
def native_errors() -> Iterator[None]:
    """Turn what the Google client raises into cloudgate's errors, keeping GCE's reason in `details`."""
    try:
        yield
    except HttpError as exc:
        raise _http_error(exc) from exc
    except GoogleAuthError as exc:
        raise CloudAuthFailed(f"Google refused the credentials: {exc}") from exc
    except (TimeoutError, httplib2.HttpLib2Error, OSError) as exc:
        raise Unavailable(f"GCE did not answer: {exc!r}") from exc
