"""Neutron v2.0 (at /network): version documents, extensions, networks, subnets and ports, with the security
groups of `security_groups.py`.

How the gateway's resources show as neutron's (nothing here is stored outside the core):
- **One network per project.** The gateway has subnets but no network kind; as the EC2 front-end shows one
  VPC per account, neutron shows one network per project (account), holding every subnet of the project.
  Its id is the project's UUID (`to_uuid` of the account id: stable, decodes without the store), its name
  the project's name. Under a scope naming a network cloud (`{"network": "CloudTwo"}`), the network shown is
  that account's. It always exists, so it is ACTIVE, not shared and not external. `network create`
  is refused with a fault that says to create subnets in the project's network; the network cannot be
  deleted (delete its subnets).
- **Each gateway subnet is one neutron subnet** of that network: id `to_uuid` of the subnet, `cidr` and
  `ip_version` from its range, `gateway_ip` and `allocation_pools` where the cloud names them (OpenStack
  does) and null / empty where it does not. `subnet create --network <the project's network>
  --subnet-range CIDR NAME` creates a gateway subnet with that range and answers once the cloud made it.
- **Ports are read-only views of instances**: each instance with addresses is one port (its id derived
  from the instance's, `device_id` the instance's UUID) whose fixed IPs are its addresses, each in the
  subnet of the instance whose range holds it, so `openstack port list --server` and the addresses of
  `server show` agree.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.core.resources import Related
from cloudgate.foreign_ids import to_uuid
from cloudgate.frontends.openstack import security_groups
from cloudgate.frontends.openstack.context import OsRequest, when
from cloudgate.frontends.openstack.errors import Family, OsError
from cloudgate.frontends.openstack.neutron import (
    collection,
    created,
    deletion,
    edited,
    find,
    not_found,
    owned,
    present,
    resource_body,
    standard,
    text,
)
from cloudgate.frontends.openstack.service import Endpoint, Service, delete, get, post, put
from cloudgate.model import Kind, ResourceRecord

UPDATED = "2016-08-15T00:00:00Z"  # neutron's v2.0 as its version document dates it
# The extensions served here (alias -> name, description); the CLI asks which exist.
EXTENSIONS: dict[str, tuple[str, str]] = {
    "security-group": ("security-group", "The security groups extension."),
    "standard-attr-description": ("standard-attr-description", "Extension to add descriptions to standard attributes"),
    "standard-attr-timestamp": ("Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources."),
    "standard-attr-revisions": ("Resource revision numbers", "This extension will display the revision number of neutron resources."),
    "project-id": ("project_id field enabled", "Extension that indicates that project_id field is enabled."),
    "external-net": ("Neutron external network", "Adds external network attribute to network resource."),
}  # fmt: skip
PORT_NAMESPACE = uuid.UUID("6d1c0e52-5c5e-4b36-9a4e-3f0c2f6a8b10")  # ports' ids: uuid5 of the instance's id
# Instance state -> the status of its port (a port is up while its instance runs).
PORT_STATUSES: dict[str, str] = {"running": "ACTIVE", "rebooting": "ACTIVE"}
NO_NETWORK_CREATE = ("The gateway shows one network per project, holding every subnet of it: create a subnet in it "
                     "instead (openstack subnet create --network {network} --subnet-range CIDR NAME).")  # fmt: skip
# Subnet attributes neutron takes on create, with the one value the gateway can honour where the cloud decides
# it (DHCP, DNS, routes, address modes): another value is refused rather than ignored.
CLOUD_DECIDES: dict[str, Any] = {
    "enable_dhcp": True, "dns_nameservers": [], "host_routes": [], "ipv6_ra_mode": None,
    "ipv6_address_mode": None, "description": "", "service_types": [],
}  # fmt: skip
SUBNET_ATTRIBUTES = frozenset({"name", "network_id", "cidr", "ip_version", "project_id", "tenant_id", *CLOUD_DECIDES})


# -- versions and extensions -----------------------------------------------------------------------


async def versions(os: OsRequest) -> Response:
    link = {"rel": "self", "href": f"{os.root}/network/v2.0/"}
    return JSONResponse({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [link]}]})


async def resources(os: OsRequest) -> Response:
    names = ("network", "subnet", "port", "security_group", "security_group_rule")
    listed = [{"name": name, "collection": f"{name.replace('_', '-')}s",
               "links": [{"rel": "self", "href": f"{os.root}/network/v2.0/{name.replace('_', '-')}s"}]}
              for name in names]  # fmt: skip
    return JSONResponse({"resources": listed})


def _extension(alias: str) -> dict[str, Any]:
    name, description = EXTENSIONS[alias]
    return {"alias": alias, "name": name, "description": description, "updated": UPDATED, "links": []}


async def extensions(os: OsRequest) -> Response:
    return JSONResponse({"extensions": [_extension(alias) for alias in EXTENSIONS]})


async def extension(os: OsRequest) -> Response:
    alias = os.request.path_params["alias"]
    if alias not in EXTENSIONS:
        raise OsError(404, f"Extension with alias {alias[:100]} does not exist", "NotFound")
    return JSONResponse({"extension": _extension(alias)})


# -- networks ------------------------------------------------------------------------------------


def network_id(os: OsRequest) -> str:
    """The network the request sees, the project's (or, under a scope naming a network cloud, that account's): its
    id is the account's UUID."""
    return to_uuid(os.account_of(Kind.SUBNET))


