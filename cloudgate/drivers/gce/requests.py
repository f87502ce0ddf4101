"""What GCE is asked, per kind: the listings, and the calls (with their bodies) that create and act."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudgate.drivers.gce.api import call_of
from cloudgate.drivers.gce.translate import last, rules_to_native
from cloudgate.errors import InvalidRequest
from cloudgate.model import Kind

# The calls listing each kind ((collection, method), …); images and key pairs are listed their own way.
LISTINGS: dict[Kind, tuple[tuple[str, str], ...]] = {
    Kind.DATACENTER: (("regions", "list"), ("zones", "list")),
    Kind.FLAVOR: (("machineTypes", "aggregatedList"),),
    Kind.INSTANCE: (("instances", "aggregatedList"),),
    Kind.VOLUME: (("disks", "aggregatedList"),),
    Kind.SNAPSHOT: (("snapshots", "list"),),
    Kind.SUBNET: (("subnetworks", "aggregatedList"),),
    Kind.SECURITY_GROUP: (("firewalls", "list"),),
}

# Google's public image projects, listed beside the account's own images (option `image_projects`).
PUBLIC_IMAGE_PROJECTS: tuple[str, ...] = (
    "centos-cloud", "cos-cloud", "debian-cloud", "fedora-coreos-cloud", "opensuse-cloud", "rhel-cloud",
    "rocky-linux-cloud", "suse-cloud", "ubuntu-os-cloud", "windows-cloud",
)  # fmt: skip

DEFAULT_NETWORK = "global/networks/default"

# Generic action -> the instances method doing it.
INSTANCE_ACTIONS: dict[str, str] = {"start": "start", "stop": "stop", "reboot": "reset"}


@dataclass(frozen=True)
class Call:
    """One API call: `collection.method(project=…, **params, body=body)`, making the resource `created`."""

    collection: str
    method: str
    params: dict[str, str]
    body: dict[str, Any]
    created: str


def _labels(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"labels": dict(spec["tags"])} if spec.get("tags") else {}


def _instance(spec: Mapping[str, Any]) -> Call:
    zone = last(spec["datacenter"])
    interface = {"subnetwork": spec["subnet"]} if spec.get("subnet") else {"network": DEFAULT_NETWORK}
    body = {
        "name": spec["name"],
        "machineType": spec["flavor"],
        "disks": [{"boot": True, "autoDelete": True, "initializeParams": {"sourceImage": spec["image"]}}],
        "networkInterfaces": [{**interface, "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}],
        **_labels(spec),
    }
    return Call("instances", "insert", {"zone": zone}, body, f"zones/{zone}/instances/{spec['name']}")


def _volume(spec: Mapping[str, Any]) -> Call:
    zone = last(spec["datacenter"])
    size = spec["size_gb"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise InvalidRequest("size_gb must be a positive integer")
    body = {"name": spec["name"], "sizeGb": str(size), **_labels(spec)}
    if spec.get("snapshot"):
        body["sourceSnapshot"] = spec["snapshot"]
    return Call("disks", "insert", {"zone": zone}, body, f"zones/{zone}/disks/{spec['name']}")


def _snapshot(spec: Mapping[str, Any]) -> Call:
    # disks.createSnapshot: its operation names the disk, so the snapshot is found by its name afterwards.
    collection, params = call_of(str(spec["volume"]), "")
    if collection != "disks":
        raise InvalidRequest("volume must name a disk")
    return Call(
        "disks",
        "createSnapshot",
        {"zone": params["zone"], "disk": params["disk"]},
        {"name": spec["name"], **_labels(spec)},
        f"global/snapshots/{spec['name']}",
    )


def _subnet(spec: Mapping[str, Any]) -> Call:
    region = last(spec["datacenter"])
    body = {"name": spec["name"], "ipCidrRange": spec["cidr"], "network": spec["network"]}
    return Call("subnetworks", "insert", {"region": region}, body, f"regions/{region}/subnetworks/{spec['name']}")


def _firewall(spec: Mapping[str, Any]) -> Call:
    body = {"name": spec["name"], "network": spec.get("network") or DEFAULT_NETWORK, **rules_to_native(spec["rules"])}
    if spec.get("description") is not None:
        body["description"] = spec["description"]
    return Call("firewalls", "insert", {}, body, f"global/firewalls/{spec['name']}")


@dataclass(frozen=True)
class Creation:
    fields: frozenset[str]  # every generic field the kind takes
    required: frozenset[str]  # beyond "name"
    call: Callable[[Mapping[str, Any]], Call] | None  # None: made another way (key pairs live in metadata)


CREATIONS: dict[Kind, Creation] = {
    Kind.INSTANCE: Creation(
        frozenset({"name", "flavor", "image", "datacenter", "subnet", "tags"}),
        frozenset({"flavor", "image", "datacenter"}),
        _instance,
    ),
    Kind.VOLUME: Creation(
        frozenset({"name", "size_gb", "datacenter", "snapshot", "tags"}), frozenset({"size_gb", "datacenter"}), _volume
    ),
    Kind.SNAPSHOT: Creation(frozenset({"name", "volume", "tags"}), frozenset({"volume"}), _snapshot),
    Kind.SUBNET: Creation(
        frozenset({"name", "cidr", "datacenter", "network"}), frozenset({"cidr", "datacenter", "network"}), _subnet
    ),
    Kind.SECURITY_GROUP: Creation(
        frozenset({"name", "description", "rules", "network"}), frozenset({"rules"}), _firewall
    ),
    Kind.KEYPAIR: Creation(frozenset({"name", "public_key"}), frozenset(), None),
}

DESTROYABLE: frozenset[Kind] = frozenset(
    {Kind.INSTANCE, Kind.VOLUME, Kind.SNAPSHOT, Kind.IMAGE, Kind.SUBNET, Kind.KEYPAIR, Kind.SECURITY_GROUP}
)

ACTIONS: dict[Kind, frozenset[str]] = {
    Kind.INSTANCE: frozenset(INSTANCE_ACTIONS),
    Kind.VOLUME: frozenset({"attach", "detach"}),
}
# Action -> (the parameters it takes, those it needs); actions absent here take none.
ACTION_PARAMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "attach": (frozenset({"instance", "device"}), frozenset({"instance"})),
}
