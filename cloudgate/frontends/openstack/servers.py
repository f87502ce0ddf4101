"""nova's servers over the gateway's instances: list and detail (filters, markers), show, create (networks,
key, security groups, zone, metadata), rename, delete, the start/stop/reboot/createImage actions, the
server's metadata and tags. Shapes are those of the negotiated microversion (up to the service's maximum).

Both nova's metadata (key → value) and its tags (strings) are the gateway's tags: a nova tag is a gateway
tag with an empty value, metadata every other tag."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.core.resources import Related
from cloudgate.foreign_ids import from_uuid, to_uuid
from cloudgate.frontends.openstack.context import OsRequest, integer, when
from cloudgate.frontends.openstack.errors import OsError
from cloudgate.model import ATTACHED_VOLUME_STATES, Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

# What nova says of a create's image or flavor it cannot find.
UNKNOWN_REFERENCES = {Kind.IMAGE: "Can not find requested image", Kind.FLAVOR: "Flavor {} could not be found."}
MAX_PATTERN = 255  # characters in a name filter (nova's regular expression), as long as a name
MAX_LAUNCH = 20  # servers one request may ask for (min_count/max_count)


@dataclass(frozen=True, slots=True)
class NovaState:
    status: str
    vm_state: str
    task_state: str | None
    power_state: int  # 0 NOSTATE, 1 RUNNING, 4 SHUTDOWN


# Normalized instance state -> how nova shows it.
STATES: dict[str, NovaState] = {
    "pending": NovaState("BUILD", "building", "spawning", 0),
    "running": NovaState("ACTIVE", "active", None, 1),
    "stopping": NovaState("ACTIVE", "active", "powering-off", 1),
    "stopped": NovaState("SHUTOFF", "stopped", None, 4),
    "rebooting": NovaState("REBOOT", "active", "rebooting", 1),
    "terminated": NovaState("DELETED", "deleted", None, 0),
    "error": NovaState("ERROR", "error", None, 0),
}
# The task an operation of the gateway's under way on a server shows (nova's task_state).
UNDER_WAY_TASKS: dict[str, str] = {"destroy": "deleting", "start": "powering-on", "stop": "powering-off",
                                   "reboot": "rebooting", "edit": "updating"}  # fmt: skip
# nova's status filter -> the normalized states it stands for.
STATUS_FILTER: dict[str, tuple[str, ...]] = {}
for _state, _shown in STATES.items():
    STATUS_FILTER.setdefault(_shown.status, ())
    STATUS_FILTER[_shown.status] += (_state,)
LISTED_STATES = tuple(state for state in STATES if state != "terminated")  # deleted servers are not listed

# The fields a create may carry (nova refuses any other, as its schema does).
CREATE_FIELDS = frozenset({
    "name", "imageRef", "flavorRef", "networks", "key_name", "security_groups", "availability_zone", "metadata",
    "user_data", "min_count", "max_count", "return_reservation_id", "block_device_mapping_v2", "description",
    "tags", "OS-DCF:diskConfig", "config_drive", "accessIPv4", "accessIPv6", "adminPass", "hostname",
})  # fmt: skip


def flavor_doc(flavor: ResourceRecord | None, cloud_id: str | None) -> dict[str, Any]:
    """The flavor a server has, embedded as nova embeds it since 2.47."""
    attrs = flavor.attrs if flavor else {}
    return {"vcpus": attrs.get("vcpus"), "ram": attrs.get("ram_mb"), "disk": attrs.get("disk_gb"), "ephemeral": 0,
            "swap": 0, "original_name": flavor.name if flavor else cloud_id, "extra_specs": {}}  # fmt: skip


def addresses(record: ResourceRecord, network: str) -> dict[str, list[dict[str, Any]]]:
    """The server's addresses under the name of the project's one network (see network.py)."""
    found = [a for a in record.attrs.get("addresses") or [] if isinstance(a, str)]
    return (
        {network: [{"addr": a, "version": 6 if ":" in a else 4, "OS-EXT-IPS:type": "fixed"} for a in found]}
        if found
        else {}
    )


def server_doc(
    os: OsRequest, record: ResourceRecord, rel: Related, volumes: Sequence[ResourceRecord], network: str,
    task: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    attrs = record.attrs
    state = STATES.get(record.state, STATES["error"])
    image = rel.of(record, Kind.IMAGE, attrs.get("image"))
    flavor = rel.of(record, Kind.FLAVOR, attrs.get("flavor"))
    zone = rel.of(record, Kind.DATACENTER, attrs.get("datacenter"))
    keypair = rel.of(record, Kind.KEYPAIR, attrs.get("keypair"))
    groups = [rel.of(record, Kind.SECURITY_GROUP, g) for g in attrs.get("security_groups") or []]
    link = f"{os.root}/compute/v2.1/servers/{os.os_id(record)}"
    doc: dict[str, Any] = {
        "id": os.os_id(record), "name": record.name, "status": state.status, "tenant_id": record.account_id,
        "user_id": os.scoped.client_id, "metadata": metadata_of(record), "hostId": "",
        "image": {"id": os.os_id(image), "links": [{"rel": "bookmark", "href": f"{os.root}/compute/images/{os.os_id(image)}"}]} if image else "",
        "flavor": flavor_doc(flavor, attrs.get("flavor")),
        "created": when(record.created_at, fraction=False), "updated": when(record.updated_at, fraction=False),
        "addresses": addresses(record, network), "accessIPv4": "", "accessIPv6": "",
        "links": [{"rel": "self", "href": link}, {"rel": "bookmark", "href": link}],
        "OS-DCF:diskConfig": "MANUAL", "progress": 0,  # no cloud reports a build's progress
        "OS-EXT-AZ:availability_zone": zone.name if zone else attrs.get("datacenter") or "",
        "config_drive": "", "key_name": keypair.name if keypair else attrs.get("keypair"),
        "OS-SRV-USG:launched_at": when(record.created_at, fraction=False) if state.power_state else None,
        "OS-SRV-USG:terminated_at": None,
        "security_groups": [{"name": g.name} for g in groups if g is not None],
        "OS-EXT-STS:task_state": task or state.task_state, "OS-EXT-STS:vm_state": state.vm_state,
        "OS-EXT-STS:power_state": state.power_state,
        "os-extended-volumes:volumes_attached": [{"id": os.os_id(v), "delete_on_termination": False} for v in volumes],
        "locked": False, "locked_reason": None, "description": None, "tags": tags_of(record),
        "trusted_image_certificates": None,
    }  # fmt: skip
    if record.state == "error":
        doc["fault"] = {"code": 500, "created": when(record.updated_at, fraction=False),
                        "message": f"The cloud reports the server as {record.cloud_state or 'failed'}"}  # fmt: skip
    return doc


def metadata_of(record: ResourceRecord) -> dict[str, str]:
    return {key: value for key, value in record.tags.items() if value}


def tags_of(record: ResourceRecord) -> list[str]:
    return sorted(key for key, value in record.tags.items() if not value)


async def rendered(os: OsRequest, records: Sequence[ResourceRecord]) -> list[dict[str, Any]]:
    """Servers in nova's shape, with their references and attached volumes looked up once per page."""
    if not records:
        return []
    rel = await os.call(os.core.resources.related, os.scoped, records)
    cloud_ids = tuple(r.cloud_id for r in records if r.cloud_id)
    attached: dict[str, list[ResourceRecord]] = {}
    if cloud_ids:  # a detached volume keeps naming its last server: only attachments count
        query = ResourceQuery(
            kind=Kind.VOLUME,
            matches=(Match("attrs.attached_to", cloud_ids), Match("state", tuple(ATTACHED_VOLUME_STATES))),
        )
        for volume in await os.listing(query):
            attached.setdefault(volume.attrs["attached_to"], []).append(volume)
    under_way = await os.call(os.core.operations.under_way, os.scoped, records)
    account = (await os.call(os.core.accounts.get, os.scoped, os.project_id)).row
    network = account.name or account.id  # the project's network is named after it
    return [server_doc(os, r, rel, attached.get(r.cloud_id or "", []), network,
                       UNDER_WAY_TASKS.get(under_way.get(r.id, ""))) for r in records]  # fmt: skip


