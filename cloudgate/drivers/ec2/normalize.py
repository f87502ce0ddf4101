"""EC2's descriptions of resources -> `CloudResource`s: generic attrs, normalized states, tags and names.

The raw description is kept as cloud_attrs, made JSON-plain. References in generic attrs
stay EC2's ids, which are the cloud ids of the resources they name.
"""

from __future__ import annotations

from typing import Any

import orjson

from cloudgate.drivers.ec2.rules import rules_of
from cloudgate.drivers.ec2.tables import (
    IMAGE_OS,
    IMAGE_STATES,
    INSTANCE_STATES,
    LIVE_ATTACHMENT_STATES,
    NAME_TAG,
    NAMED_BY_TAG,
    REGION_STATES,
    SNAPSHOT_STATES,
    SUBNET_STATES,
    VOLUME_STATES,
    ZONE_STATES,
)
from cloudgate.model import CloudResource, Kind


def plain(raw: dict[str, Any]) -> dict[str, Any]:
    """The description with datetimes as ISO strings, as the store keeps JSON."""
    return orjson.loads(orjson.dumps(raw))


def tags_of(raw: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in raw.get("Tags") or []}


def _resource(
    kind: Kind, raw: dict[str, Any], cloud_id: str, state: str, cloud_state: str | None, attrs: dict[str, Any],
    *, name: str | None = None, public: bool = False,
) -> CloudResource:  # fmt: skip
    """`name` None means the kind is named by its Name tag (taken out of the tags)."""
    tags = tags_of(raw)
    if kind in NAMED_BY_TAG:
        name = tags.pop(NAME_TAG, "")
    return CloudResource(kind=kind, cloud_id=cloud_id, name=name or "", state=state, cloud_state=cloud_state,
                         attrs=attrs, cloud_attrs=plain(raw), tags=tags, public=public)  # fmt: skip


def instance(raw: dict[str, Any]) -> CloudResource:
    interfaces = raw.get("NetworkInterfaces") or []
    addresses = [raw.get("PrivateIpAddress"), raw.get("PublicIpAddress")]
    for interface in interfaces:
        for private in interface.get("PrivateIpAddresses") or []:
            addresses += [private.get("PrivateIpAddress"), (private.get("Association") or {}).get("PublicIp")]
        addresses += [ipv6.get("Ipv6Address") for ipv6 in interface.get("Ipv6Addresses") or []]
    groups = [group["GroupId"] for group in raw.get("SecurityGroups") or []]
    groups += [group["GroupId"] for interface in interfaces for group in interface.get("Groups") or []]
    state = raw["State"]["Name"]
    return _resource(Kind.INSTANCE, raw, raw["InstanceId"], INSTANCE_STATES.get(state, "error"), state, {
        "flavor": raw.get("InstanceType"),
        "image": raw.get("ImageId"),
        "datacenter": (raw.get("Placement") or {}).get("AvailabilityZone"),
        "addresses": list(dict.fromkeys(address for address in addresses if address)),
        "keypair": raw.get("KeyName"),
        "security_groups": list(dict.fromkeys(groups)),
        "subnet": raw.get("SubnetId"),
    })  # fmt: skip


def volume(raw: dict[str, Any]) -> CloudResource:
    attachment = next((a for a in raw.get("Attachments") or [] if a.get("State") in LIVE_ATTACHMENT_STATES), None)
    state = raw["State"]
    bound = attachment["State"] if attachment else None
    normalized = VOLUME_STATES.get((state, bound)) or VOLUME_STATES.get((state, None), "error")
    return _resource(Kind.VOLUME, raw, raw["VolumeId"], normalized, state, {
        "size_gb": raw.get("Size"),
        "datacenter": raw.get("AvailabilityZone"),
        "attached_to": attachment["InstanceId"] if attachment else None,
        "device": attachment.get("Device") if attachment else None,
        "volume_type": raw.get("VolumeType"),
    })  # fmt: skip


