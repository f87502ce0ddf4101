"""Key pairs: create (the private key answered once), import a public key, describe, delete."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request, specified_tags
from cloudgate.frontends.ec2.errors import DUPLICATE, Ec2Error
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match


async def _create(
    request: Ec2Request, params: dict[str, Any], extra: dict[str, Any]
) -> tuple[ResourceRecord, dict[str, Any]]:
    """The new key pair once the cloud made it (EC2 answers with its fingerprint, and the key it generated)."""
    name = params.get("KeyName")
    if not name:
        raise Ec2Error("MissingParameter", "The request must contain the parameter KeyName")
    if await request.named(Kind.KEYPAIR, [name]):
        raise Ec2Error(DUPLICATE[Kind.KEYPAIR], f"The keypair '{name}' already exists.")
    _name, tags = specified_tags(params, "key-pair")
    spec: dict[str, Any] = {"account": request.account_id, "name": name, **extra}
    if tags:
        spec["tags"] = tags
    record, operation = await request.create(Kind.KEYPAIR, spec)
    done = await request.settled(operation)
    made = await request.call(request.core.resources.get, request.caller, record.id, Kind.KEYPAIR, kind=Kind.KEYPAIR)
    return made, done.result or {}


async def create_key_pair(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    key_type = params.get("KeyType", "rsa")
    record, result = await _create(request, params, {"key_type": key_type} if key_type != "rsa" else {})
    return {**render.keypair(request, record), "KeyMaterial": result.get("private_key", "")}


async def import_key_pair(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    material = params.get("PublicKeyMaterial")
    if not material:
        raise Ec2Error("MissingParameter", "The request must contain the parameter PublicKeyMaterial")
    try:
        public_key = base64.b64decode(material, validate=True).decode().strip()
    except (binascii.Error, UnicodeDecodeError):
        raise Ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format") from None
    record, _result = await _create(request, params, {"public_key": public_key})
    return render.keypair(request, record)


async def describe_key_pairs(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    parts = await query_parts(request, Kind.KEYPAIR, params.get("Filters"))
    if parts is None:
        return {"KeyPairs": []}
    matches, tags = parts
    matches.append(request.in_home(Kind.KEYPAIR))
    names = params.get("KeyNames") or []
    if names:
        found = await request.named(Kind.KEYPAIR, names)
        missing = sorted(set(names) - {r.name for r in found})
        if missing:
            raise Ec2Error("InvalidKeyPair.NotFound", f"The key pair '{missing[0]}' does not exist")
        matches.append(Match("id", tuple(r.id for r in found)))
    ids = params.get("KeyPairIds") or []
    if ids:
        matches.append(Match("id", tuple(r.id for r in await request.records(Kind.KEYPAIR, ids))))
    records, _token = await request.page(Kind.KEYPAIR, matches, tags, None, None)
    public = bool(params.get("IncludePublicKey"))
    return {"KeyPairs": [render.keypair(request, r, public_key=public) for r in records]}


async def delete_key_pair(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("KeyPairId"):
        records = await request.records(Kind.KEYPAIR, [params["KeyPairId"]])
    elif params.get("KeyName"):
        records = await request.named(Kind.KEYPAIR, [params["KeyName"]])
    else:
        raise Ec2Error("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
    for record in records:  # EC2 deletes a key pair that does not exist without complaint
        await request.call(request.core.operations.destroy, request.caller, record.id, Kind.KEYPAIR, kind=Kind.KEYPAIR)
    return {"Return": True, "KeyPairId": request.ec2_id(records[0]) if records else None}