# -- reading --------------------------------------------------------------------------------------


def _since(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OsError(400, f"Invalid input for query parameters changes-since. Value: {text[:60]}.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()  # nova reads a bare time as UTC


async def _selected(os: OsRequest) -> tuple[list[ResourceRecord], str | None]:
    """The servers a listing's filters select, a page of them, and the marker of the next page."""
    status = os.param("status")
    states = LISTED_STATES
    if status is not None:
        if status.upper() not in STATUS_FILTER:
            raise OsError(400, f"Invalid status value: {status[:40]}")
        states = STATUS_FILTER[status.upper()]
    matches = [Match("state", states)]
    for param, kind, field in (("image", Kind.IMAGE, "attrs.image"), ("flavor", Kind.FLAVOR, "attrs.flavor")):
        value = os.param(param)
        if value is not None:
            referenced = await os.one(kind, _ref_id(value))
            matches.append(Match(field, (referenced.cloud_id or "",)))
    query = ResourceQuery(kind=Kind.INSTANCE, matches=tuple(matches))
    name, since = os.param("name"), os.param("changes-since")
    if name is None and since is None:
        return await os.page(query)
    # nova's name filter is a regular expression and changes-since a time: both filter the whole listing.
    if name is not None and len(name) > MAX_PATTERN:
        raise OsError(400, f"The name filter is longer than {MAX_PATTERN} characters.")
    try:
        pattern = re.compile(name) if name is not None else None
    except (re.error, OverflowError):  # a repeat too large to count is no pattern either
        raise OsError(400, f"Invalid regular expression for the name filter: {str(name)[:60]!r}") from None
    after = _since(since) if since is not None else None
    records = [r for r in await os.listing(query)
               if (pattern is None or pattern.search(r.name)) and (after is None or r.updated_at >= after)]  # fmt: skip
    return os.paged(records)


async def list_servers(os: OsRequest) -> Response:
    records, marker = await _selected(os)
    servers = [{"id": os.os_id(r), "name": r.name, "links": _links(os, r)} for r in records]
    return JSONResponse({"servers": servers, **_next(os, marker)})


async def list_details(os: OsRequest) -> Response:
    records, marker = await _selected(os)
    return JSONResponse({"servers": await rendered(os, records), **_next(os, marker)})


def _links(os: OsRequest, record: ResourceRecord) -> list[dict[str, str]]:
    link = f"{os.root}/compute/v2.1/servers/{os.os_id(record)}"
    return [{"rel": "self", "href": link}, {"rel": "bookmark", "href": link}]


def _next(os: OsRequest, marker: str | None) -> dict[str, Any]:
    if marker is None:
        return {}
    return {"servers_links": [{"rel": "next", "href": os.next_link(marker)}]}


async def server(os: OsRequest) -> ResourceRecord:
    """The server a path names (deleted servers are gone, as in nova)."""
    record = await os.one(Kind.INSTANCE, os.request.path_params["server_id"])
    if record.state == "terminated":
        raise OsError(404, f"Instance {os.request.path_params['server_id']} could not be found.")
    return record


async def show(os: OsRequest) -> Response:
    (doc,) = await rendered(os, [await server(os)])
    return JSONResponse({"server": doc})


# -- creating, changing, deleting -------------------------------------------------------------------


def _count(body: dict[str, Any], field: str, default: int) -> int:
    given = body.get(field, default)
    value = integer(given)
    if value is None or not 1 <= value <= MAX_LAUNCH:
        raise OsError(400, f"Invalid input for field/attribute {field}. Value: {str(given)[:40]}. "
                           f"It must be an integer between 1 and {MAX_LAUNCH}.")  # fmt: skip
    return value


def _text(body: dict[str, Any], field: str, *, required: bool = False, most: int = 255) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > most:
        raise OsError(400, f"Invalid input for field/attribute {field}. Value: {str(value)[:60]}. "
                           f"It must be a non-empty string of at most {most} characters.")  # fmt: skip
    return value


def _boot_image(mappings: Any) -> str | None:
    """The image a create's block device mappings boot from: a local disk made from an image is what every
    cloud behind the gateway boots (the openstack CLI names it so); a volume to boot from is refused."""
    if not isinstance(mappings, list) or not all(isinstance(m, dict) for m in mappings):
        raise OsError(400, "Invalid input for field/attribute block_device_mapping_v2: a list of objects is expected.")
    image = None
    for mapping in mappings:
        if (mapping.get("source_type"), mapping.get("destination_type", "local")) != ("image", "local"):
            raise OsError(400, "Block device mappings other than a local disk from an image cannot be honoured: "
                               "the clouds behind cloudgate boot servers from images, and volumes are attached "
                               "once the server is built.")  # fmt: skip
        if mapping.get("boot_index") in (0, "0") and isinstance(mapping.get("uuid"), str):
            image = mapping["uuid"]
    return image


async def _referenced(os: OsRequest, kind: Kind, given: str) -> ResourceRecord:
    """The image or flavor a create names: one that is not found makes the request bad (400), as in nova."""
    try:
        return await os.one(kind, _ref_id(given))
    except OsError as exc:
        if exc.status != 404:
            raise
        raise OsError(400, UNKNOWN_REFERENCES[kind].format(given[:100])) from None


def _ref_id(value: str) -> str:
    """An id given as itself or as a link to the resource (nova accepts both for imageRef and flavorRef)."""
    return value.rstrip("/").rsplit("/", 1)[-1]


async def _network_spec(os: OsRequest, networks: Any) -> dict[str, Any]:
    """The subnet a create's `networks` puts the server on: the one network neutron shows (the project's, or
    under a scope the network cloud's) leaves the choice to the cloud, unless a `fixed_ip` names a subnet's range
    (or the network given is a subnet's id). The network of another cloud than the server's names one of its
    subnets, which the core refuses, saying why."""
    if networks in (None, "auto", "none"):
        return {}
    if not isinstance(networks, list) or len(networks) > 1 or not all(isinstance(n, dict) for n in networks):
        raise OsError(400, "Invalid input for field/attribute networks: 'auto', 'none' or one network "
                           "({'uuid': …}) is expected (a server here is on one network).")  # fmt: skip
    if not networks:
        return {}
    wanted = networks[0]
    if "port" in wanted:
        raise OsError(400, "Ports cannot be given: name the network ({'uuid': …}) and the cloud assigns the port.")
    if not isinstance(wanted.get("uuid"), str):
        raise OsError(400, "Invalid input for field/attribute networks: each network needs its 'uuid'.")
    subnets = await os.listing(ResourceQuery(kind=Kind.SUBNET, matches=(Match("state", ("available",)),)))
    network_account = os.account_of(Kind.SUBNET)
    if wanted["uuid"] != to_uuid(network_account):  # the one network neutron shows (see network.py)
        named = [s for s in subnets if os.os_id(s) == wanted["uuid"]]
        if not named:
            raise OsError(400, f"Network {wanted['uuid'][:100]} could not be found.")
        return {"subnet": named[0].id}
    if not isinstance(wanted.get("fixed_ip"), str):
        if network_account == os.account_of(Kind.INSTANCE):
            return {}
        if not subnets:
            raise OsError(400, f"Network {wanted['uuid'][:100]} has no subnet to put the server on.")
        return {"subnet": subnets[0].id}
    try:
        address = ipaddress.ip_address(wanted["fixed_ip"])
    except ValueError:
        raise OsError(400, f"Invalid fixed IP address ({wanted['fixed_ip'][:60]})") from None
    holding = [s for s in subnets if _holds(s, address)]
    if not holding:
        raise OsError(400, f"Fixed IP {address} is in none of the network's subnets.")
    return {"subnet": holding[0].id}


def _holds(subnet: ResourceRecord, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return address in ipaddress.ip_network(str(subnet.attrs.get("cidr")), strict=False)
    except ValueError:
        return False


async def create(os: OsRequest) -> Response:
    body = (await os.body()).get("server")
    if not isinstance(body, dict):
        raise OsError(400, "Invalid input for field/attribute server: an object is required.")
    unknown = sorted(set(body) - CREATE_FIELDS)
    if unknown:
        raise OsError(400, f"Invalid input for field/attribute server. Additional properties are not allowed "
                           f"({', '.join(repr(u[:40]) for u in unknown[:5])} were unexpected)")  # fmt: skip
    boot_image = _boot_image(body.get("block_device_mapping_v2") or [])
    if "networks" not in body and os.microversion >= (2, 37):
        raise OsError(400, "Invalid input for field/attribute server. 'networks' is a required property")
    name = _text(body, "name", required=True)
    image = await _referenced(os, Kind.IMAGE, boot_image or _text(body, "imageRef", required=True) or "")
    flavor = await _referenced(os, Kind.FLAVOR, _text(body, "flavorRef", required=True) or "")
    least = _count(body, "min_count", 1)
    most = _count(body, "max_count", least)  # nova makes min_count servers when max_count is not given
    if least > most:
        raise OsError(400, "min_count must be <= max_count")
    spec: dict[str, Any] = {"account": os.project_id, "image": image.id, "flavor": flavor.id,
                            "datacenter": await _zone(os, body.get("availability_zone")),
                            **await _network_spec(os, body.get("networks"))}  # fmt: skip
    if body.get("key_name") is not None:
        spec["keypair"] = _text(body, "key_name")
    groups = body.get("security_groups")
    if groups is not None:
        if not isinstance(groups, list) or not all(
            isinstance(g, dict) and isinstance(g.get("name"), str) for g in groups
        ):
            raise OsError(400, "Invalid input for field/attribute security_groups: a list of {'name': …} is expected.")
        spec["security_groups"] = [await _group(os, g["name"]) for g in groups]
    given_tags = body.get("tags", [])
    if not isinstance(given_tags, list) or len(given_tags) > 50:
        raise OsError(400, "Invalid input for field/attribute tags: a list of at most 50 tags is expected.")
    tagged = {**_metadata(body.get("metadata", {})), **dict.fromkeys((_tag(t) for t in given_tags), "")}
    if tagged:
        spec["tags"] = tagged
    if body.get("user_data") is not None:
        spec["user_data"] = _user_data(body["user_data"])
    created: list[ResourceRecord] = []
    for index in range(most):
        named = name if most == 1 else f"{name}-{index + 1}"
        try:
            record = await os.create(Kind.INSTANCE, {**spec, "name": named})
        except OsError:
            if len(created) >= least:
                break  # nova builds as many as it can between min_count and max_count
            for made in created:
                await os.call(os.core.operations.destroy, os.scoped, made.id, Kind.INSTANCE)
            raise
        created.append(record)
    first = created[0]
    if body.get("return_reservation_id"):
        return JSONResponse({"reservation_id": f"r-{os.os_id(first)[:8]}"}, status_code=202)
    links = _links(os, first)
    doc = {"id": os.os_id(first), "links": links, "OS-DCF:diskConfig": "MANUAL",
           "security_groups": [{"name": g} for g in spec.get("security_groups", [])]}  # fmt: skip
    return JSONResponse({"server": doc}, status_code=202, headers={"Location": links[0]["href"]})


async def _group(os: OsRequest, given: str) -> str:
    """A security group as the create names it: by name, or by neutron's id (as the openstack CLI sends it)."""
    if from_uuid(given) is None:
        return given
    return (await os.one(Kind.SECURITY_GROUP, given)).id


async def _zone(os: OsRequest, given: Any) -> str:
    """The zone a create names (nova's "zone:host" forms name the zone first), or the project's first."""
    if given is not None:
        if not isinstance(given, str) or not given:
            raise OsError(400, "Invalid input for field/attribute availability_zone.")
        return given.split(":", 1)[0]
    available = [zone for zone in await os.zones() if zone.state == "available"]
    if not available:
        raise OsError(409, "No availability zone of the project is available.")
    return available[0].name


def _metadata(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and 0 < len(k) <= 255 and isinstance(v, str) and len(v) <= 255 for k, v in value.items()
    ):
        raise OsError(
            400, "Invalid input for field/attribute metadata: keys and values are strings of at most 255 characters."
        )
    return dict(value)


def _tag(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 60 or "," in value or "/" in value:
        raise OsError(400, f"Invalid tag {str(value)[:60]!r}: 1 to 60 characters, no ',' or '/'.")
    return value


def _user_data(value: Any) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OsError(400, "Invalid input for field/attribute user_data: it must be base64 encoded text.") from None


async def update(os: OsRequest) -> Response:
    record = await server(os)
    body = (await os.body()).get("server")
    if not isinstance(body, dict) or set(body) - {"name", "description"}:
        raise OsError(400, "Invalid input for field/attribute server: only name can be changed.")
    if "name" in body:
        name = _text(body, "name")
        await os.done(await os.call(os.core.operations.edit, os.scoped, record.id, {"name": name}, Kind.INSTANCE))
    return await show(os)


async def delete(os: OsRequest) -> Response:
    record = await server(os)
    await os.call(os.core.operations.destroy, os.scoped, record.id, Kind.INSTANCE)
    return Response(status_code=204)


# -- actions ----------------------------------------------------------------------------------------

# nova's action -> (the gateway's action, nova's name of it too, and the states it may start from).
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "os-start": ("start", frozenset({"stopped"})),
    "os-stop": ("stop", frozenset({"running", "error"})),
    "reboot": ("reboot", frozenset({"running"})),
}


async def action(os: OsRequest) -> Response:
    record = await server(os)
    body = await os.body()
    if len(body) != 1:
        raise OsError(400, "Exactly one action is expected in the request body.")
    ((name, value),) = body.items()
    if name == "createImage":
        return await _create_image(os, record, value)
    if name not in ACTIONS:
        raise OsError(400, f"There is no such action: {name[:60]}")
    gateway_action, allowed = ACTIONS[name]
    if name == "reboot" and (not isinstance(value, dict) or value.get("type") not in ("SOFT", "HARD")):
        raise OsError(400, "Invalid input for field/attribute reboot: type must be SOFT or HARD.")
    if record.state not in allowed:
        vm_state = STATES.get(record.state, STATES["error"]).vm_state
        raise OsError(409, f"Cannot '{gateway_action}' instance {os.os_id(record)} while it is in vm_state {vm_state}")
    await os.call(os.core.operations.act, os.scoped, record.id, gateway_action, {}, Kind.INSTANCE)
    return Response(status_code=202)


async def _create_image(os: OsRequest, record: ResourceRecord, value: Any) -> Response:
    if not isinstance(value, dict):
        raise OsError(400, "Invalid input for field/attribute createImage: an object is expected.")
    name = _text(value, "name", required=True)
    spec: dict[str, Any] = {"account": os.project_id, "name": name, "instance": record.id}
    metadata = _metadata(value.get("metadata", {}))
    if metadata:
        spec["tags"] = metadata
    image = await os.create(Kind.IMAGE, spec)
    location = f"{os.root}/image/v2/images/{os.os_id(image)}"
    return JSONResponse({"image_id": os.os_id(image)}, status_code=202, headers={"Location": location})


# -- metadata and tags (both the gateway's tags) ------------------------------------------------------


async def _retagged(os: OsRequest, record: ResourceRecord, metadata: dict[str, str], tags: list[str]) -> None:
    wanted = {**metadata, **dict.fromkeys(tags, "")}
    if wanted != record.tags:
        await os.done(await os.call(os.core.operations.edit, os.scoped, record.id, {"tags": wanted}, Kind.INSTANCE))


async def metadata(os: OsRequest) -> Response:
    return JSONResponse({"metadata": metadata_of(await server(os))})


async def set_metadata(os: OsRequest) -> Response:
    """POST merges into the metadata, PUT replaces it."""
    record = await server(os)
    given = _metadata((await os.body()).get("metadata"))
    kept = {} if os.request.method == "PUT" else metadata_of(record)
    merged = {**kept, **given}
    await _retagged(os, record, merged, tags_of(record))
    return JSONResponse({"metadata": merged})


async def metadata_item(os: OsRequest) -> Response:
    record, key = await server(os), os.request.path_params["key"]
    if key not in metadata_of(record):
        raise OsError(404, "Metadata item was not found")
    return JSONResponse({"meta": {key: record.tags[key]}})


async def set_metadata_item(os: OsRequest) -> Response:
    record, key = await server(os), os.request.path_params["key"]
    given = _metadata((await os.body()).get("meta"))
    if list(given) != [key]:
        raise OsError(400, "Request body and URI mismatch")
    await _retagged(os, record, {**metadata_of(record), **given}, tags_of(record))
    return JSONResponse({"meta": given})


async def delete_metadata_item(os: OsRequest) -> Response:
    record, key = await server(os), os.request.path_params["key"]
    kept = metadata_of(record)
    if kept.pop(key, None) is None:
        raise OsError(404, "Metadata item was not found")
    await _retagged(os, record, kept, tags_of(record))
    return Response(status_code=204)


async def tags(os: OsRequest) -> Response:
    return JSONResponse({"tags": tags_of(await server(os))})


async def set_tags(os: OsRequest) -> Response:
    """PUT replaces the tags; DELETE removes them all."""
    record = await server(os)
    given = [] if os.request.method == "DELETE" else (await os.body()).get("tags")
    if not isinstance(given, list) or len(given) > 50:
        raise OsError(400, "Invalid input for field/attribute tags: a list of at most 50 tags is expected.")
    wanted = sorted({_tag(t) for t in given})
    await _retagged(os, record, metadata_of(record), wanted)
    return Response(status_code=204) if os.request.method == "DELETE" else JSONResponse({"tags": wanted})


async def tag(os: OsRequest) -> Response:
    """GET answers whether the server has the tag, PUT adds it, DELETE removes it."""
    record, given = await server(os), _tag(os.request.path_params["tag"])
    has = tags_of(record)
    if os.request.method in ("GET", "HEAD", "DELETE") and given not in has:
        raise OsError(404, f"Tag {given} could not be found.")
    if os.request.method == "PUT":
        await _retagged(os, record, metadata_of(record), sorted({*has, given}))
        return Response(status_code=201 if given not in has else 204)
    if os.request.method == "DELETE":
        await _retagged(os, record, metadata_of(record), [t for t in has if t != given])
    return Response(status_code=204)
