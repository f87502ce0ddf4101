"""Records in GCE's shapes (the discovery document and the recorded real answers are the reference): `kind`,
numeric ids and sizes as strings, selfLinks from the request's host, labels with their fingerprint, states
as GCE's statuses; one function per resource."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from cloudgate.core.operations import Operation
from cloudgate.core.resources import Related
from cloudgate.foreign_ids import to_gce_id
from cloudgate.frontends.gce.errors import OPERATION_CODES, STATUSES
from cloudgate.frontends.gce.states import status_of
from cloudgate.model import Kind, ResourceRecord

DEFAULT_NETWORK = "default"  # the one network a project shows: the account's subnets are its subnetworks
METADATA_PREFIX = "metadata:"  # tags holding an instance's metadata items (no label key has a colon)
# Public image projects -> the start of the names of the backend's public images they show; the catch-all
# project shows every public image.
PUBLIC_IMAGE_PROJECTS: dict[str, str] = {
    "debian-cloud": "debian", "ubuntu-os-cloud": "ubuntu", "centos-cloud": "centos", "rocky-linux-cloud": "rocky",
    "fedora-coreos-cloud": "fedora", "cos-cloud": "cos", "rhel-cloud": "rhel", "opensuse-cloud": "opensuse",
    "suse-cloud": "sles", "windows-cloud": "windows", "cloudgate-public": "",
}  # fmt: skip
CATCH_ALL_PROJECT = "cloudgate-public"
# An image's operating system -> the public image project whose license it carries (GCE's clients know an
# image's system by its licenses alone); other public images carry their own project's.
LICENSE_PROJECTS: dict[str, str] = {"windows": "windows-cloud"}
# Kind -> where its resources and operations live in GCE: a zone, a region, or the project (global).
SCOPES: dict[Kind, str] = {Kind.INSTANCE: "zones", Kind.VOLUME: "zones", Kind.SUBNET: "regions"}
COLLECTIONS: dict[Kind, str] = {
    Kind.INSTANCE: "instances", Kind.VOLUME: "disks", Kind.SNAPSHOT: "snapshots", Kind.IMAGE: "images",
    Kind.SUBNET: "subnetworks", Kind.SECURITY_GROUP: "firewalls", Kind.FLAVOR: "machineTypes",
}  # fmt: skip
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "all"}  # generic -> GCE's IPProtocol
DIRECTIONS = {"ingress": "INGRESS", "egress": "EGRESS"}
RANGES = {"INGRESS": "sourceRanges", "EGRESS": "destinationRanges"}
# A core operation's action -> GCE's operationType.
OPERATION_TYPES: dict[str, str] = {"create": "insert", "destroy": "delete", "reboot": "reset", "edit": "patch"}
HTTP_MESSAGES: dict[int, str] = {400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND", 409: "CONFLICT",
                                 412: "PRECONDITION FAILED", 429: "TOO MANY REQUESTS", 500: "INTERNAL SERVER ERROR",
                                 503: "SERVICE UNAVAILABLE"}  # fmt: skip
OPERATION_STATUSES: dict[str, str] = {"pending": "PENDING", "running": "RUNNING", "succeeded": "DONE", "failed": "DONE"}


def when(moment: float) -> str:
    """A time as GCE writes it (RFC 3339 with milliseconds and an offset)."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(moment * 1000) % 1000:03d}-00:00"


def fingerprint(value: Any) -> str:
    """A fingerprint of labels or metadata: what a change must name to apply (GCE's optimistic locking)."""
    return base64.b64encode(hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).digest()[:8]).decode()


def labels_of(record: ResourceRecord) -> dict[str, str]:
    return {k: v for k, v in record.tags.items() if not k.startswith(METADATA_PREFIX)}


def metadata_of(record: ResourceRecord) -> list[dict[str, str]]:
    return [{"key": k.removeprefix(METADATA_PREFIX), "value": v} for k, v in sorted(record.tags.items())
            if k.startswith(METADATA_PREFIX)]  # fmt: skip


def _labelled(record: ResourceRecord) -> dict[str, Any]:
    labels = labels_of(record)
    return {"labels": labels or None, "labelFingerprint": fingerprint(labels)}


