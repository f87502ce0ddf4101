"""GCE's projects: the account a URL's project (or a link's, `projects/cloudtwo/global/images/x`) names among
those the client may use — by the alias the client gave it, its id or its name. Google's clients take only
lower-case project ids, so an alias matches in any case (`cloudtwo` names the account aliased CloudTwo) unless
another alias is the same but for case. A token bound to one account (issued for an access key, with its
scope) reaches that account and the clouds its scope names."""

from __future__ import annotations

from cloudgate.core import Caller, Core, Principal
from cloudgate.core.accounts import AccountView
from cloudgate.frontends.gce.errors import GceError
from cloudgate.frontends.gce.render import PUBLIC_IMAGE_PROJECTS


async def reachable(core: Core, principal: Principal, rid: str) -> list[AccountView]:
    """The accounts a request with the principal's token may name as its project."""
    unscoped = Caller(Principal(principal.client_id, principal.name, principal.is_admin), request_id=rid)
    accounts = await core.accounts.list(unscoped)
    if principal.account_id is not None:  # a token bound to one account: that one, and its scope's clouds
        bound = {principal.account_id, *principal.scope.values()}
        accounts = [a for a in accounts if a.row.id in bound]
    return accounts


def named(accounts: list[AccountView], project: str) -> AccountView | None:
    """The account `project` names: the client's alias first (in any case, when only one alias is that name),
    then an id, then a name."""
    aliased = [a for a in accounts if a.alias == project] or [
        a for a in accounts if a.alias and a.alias.lower() == project.lower()
    ]
    if len(aliased) == 1:
        return aliased[0]
    return next((a for a in accounts if a.row.id == project), None) or next(
        (a for a in accounts if a.row.name == project), None
    )


async def project_account(
    core: Core, principal: Principal, rid: str, project: str, *, public_images: bool = False
) -> AccountView:
    """The account the project names; for a public image project (`debian-cloud`), the account whose cloud's
    public images it shows: the image cloud of the token's scope, else the token's account, else the client's
    first. GCE's 403 for a project the client has no account for."""
    accounts = await reachable(core, principal, rid)
    found = named(accounts, project)
    if found is not None:
        return found
    if public_images and project in PUBLIC_IMAGE_PROJECTS and accounts:
        preferred = principal.scope.get("image", principal.account_id)
        return next((a for a in accounts if a.row.id == preferred), accounts[0])
    raise GceError(403, "forbidden", f"Required permission for 'projects/{project[:100]}': no account of this "
                                     "client has that project name, alias or id.")  # fmt: skip
