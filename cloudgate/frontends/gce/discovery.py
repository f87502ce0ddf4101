"""Compute Engine's discovery document, the one google-api-python-client bundles: the schemas a request body
is checked against, as GCE checks it (an unknown field is refused, not ignored, and so is a name its pattern does
not match)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from cloudgate.frontends.gce.errors import GceError

MAX_DEPTH = 6  # how deep a body is checked (its nesting is bounded by the body's size limit too)


@functools.cache
def schemas() -> dict[str, Any]:
    document = resources.files("googleapiclient") / "discovery_cache" / "documents" / "compute.v1.json"
    return json.loads(document.read_text())["schemas"]


def check(schema: str, body: Any) -> None:
    """Refuse a body holding a field the schema does not have, or a value of the wrong JSON type."""
    _check(schemas()[schema], body, "resource", 0)


def _check(spec: dict[str, Any], value: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH or value is None:
        return
    if "$ref" in spec:
        spec = schemas()[spec["$ref"]]
    kind = spec.get("type")
    expected: dict[str, type | tuple[type, ...]] = {
        "object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float),
    }  # fmt: skip
    if kind in expected and not isinstance(value, expected[kind]) and not _numeric(spec, value):
        raise _invalid(f"Invalid value at '{where}': a {kind} is expected")
    if isinstance(value, str) and "pattern" in spec and not _pattern(spec["pattern"]).fullmatch(value):
        raise GceError(400, "invalid", f"Invalid value for field '{where}': '{value[:60]}'. "
                                       f"Must be a match of regex '{spec['pattern']}'")  # fmt: skip
    if kind == "array":
        for index, item in enumerate(value):
            _check(spec.get("items", {}), item, f"{where}[{index}]", depth + 1)
    elif isinstance(value, dict) and "properties" in spec:
        for name, item in value.items():
            if name not in spec["properties"]:
                raise _invalid(f"Unknown name \"{str(name)[:60]}\" at '{where}': Cannot find field.")
            _check(spec["properties"][name], item, f"{where}.{name}", depth + 1)
    elif isinstance(value, dict) and "additionalProperties" in spec:
        for name, item in value.items():
            _check(spec["additionalProperties"], item, f"{where}.{str(name)[:60]}", depth + 1)


def _numeric(spec: dict[str, Any], value: Any) -> bool:
    """Numbers as proto3's JSON takes them: an integer or number as a string too, and a 64-bit integer (a string
    in the schema) as a JSON number too."""
    if spec.get("type") in ("integer", "number"):
        return isinstance(value, str)
    return spec.get("format") in ("int64", "uint64") and isinstance(value, int) and not isinstance(value, bool)


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _invalid(message: str) -> GceError:
    return GceError(400, "invalid", f"Invalid JSON payload received. {message}")
