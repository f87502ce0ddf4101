"""Instances: launch, describe (with their status and attributes), start, stop, reboot, terminate, modify."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cloudgate.core.operations import Operation
from cloudgate.foreign_ids import to_ec2_id
from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request, specified_tags
from cloudgate.frontends.ec2.errors import Ec2Error, not_found
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

MAX_LAUNCH = 20  # instances one RunInstances may ask for
TERMINATED_SHOWN_SECONDS = 3600.0  # how long EC2 describes an instance after its termination


def fingerprint_of(params: dict[str, Any]) -> str:
    """A digest of a request's parameters but its ClientToken."""
    blob = json.dumps({k: v for k, v in params.items() if k != "ClientToken"}, sort_keys=True, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


# EC2's state shown once an action is accepted, by action.
ACCEPTED_STATES: dict[str, tuple[int, str]] = {
    "start": (0, "pending"),
    "stop": (64, "stopping"),
    "destroy": (32, "shutting-down"),
}
# What an action leaves alone: a running instance is not started again.
ALREADY: dict[str, frozenset[str]] = {
    "start": frozenset({"running", "pending"}),
    "stop": frozenset({"stopped", "stopping"}),
    "destroy": frozenset({"terminated"}),
}
# Attributes of DescribeInstanceAttribute / ModifyInstanceAttribute -> the output member and its value.
ATTRIBUTES: dict[str, str] = {
    "instanceType": "InstanceType",
    "disableApiTermination": "DisableApiTermination",
    "instanceInitiatedShutdownBehavior": "InstanceInitiatedShutdownBehavior",
    "rootDeviceName": "RootDeviceName",
    "userData": "UserData",
    "groupSet": "Groups",
    "blockDeviceMapping": "BlockDeviceMappings",
    "ebsOptimized": "EbsOptimized",
    "sourceDestCheck": "SourceDestCheck",
}


async def rendered(request: Ec2Request, records: Sequence[ResourceRecord]) -> list[dict[str, Any]]:
    """Instances in EC2's shape, with their references and attached volumes looked up once per page."""
    rel = await request.related(records)
    cloud_ids = tuple(r.cloud_id for r in records if r.cloud_id)
    volumes = await request.listing(
        ResourceQuery(kind=Kind.VOLUME, matches=(Match("attrs.attached_to", cloud_ids), request.in_home(Kind.VOLUME)))
    ) if cloud_ids else []  # fmt: skip
    attached: dict[str, list[ResourceRecord]] = {}
    for volume in volumes:
        attached.setdefault(volume.attrs["attached_to"], []).append(volume)
    under_way = await request.call(request.core.operations.under_way, request.caller, records)
    return [render.instance(request, r, rel, attached.get(r.cloud_id or "", []), under_way.get(r.id)) for r in records]


async def _default_zone(request: Ec2Request) -> str:
    zones = await request.listing(
        ResourceQuery(kind=Kind.DATACENTER, matches=(request.in_home(Kind.DATACENTER), Match("attrs.type", ("zone",)),
                                                     Match("state", ("available",))))
    )  # fmt: skip
    if not zones:
        raise Ec2Error("InsufficientInstanceCapacity", "no availability zone of the account is available")
    return min(zones, key=lambda z: z.name).name


async def run_instances(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    least, most = params.get("MinCount", 1), params.get("MaxCount", 1)
    if not 1 <= least <= most:
        raise Ec2Error("InvalidParameterValue", "MinCount and MaxCount must be at least 1, MinCount at most MaxCount")
    if most > MAX_LAUNCH:
        raise Ec2Error("InstanceLimitExceeded", f"at most {MAX_LAUNCH} instances in one request")
    for required in ("ImageId", "InstanceType"):
        if not params.get(required):
            raise Ec2Error("MissingParameter", f"The request must contain the parameter {required}")
    image = await request.one(Kind.IMAGE, params["ImageId"])
    name, tags = specified_tags(params, "instance")
    spec: dict[str, Any] = {
        "account": request.account_id, "name": name or "", "flavor": params["InstanceType"], "image": image.id,
        "datacenter": (params.get("Placement") or {}).get("AvailabilityZone") or await _default_zone(request),
    }  # fmt: skip
    if tags:
        spec["tags"] = tags
    if params.get("KeyName"):
        spec["keypair"] = params["KeyName"]
    groups = [g.id for g in await request.records(Kind.SECURITY_GROUP, params.get("SecurityGroupIds") or [])]
    groups += params.get("SecurityGroups") or []  # by name: the core resolves names
    if groups:
        spec["security_groups"] = groups
    if params.get("SubnetId"):
        spec["subnet"] = (await request.one(Kind.SUBNET, params["SubnetId"])).id
    if params.get("UserData"):
        spec["user_data"] = params["UserData"]
    token = params.get("ClientToken")
    subject = fingerprint_of(params) if token else None  # one token, one whole request (MaxCount included)
    launched: list[ResourceRecord] = []
    for index in range(most):
        caller = request.caller.keyed(f"ec2:{token}:{index}", subject) if token else request.caller
        try:
            record, _operation = await request.create(Kind.INSTANCE, spec, caller)
        except Ec2Error:
            if len(launched) >= least:
                break  # EC2 launches as many as it can between MinCount and MaxCount
            for made in launched:  # fewer than MinCount: none
                await _act(request, made, "destroy")
            raise
        launched.append(record)
    return render.reservation(request, await rendered(request, launched))


async def describe_instances(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    records, token = await _selected(request, params)
    return {"Reservations": [render.reservation(request, [one]) for one in await rendered(request, records)],
            "NextToken": token}  # fmt: skip


async def _selected(request: Ec2Request, params: dict[str, Any]) -> tuple[list[ResourceRecord], str | None]:
    ids = params.get("InstanceIds") or []
    if ids and params.get("MaxResults") is not None:
        raise Ec2Error("InvalidParameterCombination", "The parameter instancesSet cannot be used with maxResults")
    parts = await query_parts(request, Kind.INSTANCE, params.get("Filters"))
    if parts is None:
        return [], None
    matches, tags = parts
    gone: list[ResourceRecord] = []
    if ids:
        found, missing = await request.found(Kind.INSTANCE, ids)
        gone = await _terminated(request, missing)
        matches.append(Match("id", tuple(r.id for r in found)))
    records, token = await request.page(Kind.INSTANCE, matches, tags, params.get("MaxResults"), params.get("NextToken"))
    return [*records, *gone], token


async def _terminated(request: Ec2Request, ec2_ids: list[str]) -> list[ResourceRecord]:
    """The instances of `ec2_ids` that were terminated within the hour and are gone from the cloud (EC2 shows
    a terminated instance for about an hour: waiters on instance_terminated depend on it); NotFound for others.
    Nothing but their id and state is known of them any more."""
    if not ec2_ids:
        return []
    destroyed = await request.call(request.core.operations.destroyed, request.caller, request.account_id,
                                   Kind.INSTANCE, TERMINATED_SHOWN_SECONDS)  # fmt: skip
    by_ec2_id = {to_ec2_id(Kind.INSTANCE, op.resource_id): op for op in destroyed}
    unknown = [i for i in ec2_ids if i not in by_ec2_id]
    if unknown:
        raise not_found(Kind.INSTANCE, unknown)
    return [
        ResourceRecord(id=op.resource_id, cloud_id=None, scope=op.account_id, account_id=op.account_id,
                       cloud=request.account.row.cloud, kind=Kind.INSTANCE, name="", state="terminated",
                       cloud_state=None, attrs={}, cloud_attrs={}, tags={}, public=False, created_at=op.created_at,
                       updated_at=op.updated_at, revision=0)
        for op in (by_ec2_id[i] for i in ec2_ids)
    ]  # fmt: skip


async def describe_instance_status(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    records, token = await _selected(request, params)
    statuses = []
    for shown, record in zip(await rendered(request, records), records, strict=True):
        if record.state != "running" and not params.get("IncludeAllInstances"):
            continue
        check = "ok" if record.state == "running" else "not-applicable"
        detail = [{"Name": "reachability", "Status": "passed" if check == "ok" else "initializing"}]
        statuses.append({
            "InstanceId": shown["InstanceId"], "AvailabilityZone": shown["Placement"]["AvailabilityZone"],
            "InstanceState": shown["State"], "InstanceStatus": {"Status": check, "Details": detail},
            "SystemStatus": {"Status": check, "Details": detail},
        })  # fmt: skip
    return {"InstanceStatuses": statuses, "NextToken": token}


async def _change_state(request: Ec2Request, params: dict[str, Any], action: str, member: str) -> dict[str, Any]:
    records = await request.records(Kind.INSTANCE, params.get("InstanceIds") or [])
    changes = []
    for shown, record in zip(await rendered(request, records), records, strict=True):
        if record.state == "terminated" and action != "destroy":
            raise Ec2Error(
                "IncorrectInstanceState",
                f"The instance '{shown['InstanceId']}' is not in a state from which it can be {action}ed",
            )
        current = shown["State"]
        if record.state not in ALREADY.get(action, frozenset()):
            await _act(request, record, action)
            code, name = ACCEPTED_STATES.get(action, (current["Code"], current["Name"]))
            current = {"Code": code, "Name": name}
        changes.append({"InstanceId": shown["InstanceId"], "PreviousState": shown["State"], "CurrentState": current})
    return {member: changes}


async def _act(request: Ec2Request, record: ResourceRecord, action: str) -> Operation:
    core, caller = request.core, request.caller
    if action == "destroy":
        return await request.call(core.operations.destroy, caller, record.id, Kind.INSTANCE, kind=Kind.INSTANCE)
    return await request.call(core.operations.act, caller, record.id, action, {}, Kind.INSTANCE, kind=Kind.INSTANCE)


async def start_instances(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _change_state(request, params, "start", "StartingInstances")


async def stop_instances(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _change_state(request, params, "stop", "StoppingInstances")


async def terminate_instances(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _change_state(request, params, "destroy", "TerminatingInstances")


async def reboot_instances(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    for record in await request.records(Kind.INSTANCE, params.get("InstanceIds") or []):
        if record.state != "running":
            raise Ec2Error("IncorrectInstanceState", f"The instance '{request.ec2_id(record)}' is not running")
        await _act(request, record, "reboot")
    return {}


async def describe_instance_attribute(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    attribute = params.get("Attribute", "")
    if attribute not in ATTRIBUTES:
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute[:60]}) for parameter attribute is invalid")
    record = await request.one(Kind.INSTANCE, params.get("InstanceId", ""))
    (shown,) = await rendered(request, [record])
    values: dict[str, Any] = {
        "InstanceType": {"Value": shown["InstanceType"]}, "DisableApiTermination": {"Value": False},
        "InstanceInitiatedShutdownBehavior": {"Value": "stop"}, "RootDeviceName": {"Value": shown.get("RootDeviceName")},
        "UserData": {}, "Groups": shown["SecurityGroups"], "BlockDeviceMappings": shown["BlockDeviceMappings"],
        "EbsOptimized": {"Value": False}, "SourceDestCheck": {"Value": True},
    }  # fmt: skip
    member = ATTRIBUTES[attribute]
    return {"InstanceId": shown["InstanceId"], member: values[member]}


async def modify_instance_attribute(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.INSTANCE, params.get("InstanceId", ""))
    flavor = (params.get("InstanceType") or {}).get("Value") or (
        params.get("Value") if params.get("Attribute") == "instanceType" else None
    )
    if flavor is None:
        changed = sorted(key for key in params if key not in ("InstanceId", "DryRun"))
        raise Ec2Error(
            "UnsupportedOperation",
            f"the gateway changes no instance attribute {', '.join(changed)} (rename with CreateTags Name)",
        )
    if record.state != "stopped":
        raise Ec2Error(
            "IncorrectInstanceState", f"The instance '{request.ec2_id(record)}' is not in the 'stopped' state"
        )
    operation = await request.call(
        request.core.operations.edit, request.caller, record.id, {"flavor": flavor}, Kind.INSTANCE, kind=Kind.INSTANCE
    )
    await request.settled(operation)
    return {}


async def get_console_output(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.INSTANCE, params.get("InstanceId", ""))
    return {"InstanceId": request.ec2_id(record), "Timestamp": render.when(record.updated_at), "Output": ""}


async def get_password_data(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.INSTANCE, params.get("InstanceId", ""))
    return {"InstanceId": request.ec2_id(record), "Timestamp": render.when(record.updated_at), "PasswordData": ""}
