"""A command's parameters as CloudStack declares them (name, type, required, length) and their reading from
a request's decoded values: names are case-insensitive, maps (`tags[0].key=…`) become lists of objects,
and a missing or malformed value is refused with CloudStack's own words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, CsError

ParamType = Literal["uuid", "string", "integer", "long", "boolean", "list", "map"]
_INTEGER = re.compile(r"-?[0-9]{1,18}")
JAVA_INT = range(-(2**31), 2**31)  # an `integer` parameter is a Java Integer: a page past it is no page
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAP_ENTRY = re.compile(r"([a-z0-9_]+)\[([0-9]{1,4})\]\.([a-z0-9_]+)")
MAX_MAP_ENTRIES = 100


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: ParamType = "string"
    required: bool = False
    description: str = ""
    length: int = 255


# Parameters every listing takes (paging, and filters an account-bound caller has no use for).
PAGING = (
    Param("page", "integer", description="the page to list (from 1)"),
    Param("pagesize", "integer", description="how many items a page holds"),
    Param("keyword", description="list by a word the name holds"),
    Param("listall", "boolean", description="every resource the caller may see (its own, here)"),
    Param("account", description="the account (the caller's own, here)"),
    Param("domainid", "uuid", description="the domain (ROOT, here)"),
    Param("isrecursive", "boolean", description="include subdomains (none, here)"),
    Param("projectid", "uuid", description="a project (none, here)"),
)


def missing(command: str, name: str) -> CsError:
    return CsError(PARAM_ERROR, f"Unable to execute API command {command.lower()} due to missing parameter {name}")


def invalid(command: str, name: str, value: str) -> CsError:
    return CsError(
        PARAM_ERROR,
        f"Unable to execute API command {command.lower()} due to invalid value. Invalid parameter {name} "
        f"value={value[:100]} due to incorrect long value format, or entity does not exist or due to incorrect "
        "parameter annotation for the field in api cmd class.",
    )


def read(command: str, declared: tuple[Param, ...], given: Mapping[str, str]) -> dict[str, Any]:
    """The declared parameters the request carries, typed; others are ignored, as CloudStack ignores them."""
    values: dict[str, Any] = {}
    for param in declared:
        if param.type == "map":
            entries = _map(command, param, given)
            if entries:
                values[param.name] = entries
            elif param.required:
                raise missing(command, param.name)
            continue
        text = given.get(param.name)
        if not text:  # an empty value is no value, as CloudStack reads one
            if param.required:
                raise missing(command, param.name)
            continue
        values[param.name] = _typed(command, param, text)
    return values


def _typed(command: str, param: Param, text: str) -> Any:
    if param.type in ("integer", "long"):
        if not _INTEGER.fullmatch(text.strip()) or (param.type == "integer" and int(text) not in JAVA_INT):
            raise invalid(command, param.name, text)
        return int(text)
    if param.type == "boolean":
        return text.strip().lower() == "true"  # Java's Boolean.parseBoolean: anything else is false
    if param.type == "uuid":
        if not _UUID.fullmatch(text.strip()):
            raise invalid(command, param.name, text)
        return text.strip().lower()
    if param.type == "list":
        items = [item.strip() for item in text.split(",") if item.strip()]
        if len(items) > MAX_MAP_ENTRIES:
            raise CsError(PARAM_ERROR, f"{param.name} holds more than {MAX_MAP_ENTRIES} items")
        return items
    if len(text) > param.length:
        raise CsError(PARAM_ERROR, f"The length of {param.name} exceeds {param.length} characters")
    return text


def _map(command: str, param: Param, given: Mapping[str, str]) -> list[dict[str, str]]:
    """`name[i].field=value` entries as a list of objects, in index order."""
    entries: dict[int, dict[str, str]] = {}
    for key, value in given.items():
        found = _MAP_ENTRY.fullmatch(key)
        if found is None or found.group(1) != param.name:
            continue
        entries.setdefault(int(found.group(2)), {})[found.group(3)] = value
        if len(entries) > MAX_MAP_ENTRIES:
            raise CsError(PARAM_ERROR, f"{param.name} holds more than {MAX_MAP_ENTRIES} entries")
    return [entries[index] for index in sorted(entries)]
