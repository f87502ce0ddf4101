"""Records in EC2's shapes (the structures boto3 callers get), from the normalized record: states, ids,
references by EC2 id or name, tags, times. Where the backend is EC2 itself, its own values show through."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cloudgate.core.resources import Related
from cloudgate.foreign_ids import numeric_id, to_ec2_id
from cloudgate.frontends.ec2.context import Ec2Request, owner_of, tags_of
from cloudgate.model import Kind, ResourceRecord

# Normalized instance state -> EC2's (code, name). EC2 has no rebooting state (a rebooting instance is
# running) and no error state (a broken instance is stopped, with a state reason).
INSTANCE_STATES: dict[str, tuple[int, str]] = {
    "pending": (0, "pending"),
    "running": (16, "running"),
    "rebooting": (16, "running"),
    "stopping": (64, "stopping"),
    "stopped": (80, "stopped"),
    "terminated": (48, "terminated"),
    "error": (80, "stopped"),
}
# The state an instance shows while an operation of the gateway's is under way on it, where the normalized
# state cannot say (a nova server being deleted is "stopping" until it is gone: EC2 says shutting-down).
UNDER_WAY_STATES: dict[str, tuple[int, str]] = {"destroy": (32, "shutting-down")}
# Clouds whose records keep EC2's own description as cloud_attrs (the EC2 driver's): what the generic record
# cannot say (architecture, hypervisor, root device) is shown from there, and left out for other clouds
# rather than made up.
EC2_DESCRIBED_CLOUDS = frozenset({"ec2"})
INSTANCE_DESCRIPTION = ("AmiLaunchIndex", "Architecture", "Hypervisor", "VirtualizationType", "RootDeviceType",
                        "RootDeviceName", "EbsOptimized", "EnaSupport", "SourceDestCheck", "Platform",
                        "PlatformDetails", "BootMode")  # fmt: skip
IMAGE_DESCRIPTION = ("Architecture", "Hypervisor", "VirtualizationType", "RootDeviceType", "RootDeviceName",
                     "EnaSupport", "BootMode")  # fmt: skip
# EC2's volume state, and the attachment's state, by normalized volume state.
VOLUME_STATES: dict[str, tuple[str, str | None]] = {
    "creating": ("creating", None),
    "available": ("available", None),
    "attaching": ("in-use", "attaching"),
    "in_use": ("in-use", "attached"),
    "detaching": ("in-use", "detaching"),
    "deleting": ("deleting", None),
    "deleted": ("deleted", None),
    "error": ("error", None),
}
SNAPSHOT_STATES = {"pending": "pending", "available": "completed", "deleting": "completed", "error": "error"}
IMAGE_STATES = {"pending": "pending", "available": "available", "deleting": "deregistered", "deleted": "deregistered",
                "error": "failed"}  # fmt: skip
SUBNET_STATES = {"pending": "pending", "available": "available", "error": "failed"}
ZONE_STATES = {"available": "available", "unavailable": "unavailable"}
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "-1"}  # generic -> EC2's IpProtocol
DEFAULT_VPC_CIDR = "172.31.0.0/16"


def when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _ec2_ref(rel: Related, record: ResourceRecord, kind: Kind, cloud_id: str | None) -> str | None:
    found = rel.of(record, kind, cloud_id)
    return to_ec2_id(kind, found.id) if found else cloud_id


def _name_ref(rel: Related, record: ResourceRecord, kind: Kind, cloud_id: str | None) -> str | None:
    found = rel.of(record, kind, cloud_id)
    return found.name if found else cloud_id


def described(record: ResourceRecord, fields: Sequence[str]) -> dict[str, Any]:
    """The members of EC2's own description of the record that it has (none from other clouds)."""
    if record.cloud not in EC2_DESCRIBED_CLOUDS:
        return {}
    return {field: record.cloud_attrs[field] for field in fields if record.cloud_attrs.get(field) is not None}


