"""SSH key pairs, named by their name as CloudStack names them: create (the private key shown once),
register a public key, list, delete."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.cloudstack.context import CsRequest, listed
from cloudgate.frontends.cloudstack.params import invalid
from cloudgate.frontends.cloudstack.render import SUCCESS, ssh_key_pair
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery


async def _named(request: CsRequest, name: str) -> Any:
    records, _count = await request.page(ResourceQuery(kind=Kind.KEYPAIR, matches=(Match("name", (name,)),)), {})
    if not records:
        raise invalid(request.command, "name", name)
    return records[0]


async def create(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record, operation = await request.create(Kind.KEYPAIR, {"name": params["name"]})
    finished = await request.done(operation)
    record = await request.call(request.core.resources.get, request.caller, record.id, Kind.KEYPAIR)
    shown = ssh_key_pair(record, request.account)
    shown["privatekey"] = (finished.result or {}).get("private_key")
    return {"keypair": shown}


async def register(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record, operation = await request.create(Kind.KEYPAIR, {"name": params["name"], "public_key": params["publickey"]})
    await request.done(operation)
    record = await request.call(request.core.resources.get, request.caller, record.id, Kind.KEYPAIR)
    return {"keypair": ssh_key_pair(record, request.account)}


async def list_key_pairs(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    if "fingerprint" in params:
        matches.append(Match("attrs.fingerprint", (params["fingerprint"],)))
    records, count = await request.page(ResourceQuery(kind=Kind.KEYPAIR, matches=tuple(matches)), params)
    return listed("sshkeypair", [ssh_key_pair(r, request.account) for r in records], count)


async def delete(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await _named(request, params["name"])
    await request.done(await request.call(request.core.operations.destroy, request.caller, record.id, Kind.KEYPAIR))
    return SUCCESS
