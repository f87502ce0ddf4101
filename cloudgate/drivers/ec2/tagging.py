"""Tags: which of them a client may set, and bringing a resource's tags to a wanted set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudgate.drivers.ec2.scope import Scope
from cloudgate.drivers.ec2.tables import NAME_TAG, NAMED_BY_TAG, RESERVED_TAG_PREFIX
from cloudgate.errors import InvalidRequest
from cloudgate.model import Kind


def _reserved(kind: Kind, key: str) -> bool:
    """Keys that are not the client's tags: AWS's own, and the Name tag of kinds named by it."""
    return key.startswith(RESERVED_TAG_PREFIX) or (kind in NAMED_BY_TAG and key == NAME_TAG)


def checked_tags(kind: Kind, tags: Any) -> dict[str, str]:
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise InvalidRequest("tags must be an object of strings", details={"field": "tags"})
    reserved = sorted(key for key in tags if _reserved(kind, key))
    if reserved:
        raise InvalidRequest(f"these tag keys are not the client's to set: {', '.join(reserved)}",
                             details={"field": "tags"})  # fmt: skip
    return dict(tags)


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


async def retag(scope: Scope, kind: Kind, cloud_id: str, wanted: dict[str, str]) -> None:
    """Make the client's tags of the resource exactly `wanted`."""
    found = await scope.describe("describe_tags", "Tags[]", Filters=[{"Name": "resource-id", "Values": [cloud_id]}])
    current = {tag["Key"]: tag["Value"] for tag in found if not _reserved(kind, tag["Key"])}
    stale = [key for key in current if key not in wanted]
    changed = {key: value for key, value in wanted.items() if current.get(key) != value}
    if stale:
        await scope.ec2.delete_tags(Resources=[cloud_id], Tags=[{"Key": key} for key in stale])
    if changed:
        await scope.ec2.create_tags(Resources=[cloud_id], Tags=tag_list(changed))


async def rename(scope: Scope, cloud_id: str, name: str) -> None:
    await scope.ec2.create_tags(Resources=[cloud_id], Tags=[{"Key": NAME_TAG, "Value": name}])
