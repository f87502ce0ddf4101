"""Tags on any resource by its CloudStack id and resource type: create, delete, list."""

from __future__ import annotations

from typing import Any

from cloudgate.core.operations import Operation
from cloudgate.frontends.cloudstack.context import CsRequest, listed
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, CsError
from cloudgate.frontends.cloudstack.jobs import started
from cloudgate.frontends.cloudstack.render import KIND_OF_TYPE, RESOURCE_TYPES, SUCCESS, tag
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery, TagMatch

MAX_TAGGED_RESOURCES = 100


def _kind(request: CsRequest, resource_type: str) -> Kind:
    kind = KIND_OF_TYPE.get(resource_type.lower())
    if kind is None:
        raise CsError(PARAM_ERROR, f"Unable to find resource type {resource_type[:60]}: one of "
                                   f"{', '.join(RESOURCE_TYPES.values())}")  # fmt: skip
    return kind


async def _retag(request: CsRequest, params: dict[str, Any], change: Any) -> dict[str, Any]:
    """One edit per resource; the job is the last one, answered once the others are done (a job is one
    operation, and CloudStack's clients follow one job)."""
    kind = _kind(request, params["resourcetype"])
    ids = params["resourceids"]
    if len(ids) > MAX_TAGGED_RESOURCES:
        raise CsError(PARAM_ERROR, f"At most {MAX_TAGGED_RESOURCES} resources at a time")
    records = [await request.one(kind, cs_id, "resourceids") for cs_id in ids]
    given = params.get("tags", [])
    operations: list[Operation] = []
    for record in records:
        tags = change(dict(record.tags), given)
        if tags != record.tags:
            operations.append(await request.call(request.core.operations.edit, request.caller, record.id,
                                                 {"tags": tags}, kind))  # fmt: skip
    if not operations:
        return SUCCESS
    for operation in operations[:-1]:
        await request.done(operation)
    return started(operations[-1])


def _added(tags: dict[str, str], given: list[dict[str, str]]) -> dict[str, str]:
    for entry in given:
        if not entry.get("key"):
            raise CsError(PARAM_ERROR, "Every tag needs a key")
        tags[entry["key"]] = entry.get("value", "")
    return tags


def _removed(tags: dict[str, str], given: list[dict[str, str]]) -> dict[str, str]:
    if not given:  # no tags named: every tag goes, as in CloudStack
        return {}
    for entry in given:
        if entry.get("key") in tags and entry.get("value") in (None, tags[entry["key"]]):
            del tags[entry["key"]]
    return tags


async def create(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("tags"):
        raise CsError(PARAM_ERROR, "Unable to execute API command createtags due to missing parameter tags")
    return await _retag(request, params, _added)


async def delete(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    return await _retag(request, params, _removed)


async def list_tags(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    kinds = [_kind(request, params["resourcetype"])] if "resourcetype" in params else list(RESOURCE_TYPES)
    matches = []
    if "resourceid" in params:
        if len(kinds) != 1:
            raise CsError(PARAM_ERROR, "resourceid needs resourcetype")
        matches.append(request.id_match(params["resourceid"], param="resourceid"))
    key, value = params.get("key"), params.get("value")
    tags = (TagMatch(key, (value,) if value is not None else ()),) if key is not None else ()
    shown: list[dict[str, Any]] = []
    for kind in kinds:
        query = ResourceQuery(kind=kind, matches=tuple(matches), tags=tags)
        records, _count = await request.page(query, {"pagesize": 500})
        for record in records:
            for tag_key, tag_value in sorted(record.tags.items()):
                if key in (None, tag_key) and value in (None, tag_value):
                    shown.append(tag(record, tag_key, tag_value, request.account))
    size = max(1, min(params.get("pagesize", 500), 500))
    start = (max(params.get("page", 1), 1) - 1) * size
    page = shown[start : start + size]
    return listed("tag", page, len(shown))
