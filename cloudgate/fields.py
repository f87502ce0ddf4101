"""Create fields as data: what each field of a create request holds, declared by each driver and checked
by the core before it accepts the request, so a bad value is refused at once with the field named.

The generic fields (`GENERIC_FIELDS`) are one vocabulary for every cloud; a driver declares which
of them each kind takes and which are required (`declare`), and may narrow one (a shorter name).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from cloudgate.errors import InvalidRequest
from cloudgate.model import Kind

FieldType = Literal["string", "integer", "boolean", "tags", "cidr", "rules"]

MAX_TAGS: Final = 50
MAX_TAG_KEY: Final = 128
MAX_TAG_VALUE: Final = 256
RULE_DIRECTIONS: Final = ("ingress", "egress")
RULE_PROTOCOLS: Final = ("tcp", "udp", "icmp", "any")
RULE_KEYS: Final = frozenset({"direction", "protocol", "from_port", "to_port", "cidr"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One create field: its type, bounds, and the kind of resource it names (a reference)."""

    type: FieldType
    required: bool = False
    reference: Kind | None = None  # the value names a resource of this kind: gateway id, cloud id or name
    many: bool = False  # a list of such values
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": f"list[{self.type}]" if self.many else self.type, "required": self.required}
        for key in ("minimum", "maximum", "max_length"):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        if self.reference is not None:
            body["reference"] = self.reference.value
        if self.description:
            body["description"] = self.description
        return body


def _ref(kind: Kind, description: str, *, many: bool = False) -> FieldSpec:
    return FieldSpec("string", reference=kind, many=many, max_length=500, description=description)


GENERIC_FIELDS: Final[dict[str, FieldSpec]] = {
    "name": FieldSpec("string", max_length=255, description="The resource's name."),
    "tags": FieldSpec("tags", description=f"Up to {MAX_TAGS} key/value strings."),
    "description": FieldSpec("string", max_length=255, description="What it is for."),
    "flavor": _ref(Kind.FLAVOR, "The flavor (instance size)."),
    "image": _ref(Kind.IMAGE, "The image to boot from."),
    "datacenter": _ref(Kind.DATACENTER, "The datacenter (zone) to place it in."),
    "keypair": _ref(Kind.KEYPAIR, "The key pair to install."),
    "security_groups": _ref(Kind.SECURITY_GROUP, "Security groups to apply.", many=True),
    "subnet": _ref(Kind.SUBNET, "The subnet to attach to."),
    "volume": _ref(Kind.VOLUME, "The volume to snapshot."),
    "snapshot": _ref(Kind.SNAPSHOT, "The snapshot to restore."),
    "instance": _ref(Kind.INSTANCE, "The instance to capture or attach to."),
    "user_data": FieldSpec("string", max_length=65_536, description="Data handed to the instance at boot."),
    "size_gb": FieldSpec("integer", minimum=1, maximum=65_536, description="Size in GB."),
    "cidr": FieldSpec("cidr", description="An address block, e.g. 10.0.1.0/24."),
    "public_key": FieldSpec("string", max_length=16_384, description="An OpenSSH public key."),
    "key_type": FieldSpec("string", max_length=20, description="Key algorithm of a generated key (rsa, ed25519)."),
    "rules": FieldSpec("rules", description="Rules: direction, protocol, from_port, to_port, cidr."),
    "device": FieldSpec("string", max_length=100, description="Device name on the instance, e.g. /dev/vdb."),
    "vpc": FieldSpec("string", max_length=200, description="The cloud's network (VPC) id."),
    "volume_type": FieldSpec("string", max_length=100, description="The cloud's volume type."),
    "disk_offering": FieldSpec("string", max_length=200, description="The cloud's disk offering id."),
    "network_offering": FieldSpec("string", max_length=200, description="The cloud's network offering id."),
    "network": FieldSpec("string", max_length=500, description="The cloud's network a subnet or rule belongs to."),
}

Schema = Mapping[str, FieldSpec]


def declare(
    accepted: Mapping[Kind, Iterable[str]], required: Mapping[Kind, Iterable[str]] | None = None,
    *, narrowed: Mapping[str, FieldSpec] | None = None, **bounds: int,
) -> dict[Kind, dict[str, FieldSpec]]:  # fmt: skip
    """A driver's create fields: the generic fields each kind takes, those `required`, and specs it
    `narrowed` (a different type or bound); `name_max=63` is short for a shorter name."""
    declared: dict[Kind, dict[str, FieldSpec]] = {}
    for kind, names in accepted.items():
        needed = set((required or {}).get(kind, ()))
        fields: dict[str, FieldSpec] = {}
        for name in names:
            spec = (narrowed or {}).get(name) or GENERIC_FIELDS[name]
            if name == "name" and "name_max" in bounds:
                spec = replace(spec, max_length=bounds["name_max"])
            fields[name] = replace(spec, required=name in needed)
        declared[kind] = fields
    return declared