def public_project(record: ResourceRecord) -> str:
    """The public image project a public image shows in."""
    return next((p for p, start in PUBLIC_IMAGE_PROJECTS.items() if start and record.name.startswith(start)),
                CATCH_ALL_PROJECT)  # fmt: skip


@dataclass(frozen=True)
class Links:
    """What a page of records refers to, by cloud id: datacenters (zones and regions), and the records its
    resources name (machine types, images, disks, instances, subnets), with the links they have."""

    base: str  # .../compute/v1
    project: str
    places: Mapping[str, ResourceRecord]  # datacenters by cloud id
    related: Related  # the records a page refers to

    def project_link(self, path: str, project: str | None = None) -> str:
        return f"{self.base}/projects/{project or self.project}/{path}"

    def place(self, record: ResourceRecord) -> ResourceRecord | None:
        """The zone (or region) a record is in."""
        value = record.attrs.get("datacenter")
        return self.places.get(value) if isinstance(value, str) else None

    def region_of(self, place: ResourceRecord | None) -> ResourceRecord | None:
        if place is None or place.attrs.get("type") == "region":
            return place
        parent = place.attrs.get("parent") or place.attrs.get("region")
        return self.places.get(parent) if isinstance(parent, str) else None

    def of(self, record: ResourceRecord) -> str:
        """A record's selfLink."""
        if record.kind == Kind.DATACENTER:
            return self.project_link(f"{'regions' if record.attrs.get('type') == 'region' else 'zones'}/{record.name}")
        if record.kind not in COLLECTIONS:  # a key pair is a line of the project's metadata: the project is its link
            return f"{self.base}/projects/{self.project}"
        if record.kind == Kind.IMAGE and record.public:
            return self.project_link(f"global/images/{record.name}", public_project(record))
        scope = SCOPES.get(record.kind)
        where = self.place(record) if scope == "zones" else self.region_of(self.place(record)) if scope else None
        prefix = f"{scope}/{where.name if where else '-'}" if scope else "global"
        return self.project_link(f"{prefix}/{COLLECTIONS[record.kind]}/{record.name}")

    def referred(self, record: ResourceRecord, kind: Kind, field: str | None = None) -> ResourceRecord | None:
        value = record.attrs.get(field or kind.value)
        return self.related.of(record, kind, value if isinstance(value, str) else None)

    def ref(self, record: ResourceRecord, kind: Kind, field: str | None = None) -> str | None:
        found = self.referred(record, kind, field)
        return self.of(found) if found is not None else None


def _common(record: ResourceRecord, links: Links, kind: str) -> dict[str, Any]:
    return {"kind": f"compute#{kind}", "id": to_gce_id(record.id), "creationTimestamp": when(record.created_at),
            "name": record.name, "selfLink": links.of(record)}  # fmt: skip


def zone(record: ResourceRecord, links: Links) -> dict[str, Any]:
    region = links.region_of(record)
    return {**_common(record, links, "zone"), "description": record.name, "status": status_of(record),
            "region": links.of(region) if region else None}  # fmt: skip


def region(record: ResourceRecord, links: Links) -> dict[str, Any]:
    zones = [
        links.of(p) for p in links.places.values() if p.attrs.get("type") == "zone" and links.region_of(p) == record
    ]
    return {**_common(record, links, "region"), "description": record.name, "status": status_of(record),
            "zones": sorted(zones)}  # fmt: skip


def machine_type(record: ResourceRecord, links: Links, in_zone: ResourceRecord) -> dict[str, Any]:
    attrs = record.attrs
    return {"kind": "compute#machineType", "id": to_gce_id(record.id), "creationTimestamp": when(record.created_at),
            "name": record.name, "description": f"{attrs.get('vcpus')} vCPU, {attrs.get('ram_mb')} MB",
            "guestCpus": attrs.get("vcpus"), "memoryMb": attrs.get("ram_mb"), "imageSpaceGb": attrs.get("disk_gb") or 0,
            "maximumPersistentDisks": 128, "maximumPersistentDisksSizeGb": "263168", "zone": in_zone.name,
            "isSharedCpu": False,
            "selfLink": links.project_link(f"zones/{in_zone.name}/machineTypes/{record.name}")}  # fmt: skip