async def _network(os: OsRequest) -> dict[str, Any]:
    account = (await os.call(os.core.accounts.get, os.scoped, os.account_of(Kind.SUBNET))).row
    subnets = await present(os, Kind.SUBNET)
    related = await os.call(os.core.resources.related, os.scoped, subnets)
    zones = {_name_of(related, subnet, Kind.DATACENTER, subnet.attrs.get("datacenter")) for subnet in subnets}
    return {
        "id": network_id(os), "name": account.name or account.id, "status": "ACTIVE", "admin_state_up": True,
        "shared": False, "router:external": False, "subnets": [to_uuid(subnet.id) for subnet in subnets],
        "availability_zones": sorted(zone for zone in zones if zone), "availability_zone_hints": [],
        "description": f"Every subnet of project {account.name or account.id} ({account.cloud})",
        "port_security_enabled": True, "ipv4_address_scope": None, "ipv6_address_scope": None,
        "project_id": account.id, "tenant_id": account.id, "created_at": when(account.created_at, fraction=False),
        "updated_at": when(account.updated_at, fraction=False), "revision_number": 1, "tags": [],
    }  # fmt: skip


def _name_of(related: Related, record: ResourceRecord, kind: Kind, cloud_id: Any) -> str | None:
    found = related.of(record, kind, cloud_id if isinstance(cloud_id, str) else None)
    return found.name if found is not None else None


def _own_network(os: OsRequest, given: str) -> None:
    if given != network_id(os):
        raise OsError(404, f"Network {given[:100]} could not be found.", "NetworkNotFound")


async def networks(os: OsRequest) -> Response:
    return collection(os, "networks", [await _network(os)])


async def one_network(os: OsRequest) -> Response:
    _own_network(os, os.request.path_params["network_id"])
    return JSONResponse({"network": await _network(os)})


async def create_network(os: OsRequest) -> Response:
    await os.body()  # a malformed body is refused as such first
    raise OsError(400, NO_NETWORK_CREATE.format(network=network_id(os)), "BadRequest")


async def delete_network(os: OsRequest) -> Response:
    _own_network(os, os.request.path_params["network_id"])
    raise OsError(409, "The project's network always exists: delete its subnets instead.", "NetworkInUse")


# -- subnets -------------------------------------------------------------------------------------


def _subnet(os: OsRequest, record: ResourceRecord) -> dict[str, Any]:
    cidr = record.attrs.get("cidr")
    try:
        version = ipaddress.ip_network(cidr, strict=False).version if isinstance(cidr, str) else None
    except ValueError:
        version = None
    native = record.cloud_attrs  # the cloud's own words, where it names a gateway and pools (OpenStack does)
    return {
        "id": to_uuid(record.id), "name": record.name, "network_id": network_id(os), "cidr": cidr,
        "ip_version": version, "gateway_ip": native.get("gateway_ip"),
        "allocation_pools": list(native.get("allocation_pools") or []), "subnetpool_id": None,
        "segment_id": None, **CLOUD_DECIDES, **standard(record),
    }  # fmt: skip


async def subnets(os: OsRequest) -> Response:
    return collection(os, "subnets", [_subnet(os, record) for record in await present(os, Kind.SUBNET)])


async def one_subnet(os: OsRequest) -> Response:
    return JSONResponse({"subnet": _subnet(os, await find(os, Kind.SUBNET, os.request.path_params["os_id"]))})


def _range(attributes: dict[str, Any]) -> str:
    cidr = attributes.get("cidr")
    if cidr is None:
        raise OsError(400, "A subnet needs its range (--subnet-range CIDR): the gateway has no subnet pools.",
                      "BadRequest")  # fmt: skip
    try:
        network = ipaddress.ip_network(cidr) if isinstance(cidr, str) else None
    except ValueError:
        network = None
    if network is None:
        raise OsError(400, f"Invalid input for cidr. Reason: '{str(cidr)[:60]}' is not a valid IP subnet.",
                      "HTTPBadRequest")  # fmt: skip
    if str(attributes.get("ip_version", network.version)) != str(network.version):  # neutron takes 4 and "4"
        raise OsError(400, f"Invalid input for operation: cidr {cidr} is not an IPv{attributes['ip_version']} range.",
                      "InvalidInput")  # fmt: skip
    return str(network)