def required_fields(schema: Mapping[Kind, Schema]) -> dict[Kind, frozenset[str]]:
    """The fields each kind requires (beyond the name)."""
    return {
        kind: frozenset(n for n, spec in fields.items() if spec.required and n != "name")
        for kind, fields in schema.items()
    }


def check(kind: Kind, schema: Schema, values: Mapping[str, Any]) -> None:
    """Refuse the first field that is unknown, missing or holds a bad value, naming it."""
    unknown = sorted(set(values) - schema.keys())
    if unknown:
        raise _bad(
            unknown[0],
            f"{kind.value} has no field {unknown[0]!r} on this cloud (it takes: {', '.join(sorted(schema))})",
        )
    missing = sorted(name for name, spec in schema.items() if spec.required and values.get(name) in (None, "", []))
    if missing:
        raise InvalidRequest(
            f"missing field(s) for {kind.value}: {', '.join(missing)}", details={"field": missing[0], "fields": missing}
        )
    for name, value in values.items():
        if value is not None:
            _check_value(name, schema[name], value)


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(message, details={"field": field})


def _check_value(name: str, spec: FieldSpec, value: Any) -> None:
    if spec.many:
        if not isinstance(value, list):
            raise _bad(name, f"{name} must be a list")
        for item in value:
            _check_one(name, spec, item)
    else:
        _check_one(name, spec, value)


def _check_one(name: str, spec: FieldSpec, value: Any) -> None:
    checker = _CHECKS[spec.type]
    checker(name, spec, value)


def _check_string(name: str, spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, str):
        raise _bad(name, f"{name} must be a string, not {_json_type(value)}")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _bad(name, f"{name} is {len(value)} characters long; this cloud allows at most {spec.max_length}")
    if "\x00" in value:
        raise _bad(name, f"{name} must not hold NUL characters")


def _check_integer(name: str, spec: FieldSpec, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(name, f"{name} must be an integer, not {_json_type(value)}")
    if spec.minimum is not None and value < spec.minimum:
        raise _bad(name, f"{name} must be at least {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise _bad(name, f"{name} must be at most {spec.maximum}")


def _check_boolean(name: str, _spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, bool):
        raise _bad(name, f"{name} must be true or false, not {_json_type(value)}")


def _check_tags(name: str, _spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _bad(name, f"{name} must be an object of strings")
    if len(value) > MAX_TAGS:
        raise _bad(name, f"{name}: at most {MAX_TAGS} tags")
    for key, text in value.items():
        if not 1 <= len(key) <= MAX_TAG_KEY or len(text) > MAX_TAG_VALUE:
            raise _bad(name, f"{name}: keys take 1 to {MAX_TAG_KEY} characters, values at most {MAX_TAG_VALUE}")
        if "\x00" in key or "\x00" in text:
            raise _bad(name, f"{name} must not hold NUL characters")


def _check_cidr(name: str, _spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, str):
        raise _bad(name, f"{name} must be a string such as 10.0.1.0/24")
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise _bad(name, f"{name} {value[:60]!r} is not an address block such as 10.0.1.0/24") from None


def _check_rules(name: str, _spec: FieldSpec, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(rule, dict) for rule in value):
        raise _bad(name, f"{name} must be a list of objects")
    for rule in value:
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            raise _bad(name, f"{name}: a rule has no field {unknown[0]!r} (rules take {', '.join(sorted(RULE_KEYS))})")
        if rule.get("direction", "ingress") not in RULE_DIRECTIONS:
            raise _bad(name, f"{name}: direction must be one of {', '.join(RULE_DIRECTIONS)}")
        if rule.get("protocol", "any") not in RULE_PROTOCOLS:
            raise _bad(name, f"{name}: protocol must be one of {', '.join(RULE_PROTOCOLS)}")
        for port in ("from_port", "to_port"):
            number = rule.get(port)
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, int) or not -1 <= number <= 65535
            ):
                raise _bad(name, f"{name}: {port} must be an integer from -1 to 65535")
        if "cidr" in rule:
            _check_cidr(name, _spec, rule["cidr"])


_CHECKS = {
    "string": _check_string,
    "integer": _check_integer,
    "boolean": _check_boolean,
    "tags": _check_tags,
    "cidr": _check_cidr,
    "rules": _check_rules,
}


def _json_type(value: Any) -> str:
    for python_type, name in ((bool, "a boolean"), (int, "a number"), (float, "a number"), (str, "a string"),
                              (list, "a list"), (dict, "an object")):  # fmt: skip
        if isinstance(value, python_type):
            return name
    return "null" if value is None else type(value).__name__