def image(record: ResourceRecord, links: Links) -> dict[str, Any]:
    size = record.attrs.get("min_disk_gb")
    licensed = LICENSE_PROJECTS.get(str(record.attrs.get("os"))) or (public_project(record) if record.public else None)
    return {**_common(record, links, "image"), "description": record.attrs.get("os") or "", "sourceType": "RAW",
            "status": status_of(record), "diskSizeGb": str(size) if isinstance(size, int) else None,
            "licenses": [links.project_link(f"global/licenses/{record.name}", licensed)] if licensed else None,
            "archiveSizeBytes": str(size * 1024**3) if isinstance(size, int) else None,
            "storageLocations": ["us"], **_labelled(record)}  # fmt: skip


def instance(record: ResourceRecord, links: Links, disks: list[ResourceRecord]) -> dict[str, Any]:
    where = links.place(record)
    addresses = [a for a in record.attrs.get("addresses") or [] if isinstance(a, str)]
    private = [a for a in addresses if not _is_public(a)]
    public = [a for a in addresses if _is_public(a)]
    nic = {"kind": "compute#networkInterface", "name": "nic0",
           "network": links.project_link(f"global/networks/{DEFAULT_NETWORK}"),
           "subnetwork": links.ref(record, Kind.SUBNET), "networkIP": private[0] if private else None,
           "accessConfigs": [{"kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT", "name": "External NAT",
                              "natIP": address} for address in public[:1]]}  # fmt: skip
    metadata = metadata_of(record)
    flavor = links.referred(record, Kind.FLAVOR)
    return {
        **_common(record, links, "instance"), "description": "", "status": status_of(record),
        "machineType": f"{links.of(where)}/machineTypes/{flavor.name}" if where and flavor else None,
        "zone": links.of(where) if where else None, "networkInterfaces": [nic],
        "disks": [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE", "source": links.of(d),
                   "deviceName": _device(d), "index": i + 1, "boot": False, "autoDelete": False, "interface": "SCSI",
                   "diskSizeGb": str(d.attrs.get("size_gb"))} for i, d in enumerate(disks)],
        "metadata": {"kind": "compute#metadata", "fingerprint": fingerprint(metadata), "items": metadata or None},
        "tags": {"fingerprint": fingerprint([])}, "cpuPlatform": "Unknown CPU Platform", "canIpForward": False,
        "scheduling": {"onHostMaintenance": "MIGRATE", "automaticRestart": True, "preemptible": False},
        "deletionProtection": False, "startRestricted": False, **_labelled(record),
    }  # fmt: skip


def _device(disk: ResourceRecord) -> str:
    device = str(disk.attrs.get("device") or "")
    return device.rsplit("/", 1)[-1] or disk.name


def _is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def disk(record: ResourceRecord, links: Links) -> dict[str, Any]:
    where = links.place(record)
    size = record.attrs.get("size_gb")
    user = links.ref(record, Kind.INSTANCE, "attached_to")
    return {**_common(record, links, "disk"), "sizeGb": str(size) if isinstance(size, int) else None,
            "zone": links.of(where) if where else None, "status": status_of(record),
            "type": f"{links.of(where) if where else ''}/diskTypes/pd-standard", "users": [user] if user else None,
            "sourceSnapshot": links.ref(record, Kind.SNAPSHOT), "physicalBlockSizeBytes": "4096",
            **_labelled(record)}  # fmt: skip


def snapshot(record: ResourceRecord, links: Links) -> dict[str, Any]:
    size = record.attrs.get("size_gb")
    source = links.referred(record, Kind.VOLUME)
    return {**_common(record, links, "snapshot"), "status": status_of(record),
            "sourceDisk": links.of(source) if source else None, "sourceDiskId": to_gce_id(source.id) if source else None,
            "diskSizeGb": str(size) if isinstance(size, int) else None, "storageLocations": ["us"],
            **_labelled(record)}  # fmt: skip


