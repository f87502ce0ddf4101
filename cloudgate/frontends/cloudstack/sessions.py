"""CloudStack's sessions: `login` (username = a gateway client by id or name, password = its secret, domain =
the account it works in) answers a `sessionkey` and sets the JSESSIONID cookie; a later request carries both.
The session key is a gateway token scoped to the account; the cookie is derived from it, so neither works
without the other, and `logout` revokes the token."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from cloudgate.core import Caller, Core, Principal
from cloudgate.core.accounts import AccountView
from cloudgate.errors import Unauthenticated
from cloudgate.foreign_ids import from_uuid, to_uuid
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, UNAUTHORIZED, CsError
from cloudgate.frontends.cloudstack.render import DOMAIN, DOMAIN_ID, account_name, user_id

COOKIE = "JSESSIONID"
ROOT_DOMAINS = frozenset({"", "/", "root", "root/"})  # CloudStack's root domain: no account named by it


def session_cookie(session_key: str) -> str:
    """The JSESSIONID that goes with a session key."""
    return hashlib.blake2b(session_key.encode(), digest_size=16, person=b"cs-session").hexdigest().upper()


async def session_caller(core: Core, session_key: str, cookie: str | None, request_id: str) -> Caller:
    """The caller a session speaks for: its key must be valid and come with its own cookie."""
    if cookie != session_cookie(session_key):
        raise CsError(UNAUTHORIZED, "unable to verify user credentials")
    try:
        principal = await core.auth.authenticate(session_key)
    except Unauthenticated as exc:  # an unknown, expired or revoked session: CloudStack says no more
        raise CsError(UNAUTHORIZED, "unable to verify user credentials") from exc
    if principal.account_id is None:
        raise CsError(UNAUTHORIZED, "unable to verify user credentials")
    return Caller.of(principal, request_id=request_id)


async def login(core: Core, params: dict[str, Any], request_id: str) -> tuple[dict[str, Any], str]:
    """The `loginresponse` body and the session key."""
    try:
        principal = await core.auth.verify(params["username"], params["password"])
    except Unauthenticated as exc:
        raise CsError(UNAUTHORIZED, "Failed to authenticate user; please provide valid credentials") from exc
    unscoped = Caller(Principal(principal.client_id, principal.name, principal.is_admin), request_id=request_id)
    account = _chosen(await core.accounts.list(unscoped), params.get("domainid") or params.get("domain") or "")
    issued = await core.auth.issue(principal, account.row.id)
    body = {
        "timeout": int(issued.expires_at - time.time()), "username": principal.name, "userid": user_id(principal.client_id),
        "domainid": DOMAIN_ID, "domain": DOMAIN, "account": account_name(account), "accountid": to_uuid(account.row.id),
        "firstname": principal.name, "lastname": "", "type": "0", "timezone": "UTC", "registered": "false",
        "sessionkey": issued.token,
    }  # fmt: skip
    return body, issued.token


def _chosen(accounts: list[AccountView], domain: str) -> AccountView:
    """The account a login's domain names (by CloudStack id, gateway id or name); the only one without."""
    wanted = domain.strip().lower()
    if wanted in ROOT_DOMAINS:
        if len(accounts) == 1:
            return accounts[0]
        names = ", ".join(sorted(account_name(a) for a in accounts)[:20]) or "none"
        raise CsError(PARAM_ERROR, f"This user works in {len(accounts)} accounts ({names}): name one as the domain")
    by_id = from_uuid(wanted) or wanted
    found = [a for a in accounts if by_id == a.row.id or wanted == account_name(a).lower()]
    if len(found) != 1:
        raise CsError(UNAUTHORIZED, "Failed to authenticate user; please provide valid credentials")
    return found[0]
