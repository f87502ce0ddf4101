"""`fields` partial responses: `items(name,status),nextPageToken` or `id,disks/source` keeps those fields of
the answer and drops the rest (where cheap: the answer is made whole, then cut)."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.gce.discovery import schemas
from cloudgate.frontends.gce.errors import invalid

MAX_FIELDS = 2048
Selection = dict[str, "Selection | None"]  # a field -> what to keep of it (None: all of it)


def parse(text: str) -> Selection:
    if len(text) > MAX_FIELDS:
        raise invalid(f"Invalid field selection: longer than {MAX_FIELDS} characters")
    selection, at = _fields(text.replace(" ", ""), 0)
    if at != len(text.replace(" ", "")):
        raise invalid(f"Invalid field selection {text[:100]}")
    return selection


def check(selection: Selection, kind: str | None) -> None:
    """Refuse a selection naming a field the answer's schema (by its `kind`: compute#zoneList is a ZoneList)
    does not have, as GCE does; an answer whose kind names no schema takes any."""
    name = (kind or "").removeprefix("compute#")
    schema = schemas().get(name[:1].upper() + name[1:])
    if schema is not None:
        _known(selection, schema)


def _known(selection: Selection, spec: dict[str, Any]) -> None:
    spec = schemas()[spec["$ref"]] if "$ref" in spec else spec
    if spec.get("type") == "array":
        _known(selection, spec.get("items", {}))
        return
    fields = spec.get("properties")
    for name, inner in selection.items():
        if fields is None and "additionalProperties" in spec:  # a map: any key, its value by the map's schema
            field: dict[str, Any] | None = spec["additionalProperties"]
        else:
            field = (fields or {}).get(name)
        if field is None:
            raise invalid(f"Invalid field selection {name[:100]}")
        if inner is not None:
            _known(inner, field)


def _fields(text: str, at: int) -> tuple[Selection, int]:
    selection: Selection = {}
    while True:
        start = at
        while at < len(text) and (text[at].isalnum() or text[at] in "_-"):
            at += 1
        name = text[start:at]
        if not name:
            raise invalid(f"Invalid field selection {text[:100]}")
        inner: Selection | None = None
        if at < len(text) and text[at] == "/":
            inner, at = _path(text, at + 1)
        elif at < len(text) and text[at] == "(":
            inner, at = _fields(text, at + 1)
            if at >= len(text) or text[at] != ")":
                raise invalid(f"Invalid field selection {text[:100]}")
            at += 1
        selection[name] = _merged(selection.get(name, {}), inner) if name in selection else inner
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        return selection, at


def _path(text: str, at: int) -> tuple[Selection, int]:
    """`a/b/c`: one field inside another."""
    start = at
    while at < len(text) and (text[at].isalnum() or text[at] in "_-"):
        at += 1
    name = text[start:at]
    if not name:
        raise invalid(f"Invalid field selection {text[:100]}")
    if at < len(text) and text[at] == "/":
        inner, at = _path(text, at + 1)
        return {name: inner}, at
    return {name: None}, at


def _merged(left: Selection | None, right: Selection | None) -> Selection | None:
    if left is None or right is None:
        return None
    return {**left, **right}


def cut(value: Any, selection: Selection | None) -> Any:
    """`value` with only the selected fields (lists keep their items, each cut)."""
    if selection is None:
        return value
    if isinstance(value, list):
        return [cut(item, selection) for item in value]
    if isinstance(value, dict):
        return {k: cut(v, selection[k]) for k, v in value.items() if k in selection}
    return value
