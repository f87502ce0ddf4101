"""Keystone v3 over the gateway's clients and accounts: a user is a gateway client (domain `Default`), a
project is an account the client has proven, a token is a gateway token scoped to one project (or none).
Password and token methods, project scope by id or name, validation, revocation, the catalog. A token given
in OpenStackoïd's form (`<token>!SCOPE!<json>`) to the token method makes a token that carries the scope."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.core import Caller
from cloudgate.core.accounts import AccountView
from cloudgate.core.caller import Principal, Scope
from cloudgate.errors import Unauthenticated
from cloudgate.frontends.openstack.catalog import catalog
from cloudgate.frontends.openstack.context import DEFAULT_REGION, OsRequest, when
from cloudgate.frontends.openstack.errors import Family, OsError
from cloudgate.frontends.openstack.scoped_tokens import ScopedToken
from cloudgate.frontends.openstack.service import Endpoint, Service, delete, get, post

DOMAIN = {"id": "default", "name": "Default"}
VERSION = "v3.14"
MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
UPDATED = "2020-04-07T00:00:00Z"


def _version(os: OsRequest) -> dict[str, Any]:
    return {"id": VERSION, "status": "stable", "updated": UPDATED, "media-types": MEDIA_TYPES,
            "links": [{"rel": "self", "href": f"{os.root}/identity/v3/"}]}  # fmt: skip


async def versions(os: OsRequest) -> Response:
    return JSONResponse({"versions": {"values": [_version(os)]}}, status_code=300)


async def version(os: OsRequest) -> Response:
    return JSONResponse({"version": _version(os)})


# -- tokens ---------------------------------------------------------------------------------------


def _in_default_domain(ref: dict[str, Any]) -> None:
    domain = ref.get("domain") or {}
    if not isinstance(domain, dict) or (
        domain and not (domain.get("id") == "default" or domain.get("name") == "Default")
    ):
        raise OsError(401, "The request you have made requires authentication (only the Default domain exists).")


def _ref(value: Any, what: str) -> tuple[dict[str, Any], str, str]:
    """A reference by id or by name: the object, which of the two it gives ("id" first), and its text."""
    if isinstance(value, dict):
        for field in ("id", "name"):
            if isinstance(value.get(field), str) and value[field]:
                return value, field, value[field]
    raise OsError(400, f"Invalid input for field '{what}': an id or a name is required.")


def _member(parent: dict[str, Any], field: str) -> dict[str, Any]:
    value = parent.get(field) or {}
    if not isinstance(value, dict):
        raise OsError(400, f"Invalid input for field '{field}': an object is expected.")
    return value


async def issue(os: OsRequest) -> Response:
    auth = (await os.body()).get("auth")
    identity = auth.get("identity") if isinstance(auth, dict) else None
    methods = identity.get("methods") if isinstance(identity, dict) else None
    if not isinstance(identity, dict) or not isinstance(methods, list) or not methods:
        raise OsError(400, "Invalid input for field 'identity': 'methods' is a required property.")
    scope = auth.get("scope") if isinstance(auth, dict) else None
    if "password" in methods:
        user, by, who = _ref(_member(identity, "password").get("user"), "identity.password.user")
        if by == "name":
            _in_default_domain(user)
        password = user.get("password")
        if not isinstance(password, str):
            raise OsError(400, "Invalid input for field 'identity.password.user.password'.")
        principal = await os.call(os.core.auth.verify, who, password)
        account = await _project(os, principal, scope)
        issued = await os.call(os.core.auth.issue, principal, account.row.id if account else None)
    elif "token" in methods:
        token = _member(identity, "token").get("id")
        if not isinstance(token, str):
            raise OsError(400, "Invalid input for field 'identity.token.id'.")
        sent = ScopedToken.parse(token)  # a scope on the token is carried by the new one: every request has it
        view = await os.call(os.core.auth.inspect, sent.token)
        account = await _project(os, view.principal, scope)
        carried = await _bound_scope(os, view.principal, sent.scope)
        issued = await os.call(os.core.auth.rescope, sent.token, account.row.id if account else None, carried)
        principal = view.principal
    else:
        raise OsError(401, f"The authentication methods {methods!r} are not supported: use password or token.")
    body = _token(os, principal, issued.issued_at, issued.expires_at, account, [str(m) for m in methods])
    return JSONResponse(body, status_code=201, headers={"X-Subject-Token": issued.token})


async def _bound_scope(os: OsRequest, principal: Principal, scope: str | None) -> Scope | None:
    """The scope a token carries (`<token>!SCOPE!<json>`) bound to the client's accounts over the one the token
    already holds; None when it carries none. A bad scope is a bad request (400)."""
    if scope is None:
        return None
    return (await os.call(os.core.scopes.bind, Caller.of(principal, request_id=os.request_id), scope)).scope


async def _project(os: OsRequest, principal: Principal, scope: Any) -> AccountView | None:
    """The account a scope names (a project by id, or by name in the Default domain); None when unscoped."""
    if scope is None or scope == "unscoped":
        return None
    if not isinstance(scope, dict) or "project" not in scope:
        raise OsError(401, "Only project scopes exist here (a project is an account): domain and system scopes do not.")
    project, by, which = _ref(scope["project"], "scope.project")
    unscoped = Caller(Principal(principal.client_id, principal.name, principal.is_admin), request_id=os.request_id)
    if by == "id":
        try:
            return await os.call(os.core.accounts.get, unscoped, which)
        except OsError as exc:
            raise OsError(401, f"No project {which[:100]} that {principal.name} may use.") from exc
    _in_default_domain(project)
    named = [a for a in await os.call(os.core.accounts.list, unscoped) if _name(a) == which]
    if len(named) != 1:
        why = "several projects have" if named else f"no project {principal.name} may use has"
        raise OsError(401, f"Could not scope to project {which[:100]!r}: {why} that name (scope by id).")
    return named[0]


def _name(account: AccountView) -> str:
    return account.row.name or account.row.id


def project(os: OsRequest, account: AccountView) -> dict[str, Any]:
    row = account.row
    return {
        "id": row.id, "name": _name(account), "domain_id": "default", "enabled": True, "is_domain": False,
        "parent_id": "default", "tags": [], "options": {},
        "description": f"{row.cloud} account at {row.endpoint}" + (f" ({row.region})" if row.region else ""),
        "links": {"self": f"{os.root}/identity/v3/projects/{row.id}"},
    }  # fmt: skip


def _user(principal: Principal) -> dict[str, Any]:
    return {"id": principal.client_id, "name": principal.name, "domain": DOMAIN, "password_expires_at": None}


def _token(
    os: OsRequest, principal: Principal, issued_at: float, expires_at: float, account: AccountView | None,
    methods: list[str],
) -> dict[str, Any]:  # fmt: skip
    """Keystone's token document: whose, which project, the roles and, scoped, the catalog."""
    audit = hashlib.blake2b(f"{principal.client_id}:{issued_at}".encode(), digest_size=16).hexdigest()[:22]
    token: dict[str, Any] = {
        "methods": methods, "user": _user(principal), "audit_ids": [audit], "expires_at": when(expires_at),
        "issued_at": when(issued_at), "is_domain": False,
    }  # fmt: skip
    if account is not None:
        row = account.row
        token["project"] = {"id": row.id, "name": _name(account), "domain": DOMAIN}
        roles = ["member", "reader", *(["admin"] if principal.is_admin else [])]
        token["roles"] = [{"id": hashlib.blake2b(r.encode(), digest_size=16).hexdigest(), "name": r} for r in roles]
        token["catalog"] = catalog(os.root, row.id, row.region)
    return {"token": token}


