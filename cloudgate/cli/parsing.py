"""Turning repeatable `key=value` options into request bodies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cloudgate.cli.failures import UsageFailure


def split_pair(text: str, option: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise UsageFailure("bad_option", f"{option} expects key=value, got {text!r}")
    return key.strip(), value


def string_pairs(values: Iterable[str], option: str) -> dict[str, str]:
    """`--credential access_key=AK` style options: every value kept as the string given."""
    return dict(split_pair(text, option) for text in values)


def json_value(text: str) -> Any:
    """JSON when the text parses as JSON (numbers, true, lists, objects, quoted strings), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def field_assignments(values: Iterable[str], option: str = "--set") -> dict[str, Any]:
    """`--set field=value` options, each value read with `json_value`."""
    return {key: json_value(value) for key, value in (split_pair(text, option) for text in values)}