async def create_subnet(os: OsRequest) -> Response:
    attributes = await resource_body(os, "subnet", SUBNET_ATTRIBUTES)
    owned(os, attributes)
    given = attributes.get("network_id")
    if not isinstance(given, str):
        raise OsError(400, "Invalid input for network_id: the network's id is required.", "HTTPBadRequest")
    _own_network(os, given)
    for key, value in CLOUD_DECIDES.items():
        if key in attributes and attributes[key] != value:
            raise OsError(400, f"Invalid input for {key}: the cloud decides it; only {value!r} is taken.",
                          "InvalidInput")  # fmt: skip
    made = await created(os, Kind.SUBNET, {"cidr": _range(attributes)}, text(attributes, "name"))
    return JSONResponse({"subnet": _subnet(os, made)}, status_code=201)


async def update_subnet(os: OsRequest) -> Response:
    record = await find(os, Kind.SUBNET, os.request.path_params["os_id"])
    attributes = await resource_body(os, "subnet", frozenset({"name"}))
    name = text(attributes, "name")
    if name is not None and name != record.name:
        record = await edited(os, record, {"name": name})
    return JSONResponse({"subnet": _subnet(os, record)})


# -- ports ---------------------------------------------------------------------------------------


def _port(os: OsRequest, instance: ResourceRecord, related: Related) -> dict[str, Any]:
    subnet = related.of(instance, Kind.SUBNET, instance.attrs.get("subnet"))
    block = subnet.attrs.get("cidr") if subnet is not None else None
    fixed = []
    for address in instance.attrs.get("addresses") or []:
        inside = subnet is not None and isinstance(block, str) and _within(address, block)
        fixed.append({"subnet_id": to_uuid(subnet.id) if inside and subnet else None, "ip_address": address})
    groups = [related.of(instance, Kind.SECURITY_GROUP, g) for g in instance.attrs.get("security_groups") or []]
    zone = _name_of(related, instance, Kind.DATACENTER, instance.attrs.get("datacenter")) or ""
    return {
        "id": str(uuid.uuid5(PORT_NAMESPACE, instance.id)), "name": "", "network_id": network_id(os),
        "device_id": to_uuid(instance.id), "device_owner": f"compute:{zone}", "fixed_ips": fixed,
        "mac_address": None, "status": PORT_STATUSES.get(instance.state, "DOWN"), "admin_state_up": True,
        "security_groups": [to_uuid(g.id) for g in groups if g is not None], "port_security_enabled": True,
        "allowed_address_pairs": [], "extra_dhcp_opts": [], "binding:vnic_type": "normal", "description": "",
        **standard(instance),
    }  # fmt: skip


def _within(address: str, block: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(block, strict=False)
    except ValueError:
        return False


async def _ports(os: OsRequest) -> list[dict[str, Any]]:
    instances = [r for r in await present(os, Kind.INSTANCE) if r.attrs.get("addresses")]
    related = await os.call(os.core.resources.related, os.scoped, instances)
    return [_port(os, instance, related) for instance in instances]


async def ports(os: OsRequest) -> Response:
    return collection(os, "ports", await _ports(os))


async def one_port(os: OsRequest) -> Response:
    port_id = os.request.path_params["port_id"]
    found = next((port for port in await _ports(os) if port["id"] == port_id), None)
    if found is None:
        raise not_found(Kind.INSTANCE, port_id)
    return JSONResponse({"port": found})


ENDPOINTS: tuple[Endpoint, ...] = (
    get("/", versions, public=True),
    get("/v2.0", resources),
    get("/v2.0/", resources),
    get("/v2.0/extensions", extensions),
    get("/v2.0/extensions/{alias}", extension),
    get("/v2.0/networks", networks),
    post("/v2.0/networks", create_network),
    get("/v2.0/networks/{network_id}", one_network),
    delete("/v2.0/networks/{network_id}", delete_network),
    get("/v2.0/subnets", subnets),
    post("/v2.0/subnets", create_subnet),
    get("/v2.0/subnets/{os_id}", one_subnet),
    put("/v2.0/subnets/{os_id}", update_subnet),
    delete("/v2.0/subnets/{os_id}", deletion(Kind.SUBNET)),
    get("/v2.0/ports", ports),
    get("/v2.0/ports/{port_id}", one_port),
    *security_groups.ENDPOINTS,
)
SERVICE = Service("/network", Family.NETWORK, ENDPOINTS)
