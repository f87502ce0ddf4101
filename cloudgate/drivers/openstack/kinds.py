"""Which blocking calls serve each kind: the driver looks them up here, and its capabilities follow."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection

from cloudgate.drivers.openstack import compute, images, network, volumes
from cloudgate.model import CloudResource, Kind

Call = Callable[[Connection, str, Mapping[str, Any]], None]


@dataclass(frozen=True)
class KindCalls:
    list: Callable[[Connection], list[CloudResource]]
    create: Callable[[Connection, Mapping[str, Any]], CloudResource] | None = None
    destroy: Callable[[Connection, str], None] | None = None
    edit: Call | None = None
    actions: Mapping[str, Call] = field(default_factory=dict)


KINDS: dict[Kind, KindCalls] = {
    Kind.DATACENTER: KindCalls(compute.list_datacenters),
    Kind.FLAVOR: KindCalls(compute.list_flavors),
    Kind.IMAGE: KindCalls(images.list_images, images.create_image, images.destroy_image, images.edit_image),
    Kind.INSTANCE: KindCalls(
        compute.list_instances,
        compute.create_instance,
        compute.destroy_instance,
        compute.edit_instance,
        {"start": compute.start_instance, "stop": compute.stop_instance, "reboot": compute.reboot_instance},
    ),
    Kind.VOLUME: KindCalls(
        volumes.list_volumes,
        volumes.create_volume,
        volumes.destroy_volume,
        volumes.edit_volume,
        {"attach": volumes.attach_volume, "detach": volumes.detach_volume},
    ),
    Kind.SNAPSHOT: KindCalls(
        volumes.list_snapshots, volumes.create_snapshot, volumes.destroy_snapshot, volumes.edit_snapshot
    ),
    Kind.SUBNET: KindCalls(network.list_subnets, network.create_subnet, network.destroy_subnet, network.edit_subnet),
    Kind.KEYPAIR: KindCalls(compute.list_keypairs, compute.create_keypair, compute.destroy_keypair),
    Kind.SECURITY_GROUP: KindCalls(
        network.list_security_groups,
        network.create_security_group,
        network.destroy_security_group,
        network.edit_security_group,
    ),
}
