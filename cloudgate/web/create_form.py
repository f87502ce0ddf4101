"""A create form built from the fields a cloud declares for a kind (`cloudgate.fields`): one control per field, of
the kind its type calls for, references offered by name from the store (a list to choose from, or, past
`CHOICES_MAX` candidates, a name typed with the server's suggestions); and the posted form read back into the
create request /v1 takes, a value the form cannot read refused naming its field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudgate.errors import InvalidRequest
from cloudgate.fields import RULE_DIRECTIONS, RULE_PROTOCOLS, FieldSpec
from cloudgate.model import Kind, ResourceRecord
from cloudgate.web.forms import Form
from cloudgate.web.presentation import label

CHOICES_MAX = 100  # candidates a list offers; a reference with more is typed, with the server's suggestions
LONG_TEXT = 1000  # a string field that may be longer than this is a text area (user data, a public key)
READY_STATES = frozenset({"available", "running", "in_use"})  # a candidate in another state says so
PORTS = re.compile(r"(-?[0-9]+)(?:-([0-9]+))?")
WHOLE_NUMBER = re.compile(r"-?[0-9]+")

# The control each field type is shown as (references apart), and an example of what it takes.
CONTROLS: dict[str, str] = {"string": "text", "integer": "number", "boolean": "checkbox", "tags": "lines",
                            "cidr": "text", "rules": "lines"}  # fmt: skip
EXAMPLES: dict[str, str] = {
    "cidr": "10.0.1.0/24",
    "tags": "One a line, key=value: env=demo",
    "rules": "One a line, direction protocol ports address block: ingress tcp 22 0.0.0.0/0",
}


@dataclass(frozen=True, slots=True)
class Option:
    value: str  # what the form sends: a gateway id (a choice) or a name (a suggestion)
    text: str  # what it shows
    name: str  # the name of what it names


@dataclass(slots=True)
class Control:
    """One field of the form as shown: its control (text, lines, number, checkbox, choice, choices or search),
    what it holds and what is wrong with it."""

    name: str
    label: str
    control: str
    spec: FieldSpec
    options: list[Option] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # as given (kept when the form comes back with an error)
    lookup: str | None = None  # a search: the URL that suggests names
    error: str | None = None

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def example(self) -> str:
        return EXAMPLES.get(self.spec.type, "")


@dataclass(frozen=True, slots=True)
class Candidates:
    """What a reference may name: every candidate (a choice), or a search when there are too many."""

    options: list[Option]
    lookup: str | None = None


def candidate_text(record: ResourceRecord) -> str:
    """A candidate as a choice shows it: its name, and what tells it from others."""
    shown = [record.name or record.id]
    if record.kind == Kind.FLAVOR and record.attrs.get("vcpus") is not None:
        shown.append(f"{record.attrs['vcpus']} vCPU, {record.attrs.get('ram_mb', '?')} MB RAM")
    if record.public:
        shown.append("public")
    if record.state not in READY_STATES:
        shown.append(record.state)
    return " · ".join(shown)


def ordered(fields: Mapping[str, FieldSpec]) -> list[str]:
    """The fields as the form lists them: the name, those required, the others, tags last."""
    return sorted(fields, key=lambda name: (name != "name", name == "tags", not fields[name].required))


def controls(
    fields: Mapping[str, FieldSpec], candidates: Mapping[str, Candidates], given: Mapping[str, Sequence[str]],
    errors: Mapping[str, str],
) -> list[Control]:  # fmt: skip
    """The form's controls for `fields`, holding what was `given` and the `errors` of each."""
    shown = []
    for name in ordered(fields):
        spec = fields[name]
        control = Control(name, label(name), CONTROLS[spec.type], spec, values=[str(v) for v in given.get(name, [])],
                          error=errors.get(name))  # fmt: skip
        if spec.reference is not None:
            found = candidates[name]
            control.options, control.lookup = found.options, found.lookup
            control.control = "search" if found.lookup else ("choices" if spec.many else "choice")
        elif spec.type == "string" and (spec.max_length or 0) > LONG_TEXT:
            control.control = "lines"
        shown.append(control)
    return shown


def read_spec(fields: Mapping[str, FieldSpec], form: Form) -> dict[str, Any]:
    """The create request's fields from the posted form (what is left empty is left out); InvalidRequest naming
    the field for a value that is not of its type."""
    spec: dict[str, Any] = {}
    for name, field_spec in fields.items():
        values = [value for value in form.fields.get(name, []) if value.strip()]
        if not values:
            continue
        if field_spec.reference is not None and field_spec.many:
            spec[name] = [item.strip() for value in values for item in value.split(",") if item.strip()]
        elif field_spec.type == "integer":
            spec[name] = _whole_number(name, values[0].strip())
        elif field_spec.type == "boolean":
            spec[name] = True
        elif field_spec.type == "tags":
            spec[name] = _tags(name, values[0])
        elif field_spec.type == "rules":
            spec[name] = _rules(name, values[0])
        elif (field_spec.max_length or 0) > LONG_TEXT:
            spec[name] = values[0]  # as typed: user data keeps its spaces
        else:
            spec[name] = values[0].strip()
    return spec


def _lines(text: str) -> list[tuple[int, str]]:
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _whole_number(name: str, text: str) -> int:
    if not WHOLE_NUMBER.fullmatch(text) or len(text) > 12:
        raise InvalidRequest(f"{label(name)} must be a whole number", details={"field": name})
    return int(text)


def _tags(name: str, text: str) -> dict[str, str]:
    tags = {}
    for number, line in _lines(text):
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            raise InvalidRequest(f"tags, line {number}: write key=value", details={"field": name})
        tags[key.strip()] = value.strip()
    return tags


def _rules(name: str, text: str) -> list[dict[str, Any]]:
    """Rules as lines of words in any order: a direction, a protocol, ports (22, or 8000-8080), an address block."""
    rules = []
    for number, line in _lines(text):
        rule: dict[str, Any] = {}
        for word in line.split():
            ports = PORTS.fullmatch(word)
            if word in RULE_DIRECTIONS:
                rule["direction"] = word
            elif word in RULE_PROTOCOLS:
                rule["protocol"] = word
            elif "/" in word:
                rule["cidr"] = word
            elif ports and len(word) <= 12:
                rule["from_port"] = int(ports.group(1))
                rule["to_port"] = int(ports.group(2) or ports.group(1))
            else:
                raise InvalidRequest(
                    f"rules, line {number}: {word[:40]!r} is none of a direction ({', '.join(RULE_DIRECTIONS)}), a "
                    f"protocol ({', '.join(RULE_PROTOCOLS)}), ports (22 or 8000-8080) or an address block "
                    "(10.0.0.0/8)",
                    details={"field": name},
                )
        rules.append(rule)
    return rules
