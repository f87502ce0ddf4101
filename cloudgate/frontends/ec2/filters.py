"""EC2's filters (`Filter.N.Name` / `Filter.N.Value.M`) as the core's query: a table per kind of what each
filter name matches, with `tag:<key>` and `tag-key` on every kind, and `*` / `?` wildcards in values."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudgate.foreign_ids import from_ec2_id
from cloudgate.frontends.ec2.context import NAME_TAG, Ec2Request
from cloudgate.frontends.ec2.errors import Ec2Error
from cloudgate.frontends.ec2.render import IMAGE_STATES, INSTANCE_STATES, SNAPSHOT_STATES, SUBNET_STATES, VOLUME_STATES
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, TagMatch, Value


def _states(table: Mapping[str, Any]) -> Callable[[Sequence[str]], tuple[Value, ...]]:
    """Values in EC2's state names -> the normalized states shown under them."""

    def normalized(values: Sequence[str]) -> tuple[Value, ...]:
        return tuple(state for state, shown in table.items() for value in values if value in _names(shown))

    return normalized


def _names(shown: Any) -> tuple[str, ...]:
    # INSTANCE_STATES holds (code, name); VOLUME_STATES (state, attachment); the others the name.
    if isinstance(shown, tuple):
        return tuple(str(part) for part in shown if part is not None)
    return (shown,)


def _integers(values: Sequence[str]) -> tuple[Value, ...]:
    try:
        return tuple(int(value) for value in values)
    except ValueError:
        raise Ec2Error("InvalidParameterValue", f"The filter value {values[0]!r} is not a number") from None


def _booleans(values: Sequence[str]) -> tuple[Value, ...]:
    return tuple(value.lower() == "true" for value in values)


@dataclass(frozen=True, slots=True)
class Filter:
    """What one EC2 filter name matches: a field of the record (`id` values are the kind's EC2 ids), or
    an attribute holding the cloud id of a resource of `refers`, named by EC2 id or name."""

    field: str
    convert: Callable[[Sequence[str]], tuple[Value, ...]] | None = None
    refers: Kind | None = None


FILTERS: dict[Kind, dict[str, Filter]] = {
    Kind.INSTANCE: {
        "instance-id": Filter("id"),
        "instance-state-name": Filter("state", _states(INSTANCE_STATES)),
        "instance-state-code": Filter("state", lambda values: _states(INSTANCE_STATES)(
            [name for code, name in INSTANCE_STATES.values() if str(code) in values])),
        "instance-type": Filter("attrs.flavor", refers=Kind.FLAVOR),
        "availability-zone": Filter("datacenter"),
        "image-id": Filter("attrs.image", refers=Kind.IMAGE),
        "key-name": Filter("attrs.keypair", refers=Kind.KEYPAIR),
        "subnet-id": Filter("attrs.subnet", refers=Kind.SUBNET),
    },
    Kind.VOLUME: {
        "volume-id": Filter("id"),
        "status": Filter("state", _states(VOLUME_STATES)),
        "size": Filter("attrs.size_gb", _integers),
        "availability-zone": Filter("datacenter"),
        "attachment.instance-id": Filter("attrs.attached_to", refers=Kind.INSTANCE),
        "volume-type": Filter("attrs.volume_type"),
    },
    Kind.SNAPSHOT: {
        "snapshot-id": Filter("id"),
        "status": Filter("state", _states(SNAPSHOT_STATES)),
        "volume-id": Filter("attrs.volume", refers=Kind.VOLUME),
        "volume-size": Filter("attrs.size_gb", _integers),
    },
    Kind.IMAGE: {
        "image-id": Filter("id"),
        "name": Filter("name"),
        "state": Filter("state", _states(IMAGE_STATES)),
        "is-public": Filter("public", _booleans),
    },
    Kind.KEYPAIR: {"key-name": Filter("name"), "key-pair-id": Filter("id"), "fingerprint": Filter("attrs.fingerprint")},
    Kind.SECURITY_GROUP: {
        "group-id": Filter("id"),
        "group-name": Filter("name"),
        "description": Filter("attrs.description"),
    },
    Kind.SUBNET: {
        "subnet-id": Filter("id"),
        "availability-zone": Filter("datacenter"),
        "cidr-block": Filter("attrs.cidr"),
        "cidr": Filter("attrs.cidr"),
        "state": Filter("state", _states(SUBNET_STATES)),
    },
    Kind.DATACENTER: {"zone-name": Filter("name"), "region-name": Filter("attrs.region"), "state": Filter("state")},
    Kind.FLAVOR: {"instance-type": Filter("name"), "vcpu-info.default-vcpus": Filter("attrs.vcpus", _integers)},
}  # fmt: skip

# Filters every kind of the default VPC answers: the one VPC the gateway shows an account.
VPC_FILTERS = frozenset({"vpc-id"})


async def query_parts(
    request: Ec2Request, kind: Kind, filters: Sequence[Mapping[str, Any]] | None
) -> tuple[list[Match], list[TagMatch]] | None:
    """The matches and tag matches of EC2 filters on `kind`; None when they can match nothing."""
    matches: list[Match] = []
    tags: list[TagMatch] = []
    for given in filters or ():
        name, values = str(given.get("Name", "")), [str(v) for v in given.get("Values") or []]
        if not values:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' needs at least one value")
        if name == f"tag:{NAME_TAG}":  # the Name tag is the resource's name
            matches.append(Match("name", tuple(values), glob=any("*" in v or "?" in v for v in values)))
        elif name.startswith("tag:") and len(name) > 4:
            tags.append(TagMatch(name[4:], tuple(values)))
        elif name == "tag-key":
            if len(values) != 1:
                raise Ec2Error("InvalidParameterValue", "The filter 'tag-key' takes one value here")
            if values[0] != NAME_TAG:  # every resource has a name
                tags.append(TagMatch(values[0]))
        elif name in VPC_FILTERS:
            if request.vpc_id not in values:
                return None
        elif name in FILTERS.get(kind, {}):
            match = await _match(request, FILTERS[kind][name], values)
            if match is None:
                return None
            matches.append(match)
        else:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
    return matches, tags


async def _match(request: Ec2Request, spec: Filter, values: list[str]) -> Match | None:
    glob = any("*" in value or "?" in value for value in values)
    if spec.field == "id":
        records = await _by_ec2_id(request, values)
        return Match("id", tuple(r.id for r in records)) if records else None
    if spec.refers is not None:
        referred = await _referred(request, spec.refers, values)
        return Match(spec.field, tuple(referred)) if referred else None
    converted = spec.convert(values) if spec.convert else tuple(values)
    return Match(spec.field, converted, glob=glob and spec.convert is None)


async def _by_ec2_id(request: Ec2Request, values: list[str]) -> list[ResourceRecord]:
    found = []
    for value in values:
        decoded = from_ec2_id(value)
        if decoded is None:
            continue  # a filter value naming nothing matches nothing
        try:
            found.append(await request.one(decoded[0], value))
        except Ec2Error:
            continue
    return found


async def _referred(request: Ec2Request, kind: Kind, values: list[str]) -> list[str]:
    """The cloud ids of the `kind` resources the values name: by EC2 id, else by name."""
    cloud_ids = []
    for value in values:
        records = await _by_ec2_id(request, [value]) or await request.listing(
            ResourceQuery(kind=kind, matches=(Match("name", (value,)), request.in_home(kind)))
        )
        cloud_ids += [r.cloud_id for r in records if r.cloud_id and r.kind == kind]
    return cloud_ids