@functools.lru_cache(maxsize=65536)
def _is_private(address: str) -> bool | None:
    """Whether an address is private; None for what is no IP address (a cloud may list host names too)."""
    try:
        return ipaddress.ip_address(address).is_private
    except ValueError:
        return None


def instance(
    request: Ec2Request, record: ResourceRecord, rel: Related, volumes: Sequence[ResourceRecord],
    under_way: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    attrs = record.attrs
    code, state = INSTANCE_STATES.get(record.state, (80, "stopped"))
    if under_way in UNDER_WAY_STATES and record.state != "terminated":
        code, state = UNDER_WAY_STATES[under_way]
    addresses = [a for a in attrs.get("addresses") or [] if isinstance(a, str)]
    private = next((a for a in addresses if _is_private(a) is True), None)
    public = next((a for a in addresses if _is_private(a) is False), None)
    groups = [rel.of(record, Kind.SECURITY_GROUP, group) for group in attrs.get("security_groups") or []]
    zone = _name_ref(rel, record, Kind.DATACENTER, attrs.get("datacenter"))
    body: dict[str, Any] = {
        "InstanceId": request.ec2_id(record), "ImageId": _ec2_ref(rel, record, Kind.IMAGE, attrs.get("image")),
        "State": {"Code": code, "Name": state}, "InstanceType": _name_ref(rel, record, Kind.FLAVOR, attrs.get("flavor")),
        "LaunchTime": when(record.created_at), "Placement": {"AvailabilityZone": zone, "Tenancy": "default"},
        "KeyName": _name_ref(rel, record, Kind.KEYPAIR, attrs.get("keypair")),
        "SubnetId": _ec2_ref(rel, record, Kind.SUBNET, attrs.get("subnet")), "VpcId": request.vpc_id,
        "PrivateIpAddress": private, "PublicIpAddress": public,
        "PrivateDnsName": f"ip-{private.replace('.', '-')}.internal" if private else "",
        "SecurityGroups": [{"GroupId": request.ec2_id(g), "GroupName": g.name} for g in groups if g is not None],
        "Tags": tags_of(record), "Monitoring": {"State": "disabled"}, "StateTransitionReason": "",
        **described(record, INSTANCE_DESCRIPTION),
        "BlockDeviceMappings": [
            {"DeviceName": v.attrs.get("device") or "", "Ebs": {"VolumeId": request.ec2_id(v), "Status": VOLUME_STATES[v.state][1] or "attached",
             "AttachTime": when(v.updated_at), "DeleteOnTermination": False}} for v in volumes
        ],
    }  # fmt: skip
    if record.state == "error":
        body["StateReason"] = {"Code": "Server.InternalError", "Message": f"Server.InternalError: {record.cloud_state}"}
    elif state == "stopped":
        body["StateReason"] = {"Code": "Client.UserInitiatedShutdown", "Message": "Client.UserInitiatedShutdown"}
    return body


def reservation(request: Ec2Request, instances: list[dict[str, Any]]) -> dict[str, Any]:
    """A reservation of launched instances; its id derives from the first one's."""
    first = instances[0]["InstanceId"] if instances else request.account_id
    return {"ReservationId": f"r-0{numeric_id('r:' + first):016x}", "OwnerId": request.owner_id, "Groups": [],
            "Instances": instances}  # fmt: skip


def volume(request: Ec2Request, record: ResourceRecord, rel: Related) -> dict[str, Any]:
    attrs = record.attrs
    state, attachment = VOLUME_STATES.get(record.state, ("error", None))
    body: dict[str, Any] = {
        "VolumeId": request.ec2_id(record), "Size": attrs.get("size_gb"), "State": state,
        "AvailabilityZone": _name_ref(rel, record, Kind.DATACENTER, attrs.get("datacenter")),
        "CreateTime": when(record.created_at), "VolumeType": attrs.get("volume_type") or "standard",
        "Encrypted": False, "MultiAttachEnabled": False, "Tags": tags_of(record), "Attachments": [],
    }  # fmt: skip
    if attrs.get("snapshot"):
        body["SnapshotId"] = _ec2_ref(rel, record, Kind.SNAPSHOT, attrs.get("snapshot"))
    if attachment and attrs.get("attached_to"):
        body["Attachments"] = [{
            "VolumeId": body["VolumeId"], "State": attachment, "Device": attrs.get("device") or "",
            "InstanceId": _ec2_ref(rel, record, Kind.INSTANCE, attrs.get("attached_to")),
            "AttachTime": when(record.updated_at), "DeleteOnTermination": False,
        }]  # fmt: skip
    return body


def snapshot(request: Ec2Request, record: ResourceRecord, rel: Related) -> dict[str, Any]:
    state = SNAPSHOT_STATES.get(record.state, "error")
    return {
        "SnapshotId": request.ec2_id(record), "VolumeId": _ec2_ref(rel, record, Kind.VOLUME, record.attrs.get("volume")),
        "State": state, "StartTime": when(record.created_at), "Progress": "100%" if state == "completed" else "0%",
        "OwnerId": request.owner_id, "Description": record.attrs.get("description") or record.name,
        "VolumeSize": record.attrs.get("size_gb"), "Encrypted": False, "Tags": tags_of(record),
    }  # fmt: skip


def image(request: Ec2Request, record: ResourceRecord) -> dict[str, Any]:
    owner = owner_of(record.account_id) if record.account_id else "amazon"  # under a scope, another cloud's
    return {
        "ImageId": request.ec2_id(record), "Name": record.name, "State": IMAGE_STATES.get(record.state, "failed"),
        "OwnerId": owner, "ImageOwnerAlias": None if record.account_id else "amazon", "Public": record.public,
        "ImageLocation": f"{owner}/{record.name}", "ImageType": "machine", **described(record, IMAGE_DESCRIPTION),
        "PlatformDetails": "Windows" if record.attrs.get("os") == "windows" else "Linux/UNIX",
        "CreationDate": when(record.created_at).strftime("%Y-%m-%dT%H:%M:%S.000Z"), "Tags": tags_of(record),
        "Description": record.attrs.get("description") or record.name,
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": record.attrs.get("min_disk_gb") or 8,
                                 "DeleteOnTermination": True, "VolumeType": "standard"}}],
    }  # fmt: skip


