"""nova: servers (instances), flavors, keypairs, and the availability zones that with the region
make the datacenters (cinder's zones joined in). Blocking calls, run in the driver's pool."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from openstack.connection import Connection

from cloudgate.drivers.openstack.identity import region_of
from cloudgate.drivers.openstack.tagging import replace_metadata
from cloudgate.drivers.openstack.translate import native, resource
from cloudgate.errors import InvalidRequest
from cloudgate.model import CloudResource, Kind

# The services whose availability zones make datacenters, and how to list each one's.
ZONE_SERVICES: dict[str, str] = {"compute": "compute", "volume": "block_storage"}


def list_datacenters(conn: Connection) -> list[CloudResource]:
    """The account's region, and each availability zone of nova or cinder in it."""
    region = region_of(conn)
    zones: dict[str, dict[str, bool]] = defaultdict(dict)
    for service, proxy in ZONE_SERVICES.items():
        for zone in getattr(conn, proxy).availability_zones():
            zones[zone.name][service] = bool((zone.state or {}).get("available"))
    region_attrs = {"type": "region", "region": region, "parent": None}
    found = [resource(Kind.DATACENTER, {"id": region}, region_attrs, status="available", name=region)]
    for name, services in sorted(zones.items()):
        raw = {"id": name, "zoneName": name, "services": services}
        attrs = {"type": "zone", "region": region, "parent": region}
        state = "available" if any(services.values()) else "unavailable"
        found.append(resource(Kind.DATACENTER, raw, attrs, status=state, name=name))
    return found


def list_flavors(conn: Connection) -> list[CloudResource]:
    return [
        resource(Kind.FLAVOR, native(flavor), {"vcpus": flavor.vcpus, "ram_mb": flavor.ram, "disk_gb": flavor.disk})
        for flavor in conn.compute.flavors(details=True)
    ]


# -- keypairs (nova names them by name: the name is the cloud id) -------------------------------


def list_keypairs(conn: Connection) -> list[CloudResource]:
    return [_keypair(native(keypair)) for keypair in conn.compute.keypairs()]


def _keypair(raw: dict[str, Any]) -> CloudResource:
    raw = {"id": raw["name"], **raw}
    return resource(Kind.KEYPAIR, raw, {"fingerprint": raw.get("fingerprint"), "public_key": raw.get("public_key")})


def get_keypair(conn: Connection, name: str) -> CloudResource:
    return _keypair(native(conn.compute.get_keypair(name)))


def create_keypair(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    """Imports `public_key`, or has nova make a key pair and hand out its private key, this once."""
    created = native(conn.compute.create_keypair(**spec))
    private_key = created.pop("private_key", None)
    keypair = _keypair(created)
    if private_key:
        keypair.attrs["private_key"] = private_key
    return keypair


def destroy_keypair(conn: Connection, name: str) -> None:
    conn.compute.delete_keypair(name, ignore_missing=False)


# -- servers ---------------------------------------------------------------------------------


def list_instances(conn: Connection) -> list[CloudResource]:
    # A server shows its flavor by name only (API 2.47+), and its security groups by name:
    # flavors give the ids, the server's ports its security groups' ids and its subnet.
    flavor_ids = {flavor.name: flavor.id for flavor in conn.compute.flavors(details=False)}
    ports: dict[str, list[Any]] = defaultdict(list)
    for port in conn.network.ports(project_id=conn.current_project_id):
        ports[port.device_id].append(port)
    return [_instance(native(server), flavor_ids, ports[server.id]) for server in conn.compute.servers(details=True)]


def get_instance(conn: Connection, server_id: str) -> CloudResource:
    server = conn.compute.get_server(server_id)
    flavor_ids = {flavor.name: flavor.id for flavor in conn.compute.flavors(details=False)}
    return _instance(native(server), flavor_ids, list(conn.network.ports(device_id=server_id)))


def _instance(raw: dict[str, Any], flavor_ids: Mapping[Any, str], ports: list[Any]) -> CloudResource:
    flavor = raw.get("flavor") or {}
    fixed_ips = [ip for port in ports for ip in port.fixed_ips or ()]
    attrs = {
        "flavor": flavor.get("id") or flavor_ids.get(flavor.get("original_name")),
        "image": (raw.get("image") or {}).get("id") or None,  # "" when booted from a volume
        "datacenter": raw.get("OS-EXT-AZ:availability_zone"),
        "addresses": [a["addr"] for addresses in (raw.get("addresses") or {}).values() for a in addresses],
        "keypair": raw.get("key_name"),
        "security_groups": sorted({group for port in ports for group in port.security_group_ids or ()}),
        "subnet": fixed_ips[0]["subnet_id"] if fixed_ips else None,
    }
    return resource(Kind.INSTANCE, raw, attrs, status=raw.get("status"), task_state=raw.get("OS-EXT-STS:task_state"),
                    tags=raw.get("metadata"))  # fmt: skip


def create_instance(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    """Boots on the subnet's network when a subnet is given, with no network otherwise."""
    request = dict(spec)
    subnet_id = request.pop("subnet_id", None)
    request["networks"] = [{"uuid": conn.network.get_subnet(subnet_id).network_id}] if subnet_id else "none"
    groups = request.pop("security_groups", None)
    if groups is not None:
        if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
            raise InvalidRequest("security_groups must be a list of security group ids")
        request["security_groups"] = [{"name": group} for group in groups]  # nova takes ids here too
    server = native(conn.compute.get_server(conn.compute.create_server(**request).id))
    return _instance(server, {(server.get("flavor") or {}).get("original_name"): request["flavor_id"]}, [])


def destroy_instance(conn: Connection, server_id: str) -> None:
    conn.compute.delete_server(server_id, ignore_missing=False)


def edit_instance(conn: Connection, server_id: str, changes: Mapping[str, Any]) -> None:
    if "name" in changes:
        conn.compute.update_server(server_id, name=changes["name"])
    if "metadata" in changes:
        replace_metadata(conn.compute, "server", server_id, changes["metadata"])


def start_instance(conn: Connection, server_id: str, params: Mapping[str, Any]) -> None:
    conn.compute.start_server(server_id)


def stop_instance(conn: Connection, server_id: str, params: Mapping[str, Any]) -> None:
    conn.compute.stop_server(server_id)


def reboot_instance(conn: Connection, server_id: str, params: Mapping[str, Any]) -> None:
    conn.compute.reboot_server(server_id, "SOFT")
