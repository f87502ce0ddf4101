"""Tags on any resource by its EC2 id: create, delete, describe. The Name tag is the resource's name."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.ec2.context import NAME_TAG, Ec2Request, ec2_kind, tags_of
from cloudgate.frontends.ec2.errors import Ec2Error
from cloudgate.model import Kind
from cloudgate.query import MAX_PAGE, Match, ResourceQuery

# EC2's resource types -> kinds.
RESOURCE_TYPES: dict[str, Kind] = {
    "instance": Kind.INSTANCE,
    "volume": Kind.VOLUME,
    "snapshot": Kind.SNAPSHOT,
    "image": Kind.IMAGE,
    "security-group": Kind.SECURITY_GROUP,
    "subnet": Kind.SUBNET,
    "key-pair": Kind.KEYPAIR,
}
TYPE_OF_KIND = {kind: name for name, kind in RESOURCE_TYPES.items()}


async def _retag(request: Ec2Request, params: dict[str, Any], change: Any) -> dict[str, Any]:
    resources = params.get("Resources") or []
    if not resources:
        raise Ec2Error("MissingParameter", "The request must contain the parameter ResourceId")
    given = params.get("Tags") or []
    operations = []
    for ec2_id in resources:
        kind = ec2_kind(ec2_id)
        record = await request.one(kind, ec2_id)
        name, tags = change(record.name, dict(record.tags), given)
        changes: dict[str, Any] = {}
        if tags != record.tags:
            changes["tags"] = tags
        if name != record.name:
            changes["name"] = name
        if changes:
            operations.append(
                await request.call(request.core.operations.edit, request.caller, record.id, changes, kind, kind=kind)
            )
    for operation in operations:  # EC2 answers once the tags are on
        await request.settled(operation)
    return {}


def _added(name: str, tags: dict[str, str], given: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    for tag in given:
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if key == NAME_TAG:
            name = value
        else:
            tags[key] = value
    return name, tags


def _removed(name: str, tags: dict[str, str], given: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    for tag in given:
        key, value = str(tag.get("Key", "")), tag.get("Value")
        if key == NAME_TAG and value in (None, name):
            name = ""
        elif key in tags and value in (None, tags[key]):
            del tags[key]
    return name, tags


async def create_tags(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _retag(request, params, _added)


async def delete_tags(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _retag(request, params, _removed)


async def describe_tags(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    wanted: dict[str, set[str]] = {}
    for given in params.get("Filters") or []:
        name = given.get("Name")
        if name not in ("resource-id", "resource-type", "key", "value"):
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
        wanted.setdefault(name, set()).update(str(v) for v in given.get("Values") or [])
    kinds = [RESOURCE_TYPES[t] for t in sorted(wanted.get("resource-type", RESOURCE_TYPES)) if t in RESOURCE_TYPES]
    found = []
    for kind in kinds:
        matches = [request.in_home(kind)]
        if "resource-id" in wanted:
            ids = [i for i in wanted["resource-id"] if ec2_kind(i) == kind]
            if not ids:
                continue
            matches.append(Match("id", tuple(r.id for r in await request.records(kind, ids))))
        for record in await request.listing(ResourceQuery(kind=kind, matches=tuple(matches))):
            if record.account_id is None:
                continue  # the endpoint's public images carry no tags of the account's
            for tag in tags_of(record):
                if tag["Key"] in wanted.get("key", {tag["Key"]}) and tag["Value"] in wanted.get(
                    "value", {tag["Value"]}
                ):
                    found.append({"ResourceId": request.ec2_id(record), "ResourceType": TYPE_OF_KIND[kind], **tag})
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    size = params.get("MaxResults") or MAX_PAGE
    page = found[start : start + size]
    return {"Tags": page, "NextToken": str(start + size) if start + size < len(found) else None}
