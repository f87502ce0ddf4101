"""What an account may use: zones, service and disk offerings, network offerings, templates and ISOs, the
cloud's capabilities, and the caller's own account."""

from __future__ import annotations

import uuid
from typing import Any

from cloudgate.foreign_ids import to_uuid
from cloudgate.frontends.cloudstack.context import CsRequest, listed
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, CsError
from cloudgate.frontends.cloudstack.render import (
    DOMAIN,
    DOMAIN_ID,
    NETWORK_OFFERING,
    account_name,
    service_offering,
    template,
    user_id,
    zone,
)
from cloudgate.frontends.cloudstack.wire import VERSION
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery, SortKey

MAX_CUSTOM_DISK_GB = 1024


def _disk_offering(name: str, size_gb: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"cloudgate:cloudstack:diskoffering:{name}")), "name": name,
            "displaytext": f"{size_gb} GB" if size_gb else "A disk of the size asked for", "disksize": size_gb,
            "iscustomized": size_gb == 0, "storagetype": "shared", "created": "2026-01-01T00:00:00+0000"}  # fmt: skip


# Disk offerings: a few fixed sizes and one of a size chosen at create (what every cloud behind can make).
DISK_OFFERINGS: list[dict[str, Any]] = [
    _disk_offering("Small", 5), _disk_offering("Medium", 20), _disk_offering("Large", 100), _disk_offering("Custom", 0),
]  # fmt: skip
DISK_OFFERINGS_BY_ID = {offering["id"]: offering for offering in DISK_OFFERINGS}

# templatefilter -> which images it lists: the cloud's public ones, the account's own, or both.
TEMPLATE_FILTERS: dict[str, tuple[bool, ...]] = {
    "featured": (True,), "community": (), "self": (False,), "selfexecutable": (False,), "sharedexecutable": (),
    "executable": (True, False), "all": (True, False),
}  # fmt: skip


async def list_zones(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = [Match("attrs.type", ("zone",))]
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    records, count = await request.page(ResourceQuery(kind=Kind.DATACENTER, matches=tuple(matches),
                                                      sort=(SortKey("name"),)), params)  # fmt: skip
    return listed("zone", [zone(r) for r in records], count)


async def list_service_offerings(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    query = ResourceQuery(kind=Kind.FLAVOR, matches=tuple(matches), sort=(SortKey("name"),))
    records, count = await request.page(query, params)
    return listed("serviceoffering", [service_offering(r) for r in records], count)


async def list_disk_offerings(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    offerings = [
        o for o in DISK_OFFERINGS if params.get("id") in (None, o["id"]) and params.get("name") in (None, o["name"])
    ]
    return listed("diskoffering", offerings, len(offerings))


async def list_network_offerings(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("id") not in (None, NETWORK_OFFERING["id"]):
        return {}
    return {"count": 1, "networkoffering": [NETWORK_OFFERING]}


async def list_templates(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    which = params["templatefilter"]
    if which not in TEMPLATE_FILTERS:
        raise CsError(PARAM_ERROR, f"templatefilter must be one of {', '.join(TEMPLATE_FILTERS)}, not {which[:40]!r}")
    if not TEMPLATE_FILTERS[which]:
        return {}
    matches = [Match("public", TEMPLATE_FILTERS[which])]
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    if "zoneid" in params:
        await request.one(Kind.DATACENTER, params["zoneid"], "zoneid")  # images span every zone of their cloud
    query = ResourceQuery(kind=Kind.IMAGE, matches=tuple(matches), sort=(SortKey("name"),))
    records, count = await request.page(query, params)
    rel = await request.related(records)
    return listed("template", [template(r, request.account, rel) for r in records], count)


async def list_isos(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    """No image behind the gateway is an ISO: the list is empty, as on a cloud that registered none."""
    return {}


async def list_capabilities(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    return {"capability": {
        "cloudstackversion": VERSION, "securitygroupsenabled": True, "userpublictemplateenabled": False,
        "supportELB": "false", "projectinviterequired": False, "allowusercreateprojects": False,
        "customdiskofferingminsize": 1, "customdiskofferingmaxsize": MAX_CUSTOM_DISK_GB, "kvmsnapshotenabled": True,
        "regionsecondaryenabled": False, "apilimitinterval": 1, "apilimitmax": 0, "allowuserviewdestroyedvm": False,
        "allowuserexpungerecovervm": False, "allowuserviewalldomainaccounts": False, "dynamicrolesenabled": True,
    }}  # fmt: skip


async def list_accounts(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    """The caller's own account: the one its API key or session works in."""
    account, principal = request.account, request.caller.principal
    name = account_name(account)
    if params.get("name") not in (None, name) or params.get("id") not in (None, to_uuid(account.row.id)):
        return {}
    user = {"id": user_id(principal.client_id), "username": principal.name, "account": name, "accounttype": 0,
            "domainid": DOMAIN_ID, "domain": DOMAIN, "state": "enabled", "roletype": "User"}  # fmt: skip
    shown = {"id": to_uuid(account.row.id), "name": name, "accounttype": 0, "roletype": "User", "rolename": "User",
             "domainid": DOMAIN_ID, "domain": DOMAIN, "state": "enabled", "isdefault": False, "user": [user]}  # fmt: skip
    return {"count": 1, "account": [shown]}
