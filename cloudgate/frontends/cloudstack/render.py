"""Records in CloudStack's shapes (the recorded answers of real CloudStack clouds are the reference): one
function per object, states as tables, references as CloudStack ids and names, sizes in bytes."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cloudgate.core.accounts import AccountView
from cloudgate.core.resources import Related
from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind, ResourceRecord

GIB = 1024**3
DOMAIN = "ROOT"  # every account sits in CloudStack's root domain
DOMAIN_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "cloudgate:cloudstack:domain:ROOT"))
HYPERVISOR = "Simulator"  # what runs a machine is the cloud behind's business

# Normalized state -> CloudStack's state, per kind (the CloudStack driver reads them back with its own table).
STATES: dict[Kind, dict[str, str]] = {
    Kind.INSTANCE: {"pending": "Starting", "running": "Running", "stopping": "Stopping", "stopped": "Stopped",
                    "rebooting": "Running", "terminated": "Destroyed", "error": "Error"},
    Kind.VOLUME: {"creating": "Creating", "available": "Ready", "attaching": "Ready", "in_use": "Ready",
                  "detaching": "Ready", "deleting": "Destroy", "deleted": "Expunged", "error": "Error"},
    Kind.SNAPSHOT: {"pending": "Creating", "available": "BackedUp", "deleting": "Destroying", "deleted": "Destroyed",
                    "error": "Error"},
    Kind.SUBNET: {"pending": "Implementing", "available": "Implemented", "deleting": "Destroy", "deleted": "Destroy",
                  "error": "Error"},
    Kind.DATACENTER: {"available": "Enabled", "unavailable": "Disabled"},
}  # fmt: skip
SUCCESS = {"success": "true"}  # a synchronous removal's answer: CloudStack writes the boolean as a string there
# CloudStack's name of each kind where tags and jobs name a resource type.
RESOURCE_TYPES: dict[Kind, str] = {
    Kind.INSTANCE: "UserVm", Kind.VOLUME: "Volume", Kind.SNAPSHOT: "Snapshot", Kind.IMAGE: "Template",
    Kind.SECURITY_GROUP: "SecurityGroup", Kind.SUBNET: "Network", Kind.KEYPAIR: "SSHKeyPair",
}  # fmt: skip
KIND_OF_TYPE: dict[str, Kind] = {name.lower(): kind for kind, name in RESOURCE_TYPES.items()}
# The one network offering: an isolated guest network (the cloud behind decides how it is made).
NETWORK_OFFERING: dict[str, Any] = {
    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "cloudgate:cloudstack:networkoffering:isolated")),
    "name": "DefaultIsolatedNetworkOffering", "displaytext": "An isolated guest network of the cloud behind",
    "traffictype": "Guest", "guestiptype": "Isolated", "isdefault": True, "specifyvlan": False,
    "specifyipranges": False, "availability": "Optional", "state": "Enabled", "forvpc": False, "service": [],
}  # fmt: skip
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "all"}  # generic -> CloudStack's


def when(moment: float) -> str:
    """A time as CloudStack writes it: 2011-06-23T05:48:31+0000."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def user_id(client_id: str) -> str:
    """A gateway client's id as a CloudStack user id (the bootstrap admin's id has no UUID form of its own)."""
    try:
        return to_uuid(client_id)
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloudgate:client:{client_id}"))


def account_name(account: AccountView) -> str:
    return account.row.name or account.row.id


def owned(account: AccountView) -> dict[str, Any]:
    """The fields naming an object's owner."""
    return {"account": account_name(account), "domainid": DOMAIN_ID, "domain": DOMAIN}


def _ref(rel: Related, record: ResourceRecord, kind: Kind, field: str = "") -> ResourceRecord | None:
    value = record.attrs.get(field or kind.value)
    return rel.of(record, kind, value if isinstance(value, str) else None)


def _ref_id(found: ResourceRecord | None) -> str | None:
    return to_uuid(found.id) if found is not None else None


def tags(record: ResourceRecord, account: AccountView) -> list[dict[str, Any]]:
    return [tag(record, key, value, account) for key, value in sorted(record.tags.items())]


def tag(record: ResourceRecord, key: str, value: str, account: AccountView) -> dict[str, Any]:
    return {"key": key, "value": value, "resourcetype": RESOURCE_TYPES.get(record.kind, record.kind.value),
            "resourceid": to_uuid(record.id), **owned(account)}  # fmt: skip


def zone(record: ResourceRecord) -> dict[str, Any]:
    return {"id": to_uuid(record.id), "name": record.name, "description": record.name, "networktype": "Advanced",
            "securitygroupsenabled": True, "allocationstate": STATES[Kind.DATACENTER].get(record.state, "Enabled"),
            "localstorageenabled": False, "dhcpprovider": "VirtualRouter", "tags": []}  # fmt: skip