def keypair(request: Ec2Request, record: ResourceRecord, *, public_key: bool = False) -> dict[str, Any]:
    body = {"KeyPairId": request.ec2_id(record), "KeyName": record.name, "KeyFingerprint": record.attrs.get("fingerprint"),
            "KeyType": record.attrs.get("key_type") or "rsa", "Tags": tags_of(record), "CreateTime": when(record.created_at)}  # fmt: skip
    if public_key:
        body["PublicKey"] = record.attrs.get("public_key")
    return body


def permissions(rules: Sequence[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """Generic rules of one direction as EC2's IpPermissions."""
    found = []
    for rule in rules:
        if rule.get("direction", "ingress") != direction:
            continue
        cidr = rule.get("cidr") or "0.0.0.0/0"
        ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
        permission = {"IpProtocol": PROTOCOLS.get(rule.get("protocol", "any"), "-1"), **ranges}
        if rule.get("from_port") is not None:
            permission["FromPort"] = rule["from_port"]
        if rule.get("to_port") is not None:
            permission["ToPort"] = rule["to_port"]
        found.append(permission)
    return found


def security_group(request: Ec2Request, record: ResourceRecord) -> dict[str, Any]:
    rules = record.attrs.get("rules") or []
    return {
        "GroupId": request.ec2_id(record), "GroupName": record.name, "OwnerId": request.owner_id,
        "Description": record.attrs.get("description") or "", "VpcId": request.vpc_id, "Tags": tags_of(record),
        "IpPermissions": permissions(rules, "ingress"), "IpPermissionsEgress": permissions(rules, "egress"),
    }  # fmt: skip


def rule_id(group: ResourceRecord, index: int) -> str:
    return f"sgr-0{numeric_id(f'{group.id}:{index}'):016x}"


def security_group_rules(request: Ec2Request, record: ResourceRecord) -> list[dict[str, Any]]:
    found = []
    for index, rule in enumerate(record.attrs.get("rules") or []):
        (permission,) = permissions([{**rule, "direction": "ingress"}], "ingress")
        cidr = permission.get("IpRanges", [{}])[0].get("CidrIp")
        found.append({
            "SecurityGroupRuleId": rule_id(record, index), "GroupId": request.ec2_id(record),
            "GroupOwnerId": request.owner_id, "IsEgress": rule.get("direction") == "egress",
            "IpProtocol": permission["IpProtocol"], "FromPort": permission.get("FromPort", -1),
            "ToPort": permission.get("ToPort", -1), "CidrIpv4": cidr,
            "CidrIpv6": permission.get("Ipv6Ranges", [{}])[0].get("CidrIpv6"), "Tags": [],
        })  # fmt: skip
    return found


def subnet(request: Ec2Request, record: ResourceRecord, rel: Related) -> dict[str, Any]:
    cidr = record.attrs.get("cidr") or DEFAULT_VPC_CIDR
    try:
        addresses = ipaddress.ip_network(cidr, strict=False).num_addresses
    except ValueError:
        addresses = 0  # a range the cloud wrote its own way: shown as it is, with no count
    return {
        "SubnetId": request.ec2_id(record), "VpcId": request.vpc_id, "CidrBlock": cidr,
        "AvailabilityZone": _name_ref(rel, record, Kind.DATACENTER, record.attrs.get("datacenter")),
        "State": SUBNET_STATES.get(record.state, "failed"), "AvailableIpAddressCount": max(0, addresses - 5),
        "DefaultForAz": False, "MapPublicIpOnLaunch": False, "OwnerId": request.owner_id, "Tags": tags_of(record),
        "SubnetArn": f"arn:aws:ec2:{request.region}:{request.owner_id}:subnet/{request.ec2_id(record)}",
    }  # fmt: skip


def vpc(request: Ec2Request) -> dict[str, Any]:
    return {"VpcId": request.vpc_id, "CidrBlock": DEFAULT_VPC_CIDR, "State": "available", "IsDefault": True,
            "OwnerId": request.owner_id, "DhcpOptionsId": "default", "InstanceTenancy": "default",
            "CidrBlockAssociationSet": [{"AssociationId": f"vpc-cidr-assoc-{request.vpc_id[4:]}", "CidrBlock": DEFAULT_VPC_CIDR,
                                         "CidrBlockState": {"State": "associated"}}]}  # fmt: skip


def zone(request: Ec2Request, record: ResourceRecord) -> dict[str, Any]:
    region = record.attrs.get("region") or request.region
    return {"ZoneName": record.name, "ZoneId": f"{region}-az-{numeric_id(record.id) & 0xFFFFFFFF:08x}", "RegionName": region,
            "State": ZONE_STATES.get(record.state, "unavailable"), "ZoneType": "availability-zone",
            "OptInStatus": "opt-in-not-required", "GroupName": region, "NetworkBorderGroup": region, "Messages": []}  # fmt: skip


def instance_type(record: ResourceRecord) -> dict[str, Any]:
    attrs = record.attrs
    disk = attrs.get("disk_gb") or 0
    body: dict[str, Any] = {
        "InstanceType": record.name, "CurrentGeneration": True, "FreeTierEligible": False,
        "SupportedUsageClasses": ["on-demand"], "SupportedRootDeviceTypes": ["ebs"],
        "SupportedVirtualizationTypes": ["hvm"], "BareMetal": False,
        "ProcessorInfo": {"SupportedArchitectures": attrs.get("architectures") or ["x86_64"]},
        "VCpuInfo": {"DefaultVCpus": attrs.get("vcpus") or 1}, "MemoryInfo": {"SizeInMiB": attrs.get("ram_mb") or 0},
        "InstanceStorageSupported": bool(disk),
    }  # fmt: skip
    if disk:
        body["InstanceStorageInfo"] = {"TotalSizeInGB": disk}
    return body
