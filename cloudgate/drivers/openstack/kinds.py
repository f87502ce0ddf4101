"""Which blocking calls serve each kind: the driver looks them up here, and its capabilities follow."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection
from openstack.exceptions import NotFoundException

from cloudgate.drivers.openstack import compute, images, network, volumes
from cloudgate.model import CloudResource, Kind

Call = Callable[[Connection, str, Mapping[str, Any]], None]
Get = Callable[[Connection, str], CloudResource | None]


def gone_is_none(get: Get) -> Get:
    """A single read that answers None when the cloud says 404: the resource is gone."""

    def reading(conn: Connection, cloud_id: str) -> CloudResource | None:
        try:
            return get(conn, cloud_id)
        except NotFoundException:
            return None

    return reading


@dataclass(frozen=True)
class KindCalls:
    list: Callable[[Connection], list[CloudResource]]
    create: Callable[[Connection, Mapping[str, Any]], CloudResource] | None = None
    destroy: Callable[[Connection, str], None] | None = None
    edit: Call | None = None
    actions: Mapping[str, Call] = field(default_factory=dict)
    get: Get | None = None  # one resource by id, for change hints


KINDS: dict[Kind, KindCalls] = {
    Kind.DATACENTER: KindCalls(compute.list_datacenters),
    Kind.FLAVOR: KindCalls(compute.list_flavors),
    Kind.IMAGE: KindCalls(
        images.list_images,
        images.create_image,
        images.destroy_image,
        images.edit_image,
        get=gone_is_none(images.get_image),
    ),
    Kind.INSTANCE: KindCalls(
        compute.list_instances,
        compute.create_instance,
        compute.destroy_instance,
        compute.edit_instance,
        {"start": compute.start_instance, "stop": compute.stop_instance, "reboot": compute.reboot_instance},
        gone_is_none(compute.get_instance),
    ),
    Kind.VOLUME: KindCalls(
        volumes.list_volumes,
        volumes.create_volume,
        volumes.destroy_volume,
        volumes.edit_volume,
        {"attach": volumes.attach_volume, "detach": volumes.detach_volume},
        gone_is_none(volumes.get_volume),
    ),
    Kind.SNAPSHOT: KindCalls(
        volumes.list_snapshots,
        volumes.create_snapshot,
        volumes.destroy_snapshot,
        volumes.edit_snapshot,
        get=gone_is_none(volumes.get_snapshot),
    ),
    Kind.SUBNET: KindCalls(
        network.list_subnets,
        network.create_subnet,
        network.destroy_subnet,
        network.edit_subnet,
        get=gone_is_none(network.get_subnet),
    ),
    Kind.KEYPAIR: KindCalls(
        compute.list_keypairs, compute.create_keypair, compute.destroy_keypair, get=gone_is_none(compute.get_keypair)
    ),
    Kind.SECURITY_GROUP: KindCalls(
        network.list_security_groups,
        network.create_security_group,
        network.destroy_security_group,
        network.edit_security_group,
        get=gone_is_none(network.get_security_group),
    ),
}