def service_offering(record: ResourceRecord) -> dict[str, Any]:
    attrs = record.attrs
    vcpus, ram, disk = attrs.get("vcpus"), attrs.get("ram_mb"), attrs.get("disk_gb")
    text = ", ".join(part for part in (f"{vcpus} CPU" if vcpus else "", f"{ram} MB RAM" if ram else "",
                                        f"{disk} GB disk" if disk else "") if part)  # fmt: skip
    return {"id": to_uuid(record.id), "name": record.name, "displaytext": text or record.name, "cpunumber": vcpus,
            "cpuspeed": 1000, "memory": ram, "rootdisksize": disk, "created": when(record.created_at),
            "storagetype": "shared", "offerha": False, "limitcpuuse": False, "isvolatile": False, "issystem": False,
            "defaultuse": False, "iscustomized": False}  # fmt: skip


def template(record: ResourceRecord, account: AccountView, rel: Related) -> dict[str, Any]:
    attrs = record.attrs
    size = attrs.get("min_disk_gb")
    found_zone = _ref(rel, record, Kind.DATACENTER)
    return {"id": to_uuid(record.id), "name": record.name, "displaytext": record.name, "ispublic": record.public,
            "created": when(record.created_at), "isready": record.state == "available",
            "status": "Download Complete" if record.state == "available" else record.state,
            "passwordenabled": False, "format": "QCOW2", "isfeatured": record.public, "crossZones": found_zone is None,
            "ostypename": attrs.get("os"), "zoneid": _ref_id(found_zone),
            "zonename": found_zone.name if found_zone else None, "size": size * GIB if isinstance(size, int) else None,
            "templatetype": "USER", "hypervisor": HYPERVISOR, "isextractable": False, "bootable": True,
            **({"account": "system", "domainid": DOMAIN_ID, "domain": DOMAIN} if record.public else owned(account)),
            "tags": tags(record, account)}  # fmt: skip


def virtual_machine(record: ResourceRecord, account: AccountView, rel: Related) -> dict[str, Any]:
    flavor, image = _ref(rel, record, Kind.FLAVOR), _ref(rel, record, Kind.IMAGE)
    found_zone, subnet = _ref(rel, record, Kind.DATACENTER), _ref(rel, record, Kind.SUBNET)
    groups = [rel.of(record, Kind.SECURITY_GROUP, cloud_id) for cloud_id in record.attrs.get("security_groups") or []]
    addresses = [a for a in record.attrs.get("addresses") or [] if isinstance(a, str)]
    nic = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloudgate:nic:{record.id}")),
        "isdefault": True,
        "networkid": _ref_id(subnet),
        "networkname": subnet.name if subnet else None,
        "ipaddress": next((a for a in addresses if _is_ipv4(a) and not _is_public(a)), None),
        "traffictype": "Guest",
        "type": "Isolated",
    }
    flavor_attrs = flavor.attrs if flavor else {}
    return {
        "id": to_uuid(record.id), "name": record.name, "displayname": record.name, **owned(account),
        "created": when(record.created_at), "state": STATES[Kind.INSTANCE].get(record.state, "Error"),
        "haenable": False, "zoneid": _ref_id(found_zone), "zonename": found_zone.name if found_zone else None,
        "templateid": _ref_id(image), "templatename": image.name if image else None,
        "templatedisplaytext": image.name if image else None, "passwordenabled": False,
        "serviceofferingid": _ref_id(flavor), "serviceofferingname": flavor.name if flavor else None,
        "cpunumber": flavor_attrs.get("vcpus"), "cpuspeed": 1000 if flavor else None,
        "memory": flavor_attrs.get("ram_mb"), "rootdeviceid": 0, "rootdevicetype": "ROOT",
        "keypair": _keypair_name(rel, record),
        "securitygroup": [{"id": to_uuid(g.id), "name": g.name, "description": g.attrs.get("description")}
                          for g in groups if g is not None],
        "publicip": next((a for a in addresses if _is_public(a)), None),
        "nic": [nic] if addresses or subnet else [], "hypervisor": HYPERVISOR, "tags": tags(record, account),
    }  # fmt: skip


def _keypair_name(rel: Related, record: ResourceRecord) -> str | None:
    """CloudStack names a machine's key pair by its name (the cloud's id when the store has no record of it)."""
    found = _ref(rel, record, Kind.KEYPAIR)
    return found.name if found is not None else record.attrs.get("keypair")


def _is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def _is_ipv4(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).version == 4
    except ValueError:
        return False


def volume(record: ResourceRecord, account: AccountView, rel: Related) -> dict[str, Any]:
    machine, found_zone = _ref(rel, record, Kind.INSTANCE, "attached_to"), _ref(rel, record, Kind.DATACENTER)
    size = record.attrs.get("size_gb")
    attached = record.attrs.get("attached_to") is not None
    return {"id": to_uuid(record.id), "name": record.name, "zoneid": _ref_id(found_zone),
            "zonename": found_zone.name if found_zone else None, "type": "DATADISK",
            "deviceid": _device_id(record.attrs.get("device")) if attached else None,
            "virtualmachineid": _ref_id(machine), "vmname": machine.name if machine else None,
            "vmstate": STATES[Kind.INSTANCE].get(machine.state) if machine else None,
            "size": size * GIB if isinstance(size, int) else None, "created": when(record.created_at),
            "state": STATES[Kind.VOLUME].get(record.state, "Error"), **owned(account), "storagetype": "shared",
            "hypervisor": HYPERVISOR, "destroyed": record.state in ("deleting", "deleted"), "isextractable": False,
            "tags": tags(record, account)}  # fmt: skip


