"""Modifying resources: edits of declared fields, and actions (start, stop, attach…)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from cloudgate.drivers.ec2.groups import replace_rules
from cloudgate.drivers.ec2.provision import id_parameter
from cloudgate.drivers.ec2.rules import Rule, parse_rules
from cloudgate.drivers.ec2.scope import Scope
from cloudgate.drivers.ec2.tables import ACTION_REQUIRED, ACTIONS, ATTACH_DEVICES, LIVE_ATTACHMENT_STATES
from cloudgate.drivers.ec2.tagging import checked_tags, rename, retag
from cloudgate.errors import Conflict, InvalidRequest
from cloudgate.model import Kind


def _name(kind: Kind, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidRequest("name must be a string", details={"field": "name"})
    return value


def _size(kind: Kind, value: Any) -> int:
    if type(value) is not int or value < 1:
        raise InvalidRequest("size_gb must be a positive integer", details={"field": "size_gb"})
    return value


def _rules(kind: Kind, value: Any) -> list[Rule]:
    return parse_rules(value)


async def _rename(scope: Scope, kind: Kind, cloud_id: str, name: str) -> None:
    await rename(scope, cloud_id, name)


async def _resize(scope: Scope, kind: Kind, cloud_id: str, size: int) -> None:
    await scope.ec2.modify_volume(VolumeId=cloud_id, Size=size)


async def _set_rules(scope: Scope, kind: Kind, cloud_id: str, rules: list[Rule]) -> None:
    await replace_rules(scope, cloud_id, rules)


# Editable field -> (check the value, apply it). Every value is checked before any is applied.
EDITS: dict[str, tuple[Callable[[Kind, Any], Any], Callable[[Scope, Kind, str, Any], Awaitable[None]]]] = {
    "name": (_name, _rename),
    "tags": (checked_tags, retag),
    "size_gb": (_size, _resize),
    "rules": (_rules, _set_rules),
}


async def edit(scope: Scope, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
    checked = {field: EDITS[field][0](kind, value) for field, value in changes.items()}
    for field, value in checked.items():
        await EDITS[field][1](scope, kind, cloud_id, value)


def _device_letter(device: str) -> str:
    # /dev/sdf and /dev/xvdf name the same attachment point
    return re.sub(r"^/dev/(xv|s)d", "", device)


async def _free_device(scope: Scope, params: Mapping[str, Any], volume_id: str) -> str:
    """The first attachment point the instance does not use yet."""
    reservations = (await scope.ec2.describe_instances(InstanceIds=[params["InstanceId"]]))["Reservations"]
    instances = [instance for reservation in reservations for instance in reservation["Instances"]]
    mappings = [mapping for instance in instances for mapping in instance.get("BlockDeviceMappings") or []]
    used = {_device_letter(mapping["DeviceName"]) for mapping in mappings}
    free = [device for device in ATTACH_DEVICES if _device_letter(device) not in used]
    if not free:
        raise Conflict("the instance has no free device name left for another volume")
    return free[0]


async def _attached_instance(scope: Scope, params: Mapping[str, Any], volume_id: str) -> str:
    """The instance the volume is attached to (DetachVolume then detaches from that one only)."""
    volume = (await scope.ec2.describe_volumes(VolumeIds=[volume_id]))["Volumes"][0]
    bound = [a["InstanceId"] for a in volume.get("Attachments") or [] if a.get("State") in LIVE_ATTACHMENT_STATES]
    if not bound:
        raise Conflict(f"volume {volume_id} is not attached")
    return bound[0]


# Request parameters an action gets when the request leaves them out: (kind, action) -> maker.
ACTION_DEFAULTS: dict[tuple[Kind, str], dict[str, Callable[[Scope, Mapping[str, Any], str], Awaitable[Any]]]] = {
    (Kind.VOLUME, "attach"): {"Device": _free_device},
    (Kind.VOLUME, "detach"): {"InstanceId": _attached_instance},
}


async def act(scope: Scope, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
    operation, fields = ACTIONS[kind][action]
    unknown = set(params) - fields.keys()
    if unknown:
        raise InvalidRequest(f"unknown parameters for {action}: {', '.join(sorted(unknown))}")
    missing = sorted(ACTION_REQUIRED.get((kind, action), frozenset()) - params.keys())
    if missing:
        raise InvalidRequest(f"{action} needs {', '.join(missing)}")
    request = {fields[name]: value for name, value in params.items()}
    for parameter, make in ACTION_DEFAULTS.get((kind, action), {}).items():
        if parameter not in request:
            request[parameter] = await make(scope, request, cloud_id)
    await getattr(scope.ec2, operation)(**id_parameter(kind, cloud_id), **request)
