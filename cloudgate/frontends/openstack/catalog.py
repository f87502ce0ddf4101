"""Keystone's service catalog for a project: one entry per service the front-end serves, each with a public,
internal and admin endpoint in the account's region, under the URL the client reached the gateway by."""

from __future__ import annotations

import hashlib
from typing import Any

from cloudgate.frontends.openstack.context import DEFAULT_REGION

# (service type, name, path under /openstack): the clients find each service by its type. Cinder is listed
# under both of the types clients look for it by, as devstack lists it.
CATALOG: tuple[tuple[str, str, str], ...] = (
    ("identity", "keystone", "/identity"),
    ("compute", "nova", "/compute/v2.1"),
    ("image", "glance", "/image"),
    ("block-storage", "cinder", "/volume/v3/{project_id}"),
    ("volumev3", "cinderv3", "/volume/v3/{project_id}"),
    ("network", "neutron", "/network"),
)
INTERFACES = ("public", "internal", "admin")


def stable_id(*parts: str) -> str:
    """A keystone-shaped id (32 hex digits) that is the same for the same parts."""
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def catalog(root: str, project_id: str, region: str | None) -> list[dict[str, Any]]:
    region = region or DEFAULT_REGION
    entries = []
    for service_type, name, path in CATALOG:
        url = root + path.format(project_id=project_id)
        endpoints = [
            {"id": stable_id(service_type, interface, region), "interface": interface, "region": region,
             "region_id": region, "url": url}
            for interface in INTERFACES
        ]  # fmt: skip
        entries.append({"id": stable_id(service_type), "type": service_type, "name": name, "endpoints": endpoints})
    return entries
