"""Virtual machines (the gateway's instances): deploy, list, start, stop, reboot, destroy, recover, update."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.cloudstack.context import CsRequest, cs_id, listed, tag_matches
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, UNSUPPORTED_ACTION, CsError
from cloudgate.frontends.cloudstack.jobs import started
from cloudgate.frontends.cloudstack.render import STATES, virtual_machine
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery

# CloudStack's VM state (lower case) -> the normalized states it stands for.
STATE_FILTERS: dict[str, tuple[str, ...]] = {}
for _state, _cs_state in STATES[Kind.INSTANCE].items():
    STATE_FILTERS.setdefault(_cs_state.lower(), ())
    STATE_FILTERS[_cs_state.lower()] += (_state,)
# listVirtualMachines' reference filters: parameter -> (the instance attribute, the kind it names).
REFERENCE_FILTERS: dict[str, tuple[str, Kind]] = {
    "zoneid": ("datacenter", Kind.DATACENTER), "templateid": ("image", Kind.IMAGE),
    "serviceofferingid": ("flavor", Kind.FLAVOR), "networkid": ("subnet", Kind.SUBNET),
}  # fmt: skip
# Instance actions: command -> the core's action.
ACTIONS: dict[str, str] = {"startVirtualMachine": "start", "stopVirtualMachine": "stop",
                           "rebootVirtualMachine": "reboot"}  # fmt: skip


async def deploy(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("startvm") is False:
        raise CsError(UNSUPPORTED_ACTION, "startvm=false is not available: the cloud behind starts what it creates")
    spec: dict[str, Any] = {
        "flavor": (await request.one(Kind.FLAVOR, params["serviceofferingid"], "serviceofferingid")).id,
        "image": (await request.one(Kind.IMAGE, params["templateid"], "templateid")).id,
        "datacenter": (await request.one(Kind.DATACENTER, params["zoneid"], "zoneid")).id,
    }
    name = params.get("name") or params.get("displayname")
    if name:
        spec["name"] = name
    if "keypair" in params:
        spec["keypair"] = params["keypair"]  # by name, as CloudStack names key pairs
    groups = [
        (await request.one(Kind.SECURITY_GROUP, g, "securitygroupids")).id for g in params.get("securitygroupids", [])
    ]
    groups += params.get("securitygroupnames", [])
    if groups:
        spec["security_groups"] = groups
    networks = params.get("networkids", [])
    if len(networks) > 1:
        raise CsError(UNSUPPORTED_ACTION, "A machine joins one network here: give one network id")
    if networks:
        spec["subnet"] = (await request.one(Kind.SUBNET, networks[0], "networkids")).id
    if "userdata" in params:
        spec["user_data"] = params["userdata"]
    record, operation = await request.create(Kind.INSTANCE, spec)
    return started(operation, cs_id(record))


async def list_virtual_machines(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    ids = [*([params["id"]] if "id" in params else []), *params.get("ids", [])]
    if ids:
        matches.append(request.id_match(*ids))
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    if "state" in params:
        matches.append(Match("state", STATE_FILTERS.get(params["state"].lower(), ("-",))))
    for param, (attr, kind) in REFERENCE_FILTERS.items():
        if param in params:
            referred = await request.one(kind, params[param], param)
            matches.append(Match(f"attrs.{attr}", (referred.cloud_id or "-",)))
    query = ResourceQuery(kind=Kind.INSTANCE, matches=tuple(matches), tags=tag_matches(params))
    records, count = await request.page(query, params)
    rel = await request.related(records)
    return listed("virtualmachine", [virtual_machine(r, request.account, rel) for r in records], count)


async def act(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.INSTANCE, params["id"])
    operation = await request.call(request.core.operations.act, request.caller, record.id, ACTIONS[request.command],
                                   {}, Kind.INSTANCE)  # fmt: skip
    return started(operation)


async def destroy(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.INSTANCE, params["id"])
    operation = await request.call(request.core.operations.destroy, request.caller, record.id, Kind.INSTANCE)
    return started(operation)


async def recover(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    """A destroyed machine is gone from every cloud behind the gateway (each expunges it): none can come back."""
    await request.one(Kind.INSTANCE, params["id"])
    raise CsError(UNSUPPORTED_ACTION, "Recovering a destroyed machine is not available: the cloud behind expunges "
                                      "what is destroyed")  # fmt: skip


async def update(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.INSTANCE, params["id"])
    name = params.get("name") or params.get("displayname")
    if not name:
        raise CsError(PARAM_ERROR, "Nothing to update: give name or displayname")
    if name != record.name:
        operation = await request.call(request.core.operations.edit, request.caller, record.id, {"name": name},
                                       Kind.INSTANCE)  # fmt: skip
        await request.done(operation)
        record = await request.one(Kind.INSTANCE, params["id"])
    return {"virtualmachine": virtual_machine(record, request.account, await request.related([record]))}
