"""CloudStack's answers on the wire: one object named `<command>response`, as JSON (`response=json`) or as
XML (the default, with `cloud-stack-version`). Lists are arrays in JSON and repeated elements in XML;
absent values are left out, as CloudStack leaves out null fields."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import orjson

VERSION = "4.19.1.0"  # the CloudStack release whose API this front-end speaks
JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"
# Characters XML 1.0 cannot carry, even escaped: a name holding one still makes a well-formed answer.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def response_name(command: str) -> str:
    """The answer's top-level name: the command in lower case + "response" (`errorresponse` for no command)."""
    return f"{command.lower()}response" if command else "errorresponse"


def render(name: str, body: dict[str, Any], as_json: bool) -> tuple[bytes, str]:
    """The answer's bytes and media type."""
    if as_json:
        return orjson.dumps({name: _pruned(body)}), JSON_TYPE
    root = ElementTree.Element(name, {"cloud-stack-version": VERSION})
    _fill(root, body)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(
        root, encoding="utf-8", xml_declaration=False
    ), XML_TYPE


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _pruned(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_pruned(item) for item in value if item is not None]
    return value


def _fill(element: ElementTree.Element, body: dict[str, Any]) -> None:
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            child = ElementTree.SubElement(element, key)
            if isinstance(item, dict):
                _fill(child, item)
            else:
                child.text = _text(item)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))