async def _subject(os: OsRequest) -> tuple[ScopedToken, Any]:
    """The token X-Subject-Token names (the caller's own client's, or any as admin) and its view; a scope it
    carries (`<token>!SCOPE!<json>`) must bind, as on any request."""
    subject = ScopedToken.parse(os.request.headers.get("x-subject-token") or "")
    caller = os.caller
    if not subject.token or caller is None:
        raise OsError(404, "Could not find token: X-Subject-Token is required.")
    try:
        view = await os.core.auth.inspect(subject.token)
    except Unauthenticated:
        raise OsError(404, "Could not find token (it is unknown, expired or revoked).") from None
    if view.principal.client_id != caller.client_id and not caller.is_admin:
        raise OsError(404, "Could not find token (it is unknown, expired or revoked).")
    await _bound_scope(os, view.principal, subject.scope)
    return subject, view


async def validate(os: OsRequest) -> Response:
    _subject_token, view = await _subject(os)
    principal = view.principal
    account = None
    if principal.account_id is not None:
        account = await os.call(os.core.accounts.get, Caller(principal, account_id=principal.account_id),
                                principal.account_id)  # fmt: skip
    body = _token(os, principal, view.issued_at, view.expires_at, account, ["token"])
    if os.request.method == "HEAD":
        return Response(status_code=200)
    return JSONResponse(body, headers={"X-Subject-Token": os.request.headers["x-subject-token"]})


