"""nova's os-keypairs over the gateway's key pairs: list, show by name, create (the cloud generates the key and
the private key is answered once) or import a public key, delete. nova names key pairs by their names."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.foreign_ids import numeric_id
from cloudgate.frontends.openstack.context import OsRequest, integer, when
from cloudgate.frontends.openstack.errors import OsError
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import MAX_PAGE, Match, ResourceQuery

NAME = re.compile(r"^[A-Za-z0-9 _.@-]{1,255}$")  # the characters nova allows in a key pair's name
KEY_TYPES = frozenset({"ssh", "x509"})


def _doc(os: OsRequest, record: ResourceRecord, *, detail: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": record.name, "public_key": record.attrs.get("public_key") or "",
                           "fingerprint": record.attrs.get("fingerprint") or "", "type": "ssh"}  # fmt: skip
    if detail:
        doc.update({"user_id": os.scoped.client_id, "id": numeric_id(record.id) % 2**31, "deleted": False,
                    "created_at": when(record.created_at), "updated_at": None, "deleted_at": None})  # fmt: skip
    return doc


async def _named(os: OsRequest, name: str) -> list[ResourceRecord]:
    query = ResourceQuery(kind=Kind.KEYPAIR, matches=(Match("name", (name,)),))
    return [r for r in await os.listing(query) if r.account_id == os.account_of(Kind.KEYPAIR)]


async def _one(os: OsRequest) -> ResourceRecord:
    name = os.request.path_params["name"]
    found = await _named(os, name)
    if not found:
        raise OsError(404, f"Keypair {name[:100]} not found for user {os.scoped.client_id}")
    return found[0]


async def list_keypairs(os: OsRequest) -> Response:
    """The project's key pairs by name, paged as nova pages them since 2.35: after the key pair `marker` names."""
    records = sorted((r for r in await os.listing(ResourceQuery(kind=Kind.KEYPAIR)) if r.account_id == os.account_of(Kind.KEYPAIR)),
                     key=lambda r: r.name)  # fmt: skip
    marker, limit = os.param("marker"), integer(os.param("limit") or MAX_PAGE)
    if limit is None or limit < 0:
        raise OsError(400, f"Invalid input for query parameters limit. Value: {str(os.param('limit'))[:40]}.")
    start = 0
    if marker is not None:
        names = [r.name for r in records]
        if marker not in names:
            raise OsError(400, f"marker [{marker[:100]}] not found")
        start = names.index(marker) + 1
    page = records[start : start + limit]
    links = (
        {"keypairs_links": [{"rel": "next", "href": os.next_link(page[-1].name)}]}
        if page and start + limit < len(records)
        else {}
    )
    return JSONResponse({"keypairs": [{"keypair": _doc(os, r, detail=False)} for r in page], **links})


async def show(os: OsRequest) -> Response:
    return JSONResponse({"keypair": _doc(os, await _one(os), detail=True)})


async def create(os: OsRequest) -> Response:
    body = (await os.body()).get("keypair")
    if not isinstance(body, dict) or set(body) - {"name", "public_key", "type", "user_id"}:
        raise OsError(400, "Invalid input for field/attribute keypair: name, public_key and type are expected.")
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise OsError(
            400, "Keypair data is invalid: the name must be 1 to 255 letters, digits, spaces, '_', '.', '@' or '-'."
        )
    if not isinstance(body.get("type", "ssh"), str) or body.get("type", "ssh") not in KEY_TYPES:
        raise OsError(400, "Invalid input for field/attribute type: ssh or x509 is expected.")
    public_key = body.get("public_key")
    if public_key is not None and (not isinstance(public_key, str) or not public_key.strip()):
        raise OsError(400, "Keypair data is invalid: the public key is not a string.")
    if await _named(os, name):
        raise OsError(409, f"Key pair '{name}' already exists.")
    spec: dict[str, Any] = {"account": os.project_id, "name": name}
    if public_key is not None:
        spec["public_key"] = public_key.strip()
    record, operation = await os.call(os.core.operations.create, os.scoped, Kind.KEYPAIR, spec)
    done = await os.done(operation)
    made = await os.call(os.core.resources.get, os.scoped, record.id, Kind.KEYPAIR)
    doc = {**_doc(os, made, detail=False), "user_id": os.scoped.client_id}
    if public_key is None and (done.result or {}).get("private_key"):
        doc["private_key"] = done.result["private_key"]  # type: ignore[index]
    return JSONResponse({"keypair": doc}, status_code=201 if os.microversion >= (2, 2) else 200)


async def delete(os: OsRequest) -> Response:
    record = await _one(os)
    await os.done(await os.call(os.core.operations.destroy, os.scoped, record.id, Kind.KEYPAIR))
    return Response(status_code=204 if os.microversion >= (2, 2) else 202)
