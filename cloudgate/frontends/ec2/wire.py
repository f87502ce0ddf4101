"""The EC2 Query protocol, read and written from botocore's own service model of EC2.

A request's flat parameters (`Filter.1.Name=…&Filter.1.Value.1=…`) become the input structure boto3
callers pass (`{"Filters": [{"Name": …, "Values": […]}]}`), by walking the operation's input shape
with the names botocore's EC2 serializer gives each member. An output structure, the shape boto3
callers get back, becomes the EC2 XML botocore's parser reads (`<reservationSet><item>…`). The model
is the data; this module only walks it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
API_VERSION = "2016-11-15"


class WireError(ValueError):
    """A parameter the operation does not take, or a value of the wrong type: `name` says which."""

    def __init__(self, code: str, name: str, message: str):
        super().__init__(message)
        self.code = code
        self.name = name


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("ec2")


def operation(name: str) -> OperationModel | None:
    """The operation named by an `Action` parameter, if EC2 has one."""
    model = service_model()
    return model.operation_model(name) if name in model.operation_names else None


def _query_name(shape: Shape, member: str) -> str:
    # As botocore's EC2Serializer names members: queryName, else locationName capitalized, else the member.
    if "queryName" in shape.serialization:
        return shape.serialization["queryName"]
    if "name" in shape.serialization:
        name = shape.serialization["name"]
        return name[0].upper() + name[1:]
    return member


def parse_input(model: OperationModel, params: Mapping[str, str]) -> dict[str, Any]:
    """The input structure of `model` from flat query parameters (Action and Version excluded).
    WireError for a parameter the operation does not take, or a value its type cannot hold."""
    shape = model.input_shape
    used: set[str] = set()
    parsed = _structure(shape, params, "", used) if shape is not None else {}
    unknown = sorted(set(params) - used - {"Action", "Version"})
    if unknown:
        raise WireError("UnknownParameter", unknown[0], f"The parameter {unknown[0]} is not recognized")
    return parsed or {}


def _structure(shape: StructureShape, params: Mapping[str, str], prefix: str, used: set[str]) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for member, member_shape in shape.members.items():
        name = _query_name(member_shape, member)
        value = _value(member_shape, params, f"{prefix}.{name}" if prefix else name, used)
        if value is not None:
            found[member] = value
    return found or None


def _value(shape: Shape, params: Mapping[str, str], key: str, used: set[str]) -> Any:
    if shape.type_name == "structure":
        return _structure(shape, params, key, used)
    if shape.type_name == "list":
        items = []
        for index in range(1, len(params) + 2):
            item = _value(shape.member, params, f"{key}.{index}", used)
            if item is None:
                break
            items.append(item)
        return items or None
    if shape.type_name == "map":  # EC2 takes none in practice; read as key/value pairs
        return None
    if key not in params:
        return None
    used.add(key)
    return _scalar(shape, key, params[key])


def _scalar(shape: Shape, key: str, text: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind == "timestamp":
            return datetime.fromisoformat(text)
    except ValueError:
        raise WireError("InvalidParameterValue", key, f"Value ({text[:100]}) for parameter {key} is invalid") from None
    return text


# -- responses ---------------------------------------------------------------------------------------


def render_output(model: OperationModel, output: Mapping[str, Any], request_id: str) -> bytes:
    """The XML answer of an operation: its output structure under `<ActionResponse>`, with the requestId.
    Written as text straight from the shapes (a thousand instances are some 30,000 elements: building
    an element tree first took longer than the rest of the request)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{model.name}Response xmlns="{NAMESPACE}">',
             f"<requestId>{_escaped(request_id)}</requestId>"]  # fmt: skip
    if model.output_shape is not None:
        _write_members(parts, model.output_shape, output)
    parts.append(f"</{model.name}Response>")
    return xml_safe("".join(parts)).encode()  # once for the whole answer: no tag holds such characters


def render_error(code: str, message: str, request_id: str) -> bytes:
    root = Element("Response")
    error = SubElement(SubElement(root, "Errors"), "Error")
    SubElement(error, "Code").text = code
    SubElement(error, "Message").text = xml_safe(message)
    SubElement(root, "RequestID").text = request_id
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8")


@dataclass(frozen=True, slots=True)
class _Element:
    """How one member is written: its tags, its shape's type, and for a list how each item is."""

    opening: str
    closing: str
    shape: Shape
    kind: str
    item: _Element | None  # a list's items


@functools.cache
def _element(shape: Shape, tag: str) -> _Element:
    item = None
    if shape.type_name == "list":
        member = shape.member
        item = _element(member, member.serialization.get("name", "item"))
    return _Element(f"<{tag}>", f"</{tag}>", shape, shape.type_name, item)


@functools.cache
def _members(shape: StructureShape) -> dict[str, _Element]:
    """How each member of a structure is written, by member name."""
    return {name: _element(member, member.serialization.get("name", name)) for name, member in shape.members.items()}


def _write_members(parts: list[str], shape: StructureShape, value: Mapping[str, Any]) -> None:
    """The members `value` has (structures have many more members than a value sets), in its order."""
    members = _members(shape)
    for member, item in value.items():
        element = members.get(member)
        if element is not None and item is not None:
            _write(parts, element, item)


def _write(parts: list[str], element: _Element, value: Any) -> None:
    kind = element.kind
    if kind == "string" and type(value) is str:  # most leaves: the fast way
        parts += (element.opening, _escaped(value), element.closing)
    elif kind == "structure":
        parts.append(element.opening)
        _write_members(parts, element.shape, value)
        parts.append(element.closing)
    elif element.item is not None:
        parts.append(element.opening)
        for item in value:
            _write(parts, element.item, item)
        parts.append(element.closing)
    else:
        parts += (element.opening, _escaped(_text(element.shape, value)), element.closing)


def _escaped(text: str) -> str:
    return escape(text) if ("&" in text or "<" in text or ">" in text) else text


def _text(shape: Shape, value: Any) -> str:
    if shape.type_name == "boolean":
        return "true" if value else "false"
    if shape.type_name == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return str(value)


# Characters XML 1.0 cannot carry at all, not even as references: shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