async def revoke(os: OsRequest) -> Response:
    subject, _view = await _subject(os)
    await os.call(os.core.auth.revoke, os.caller, subject.token)
    return Response(status_code=204)


# -- projects, users, the catalog -----------------------------------------------------------------


def _unscoped(os: OsRequest) -> Caller:
    if os.caller is None:
        raise OsError(401, "The request you have made requires authentication.")
    principal = os.caller.principal
    return Caller(Principal(principal.client_id, principal.name, principal.is_admin), request_id=os.request_id)


def _caller(os: OsRequest) -> Caller:
    if os.caller is None:
        raise OsError(401, "The request you have made requires authentication.")
    return os.caller


async def _projects(os: OsRequest, caller: Caller) -> Response:
    accounts = await os.call(os.core.accounts.list, caller)
    name = os.param("name")
    shown = [project(os, a) for a in accounts if name in (None, _name(a))]
    return JSONResponse({"projects": shown, "links": {"self": str(os.request.url), "previous": None, "next": None}})


async def auth_projects(os: OsRequest) -> Response:
    """Every project the user may scope a token to, whatever this token's scope (to choose one)."""
    return await _projects(os, _unscoped(os))


async def projects(os: OsRequest) -> Response:
    """The projects this token may see: its own project when scoped (as keystone shows a member)."""
    return await _projects(os, _caller(os))


async def user_projects(os: OsRequest) -> Response:
    _self(os)
    return await _projects(os, _unscoped(os))


async def one_project(os: OsRequest) -> Response:
    project_id = os.request.path_params["project_id"]
    try:
        account = await os.call(os.core.accounts.get, _caller(os), project_id)
    except OsError:
        raise OsError(404, f"Could not find project: {project_id[:100]}.") from None
    return JSONResponse({"project": project(os, account)})


def _self(os: OsRequest) -> Principal:
    user_id = os.request.path_params["user_id"]
    principal = _unscoped(os).principal
    if user_id != principal.client_id:
        raise OsError(404, f"Could not find user: {user_id[:100]}.")  # other users are not shown
    return principal


async def user(os: OsRequest) -> Response:
    principal = _self(os)
    return JSONResponse({"user": {**_user(principal), "domain_id": "default", "enabled": True, "options": {},
                                  "links": {"self": f"{os.root}/identity/v3/users/{principal.client_id}"}}})  # fmt: skip


async def auth_catalog(os: OsRequest) -> Response:
    caller = os.scoped
    account = await os.call(os.core.accounts.get, caller, os.project_id)
    return JSONResponse({"catalog": catalog(os.root, os.project_id, account.row.region or DEFAULT_REGION),
                         "links": {"self": str(os.request.url), "previous": None, "next": None}})  # fmt: skip


ENDPOINTS: tuple[Endpoint, ...] = (
    get("/", versions, public=True),
    get("/v3", version, public=True),
    get("/v3/", version, public=True),
    post("/v3/auth/tokens", issue, public=True),
    get("/v3/auth/tokens", validate),
    delete("/v3/auth/tokens", revoke),
    get("/v3/auth/projects", auth_projects),
    get("/v3/auth/catalog", auth_catalog),
    get("/v3/projects", projects),
    get("/v3/projects/{project_id}", one_project),
    get("/v3/users/{user_id}", user),
    get("/v3/users/{user_id}/projects", user_projects),
)
SERVICE = Service("/identity", Family.IDENTITY, ENDPOINTS)