def snapshot(raw: dict[str, Any]) -> CloudResource:
    state = raw["State"]
    return _resource(Kind.SNAPSHOT, raw, raw["SnapshotId"], SNAPSHOT_STATES.get(state, "error"), state,
                     {"volume": raw.get("VolumeId"), "size_gb": raw.get("VolumeSize")})  # fmt: skip


def image(raw: dict[str, Any], account_id: str) -> CloudResource:
    """Public AMIs of other owners are the endpoint's; the account's own and those shared with it are its own."""
    own = raw.get("OwnerId") == account_id
    public = bool(raw.get("Public"))
    visibility = "private" if own and not public else "public" if public else "shared"
    state = raw["State"]
    return _resource(Kind.IMAGE, raw, raw["ImageId"], IMAGE_STATES.get(state, "error"), state, {
        "os": IMAGE_OS.get((raw.get("Platform") or "").lower(), "linux"),
        # An EBS-backed AMI boots on an EBS root volume made from its snapshot, whatever the flavor's disk.
        "min_disk_gb": 0 if raw.get("RootDeviceType") == "ebs" else None,
        "visibility": visibility,
        "architecture": raw.get("Architecture"),
    }, name=raw.get("Name"), public=public and not own)  # fmt: skip


def flavor(raw: dict[str, Any]) -> CloudResource:
    return _resource(Kind.FLAVOR, raw, raw["InstanceType"], "available", None, {
        "vcpus": (raw.get("VCpuInfo") or {}).get("DefaultVCpus"),
        "ram_mb": (raw.get("MemoryInfo") or {}).get("SizeInMiB"),
        # Local instance storage; EBS-only types bring none (their disks are volumes).
        "disk_gb": (raw.get("InstanceStorageInfo") or {}).get("TotalSizeInGB", 0),
        "architectures": (raw.get("ProcessorInfo") or {}).get("SupportedArchitectures", []),
    }, name=raw["InstanceType"])  # fmt: skip


def region(raw: dict[str, Any]) -> CloudResource:
    state = raw.get("OptInStatus", "opt-in-not-required")
    return _resource(
        Kind.DATACENTER,
        raw,
        raw["RegionName"],
        REGION_STATES.get(state, "unavailable"),
        state,
        {"type": "region", "region": raw["RegionName"], "parent": None},
        name=raw["RegionName"],
    )


def zone(raw: dict[str, Any]) -> CloudResource:
    state = raw["State"]
    return _resource(
        Kind.DATACENTER,
        raw,
        raw["ZoneName"],
        ZONE_STATES.get(state, "unavailable"),
        state,
        {"type": "zone", "region": raw["RegionName"], "parent": raw["RegionName"]},
        name=raw["ZoneName"],
    )


def subnet(raw: dict[str, Any]) -> CloudResource:
    """`raw` carries its VPC's description under "Vpc"."""
    state = raw["State"]
    return _resource(Kind.SUBNET, raw, raw["SubnetId"], SUBNET_STATES.get(state, "error"), state, {
        "cidr": raw.get("CidrBlock"),
        "datacenter": raw.get("AvailabilityZone"),
        "vpc": raw.get("VpcId"),
    })  # fmt: skip


def keypair(raw: dict[str, Any]) -> CloudResource:
    public_key = raw.get("PublicKey")
    return _resource(Kind.KEYPAIR, raw, raw["KeyName"], "available", None, {
        "fingerprint": raw.get("KeyFingerprint"),
        "public_key": public_key.strip() if public_key else None,
        "key_type": raw.get("KeyType"),
    }, name=raw["KeyName"])  # fmt: skip


def security_group(raw: dict[str, Any]) -> CloudResource:
    return _resource(Kind.SECURITY_GROUP, raw, raw["GroupId"], "available", None, {
        "description": raw.get("Description"),
        "rules": [rule.to_generic() for rule in rules_of(raw)],
        "vpc": raw.get("VpcId"),
    }, name=raw.get("GroupName"))  # fmt: skip