def network(links: Links, account_id: str, subnets: list[ResourceRecord], created_at: float) -> dict[str, Any]:
    return {"kind": "compute#network", "id": to_gce_id(f"net-{account_id}"), "creationTimestamp": when(created_at),
            "name": DEFAULT_NETWORK, "description": "The project's network: its subnetworks are the account's subnets",
            "selfLink": links.project_link(f"global/networks/{DEFAULT_NETWORK}"), "autoCreateSubnetworks": False,
            "subnetworks": sorted(links.of(s) for s in subnets) or None,
            "routingConfig": {"routingMode": "REGIONAL"}}  # fmt: skip


def subnetwork(record: ResourceRecord, links: Links) -> dict[str, Any]:
    cidr = record.attrs.get("cidr")
    block = ipaddress.ip_network(cidr, strict=False) if isinstance(cidr, str) else None
    where = links.region_of(links.place(record))
    return {**_common(record, links, "subnetwork"), "network": links.project_link(f"global/networks/{DEFAULT_NETWORK}"),
            "ipCidrRange": cidr, "gatewayAddress": str(next(block.hosts())) if block and block.num_addresses > 2 else None,
            "region": links.of(where) if where else None, "privateIpGoogleAccess": False, "stackType": "IPV4_ONLY",
            "fingerprint": fingerprint([record.name, cidr])}  # fmt: skip


def firewall(record: ResourceRecord, links: Links) -> dict[str, Any]:
    """A security group as one firewall: the direction of its rules (ingress when it has none; a group with
    rules both ways shows its ingress ones), every allowed entry applied to every range."""
    rules = [r for r in record.attrs.get("rules") or [] if isinstance(r, dict)]
    direction = DIRECTIONS.get(str(rules[0].get("direction")) if rules else "ingress", "INGRESS")
    shown = [r for r in rules if DIRECTIONS.get(str(r.get("direction"))) == direction]
    allowed: dict[str, list[str]] = {}
    for rule in shown:
        ports = allowed.setdefault(PROTOCOLS.get(str(rule.get("protocol")), str(rule.get("protocol"))), [])
        low, high = rule.get("from_port"), rule.get("to_port")
        if isinstance(low, int) and low >= 0:
            text = str(low) if high in (None, low) else f"{low}-{high}"
            if text not in ports:
                ports.append(text)
    ranges = sorted({str(r.get("cidr") or "0.0.0.0/0") for r in shown}) or ["0.0.0.0/0"]
    return {**_common(record, links, "firewall"), "description": record.attrs.get("description") or "",
            "network": links.project_link(f"global/networks/{DEFAULT_NETWORK}"), "priority": 1000,
            "direction": direction, RANGES[direction]: ranges, "disabled": False, "logConfig": {"enable": False},
            "allowed": [{"IPProtocol": p, **({"ports": ports} if ports else {})} for p, ports in allowed.items()]}  # fmt: skip


def operation(
    op: Operation, links: Links, where: tuple[str, str] | None, target: str | None, user: str
) -> dict[str, Any]:
    """A core operation as GCE's Operation: in a zone or a region (`where` = ("zones", name)), else global."""
    name = f"operation-{op.id.removeprefix('op-')}"
    path = f"{where[0]}/{where[1]}/operations/{name}" if where else f"global/operations/{name}"
    shown: dict[str, Any] = {
        "kind": "compute#operation", "id": to_gce_id(op.id), "name": name,
        "operationType": OPERATION_TYPES.get(op.action, op.action), "targetLink": target,
        "targetId": to_gce_id(op.resource_id), "status": OPERATION_STATUSES.get(op.state, "RUNNING"), "user": user,
        "progress": 100 if op.finished else 0, "insertTime": when(op.created_at), "startTime": when(op.created_at),
        "endTime": when(op.updated_at) if op.finished else None, "selfLink": links.project_link(path),
    }  # fmt: skip
    if where:
        shown[where[0].removesuffix("s")] = links.project_link(f"{where[0]}/{where[1]}")
    if op.state == "failed":
        error = op.error or {}
        code, message = str(error.get("code", "operation_failed")), str(error.get("message", "the operation failed"))
        status, _reason = STATUSES.get(code, (500, "backendError"))
        shown["error"] = {"errors": [{"code": OPERATION_CODES.get(code, code.upper()), "message": message}]}
        shown |= {"httpErrorStatusCode": status, "httpErrorMessage": HTTP_MESSAGES.get(status, "ERROR")}
    return shown
