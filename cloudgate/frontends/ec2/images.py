"""Images (AMIs): describe the account's own and its endpoint's public ones, capture an instance, deregister."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request, owner_of, specified_tags
from cloudgate.frontends.ec2.errors import Ec2Error
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import Kind
from cloudgate.query import Match

# Owners values -> whether they name the account's own images (True) or the endpoint's public ones (False).
OWNER_ALIASES = {"self": True, "amazon": False, "aws-marketplace": False}


async def describe_images(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    parts = await query_parts(request, Kind.IMAGE, params.get("Filters"))
    if parts is None:
        return {"Images": []}
    matches, tags = parts
    matches.append(request.in_home(Kind.IMAGE))  # its own and its endpoint's public images (the scope's)
    owners = params.get("Owners") or []
    if owners:
        home = owner_of(request.home(Kind.IMAGE))
        own = {OWNER_ALIASES.get(owner, owner == home) for owner in owners}
        matches.append(Match("public", tuple(not mine for mine in own)))
    ids = params.get("ImageIds") or []
    if ids:
        matches.append(Match("id", tuple(r.id for r in await request.records(Kind.IMAGE, ids))))
    records, token = await request.page(Kind.IMAGE, matches, tags, params.get("MaxResults"), params.get("NextToken"))
    return {"Images": [render.image(request, r) for r in records], "NextToken": token}


async def create_image(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("Name"):
        raise Ec2Error("MissingParameter", "The request must contain the parameter name")
    instance = await request.one(Kind.INSTANCE, params.get("InstanceId", ""))
    _name, tags = specified_tags(params, "image")
    spec: dict[str, Any] = {"account": request.account_id, "name": params["Name"], "instance": instance.id}
    if tags:
        spec["tags"] = tags
    record, _operation = await request.create(Kind.IMAGE, spec)
    return {"ImageId": request.ec2_id(record)}


async def deregister_image(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.IMAGE, params.get("ImageId", ""))
    if record.account_id is None:
        raise Ec2Error("AuthFailure", f"Not authorized for image:{request.ec2_id(record)}", 403)
    await request.call(request.core.operations.destroy, request.caller, record.id, Kind.IMAGE, kind=Kind.IMAGE)
    return {"Return": True}


async def describe_image_attribute(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.IMAGE, params.get("ImageId", ""))
    shown = render.image(request, record)
    values: dict[str, Any] = {
        "description": {"Description": {"Value": shown["Description"]}},
        "launchPermission": {"LaunchPermissions": [{"Group": "all"}] if record.public else []},
        "blockDeviceMapping": {"BlockDeviceMappings": shown["BlockDeviceMappings"]},
    }
    attribute = params.get("Attribute", "")
    if attribute not in values:
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute[:60]}) for parameter attribute is invalid")
    return {"ImageId": shown["ImageId"], **values[attribute]}