def _device_id(device: Any) -> int | None:
    """CloudStack numbers a volume's slot on its machine: the number a device name ends in, else its letter."""
    text = str(device or "")
    digits = "".join(c for c in text if c.isdigit())
    if digits:
        return int(digits[-4:])
    return ord(text[-1]) - ord("a") if text and text[-1].isalpha() else None


def snapshot(record: ResourceRecord, account: AccountView, rel: Related) -> dict[str, Any]:
    source = _ref(rel, record, Kind.VOLUME)
    size = record.attrs.get("size_gb")
    return {"id": to_uuid(record.id), "name": record.name, **owned(account), "snapshottype": "MANUAL",
            "intervaltype": "MANUAL", "volumeid": _ref_id(source), "volumename": source.name if source else None,
            "volumetype": "DATADISK", "created": when(record.created_at),
            "state": STATES[Kind.SNAPSHOT].get(record.state, "Error"),
            "virtualsize": size * GIB if isinstance(size, int) else None, "tags": tags(record, account)}  # fmt: skip


def ssh_key_pair(record: ResourceRecord, account: AccountView) -> dict[str, Any]:
    return {"id": to_uuid(record.id), "name": record.name, "fingerprint": record.attrs.get("fingerprint"),
            **owned(account)}  # fmt: skip


def rule_id(group: ResourceRecord, rule: dict[str, Any]) -> str:
    """A rule's id, derived from its group and what it allows (the gateway keeps no id per rule)."""
    shape = "|".join(str(rule.get(key)) for key in ("direction", "protocol", "from_port", "to_port", "cidr"))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloudgate:rule:{group.id}:{shape}"))


def rule(group: ResourceRecord, generic: dict[str, Any]) -> dict[str, Any]:
    protocol = PROTOCOLS.get(str(generic.get("protocol")), str(generic.get("protocol")))
    ports: dict[str, Any] = {"startport": generic.get("from_port"), "endport": generic.get("to_port")}
    if protocol == "icmp":  # ICMP rules name a type and a code; -1 stands for all of them
        ports = {"icmptype": _or_all(generic.get("from_port")), "icmpcode": _or_all(generic.get("to_port"))}
    return {"ruleid": rule_id(group, generic), "protocol": protocol, **ports, "cidr": generic.get("cidr")}


def _or_all(value: Any) -> int:
    return value if isinstance(value, int) else -1


def security_group(record: ResourceRecord, account: AccountView) -> dict[str, Any]:
    rules = [r for r in record.attrs.get("rules") or [] if isinstance(r, dict)]
    return {"id": to_uuid(record.id), "name": record.name, "description": record.attrs.get("description"),
            **owned(account), "ingressrule": [rule(record, r) for r in rules if r.get("direction") == "ingress"],
            "egressrule": [rule(record, r) for r in rules if r.get("direction") == "egress"],
            "tags": tags(record, account)}  # fmt: skip


def network(record: ResourceRecord, account: AccountView, rel: Related) -> dict[str, Any]:
    offering = NETWORK_OFFERING
    found_zone = _ref(rel, record, Kind.DATACENTER)
    cidr = record.attrs.get("cidr")
    block = ipaddress.ip_network(cidr, strict=False) if isinstance(cidr, str) else None
    gateway = str(next(block.hosts())) if block is not None and block.num_addresses > 2 else None
    return {"id": to_uuid(record.id), "name": record.name, "displaytext": record.name, **owned(account),
            "zoneid": _ref_id(found_zone), "zonename": found_zone.name if found_zone else None, "cidr": cidr,
            "gateway": gateway, "netmask": str(block.netmask) if block is not None else None,
            "state": STATES[Kind.SUBNET].get(record.state, "Error"), "type": "Isolated", "traffictype": "Guest",
            "acltype": "Account", "canusefordeploy": True, "issystem": False, "restartrequired": False,
            "networkofferingid": offering["id"], "networkofferingname": offering["name"],
            "networkofferingdisplaytext": offering["displaytext"], "tags": tags(record, account)}  # fmt: skip


# Kind -> (the key of its object in answers, how a record of it is shown).
Shown = Callable[[ResourceRecord, AccountView, Related], dict[str, Any]]
OBJECTS: dict[Kind, tuple[str, Shown]] = {
    Kind.INSTANCE: ("virtualmachine", virtual_machine),
    Kind.VOLUME: ("volume", volume),
    Kind.SNAPSHOT: ("snapshot", snapshot),
    Kind.IMAGE: ("template", template),
    Kind.KEYPAIR: ("keypair", lambda record, account, _rel: ssh_key_pair(record, account)),
    Kind.SECURITY_GROUP: ("securitygroup", lambda record, account, _rel: security_group(record, account)),
    Kind.DATACENTER: ("zone", lambda record, _account, _rel: zone(record)),
    Kind.FLAVOR: ("serviceoffering", lambda record, _account, _rel: service_offering(record)),
    Kind.SUBNET: ("network", network),
}
