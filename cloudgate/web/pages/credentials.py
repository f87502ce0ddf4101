"""Foreign credentials: the caller's access keys (every client's, for an admin), issuing one for an account (with a
region and a default scope, as `cloudgate credential create` offers), and revoking one. The secret is on one page
only: the answer to the form that issued it, with the settings to paste for boto3 and the aws CLI, `cs`, the
openstack CLI and Google's clients (`client_profiles`, as the CLI prints them). The page then takes the address of
the key's own page, so a reload shows that page, which never holds the secret."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.client_profiles import (
    SECRET_SHOWN_ONCE,
    aws_profile,
    cloudstack_region,
    google_credentials,
    openstack_cloud,
)  # fmt: skip
from cloudgate.core.accounts import AccountView
from cloudgate.core.credentials import CredentialView
from cloudgate.errors import CloudgateError, NotFound
from cloudgate.web.account_form import Refusal
from cloudgate.web.context import posted, signed_in, web_state
from cloudgate.web.render import ui_root
from cloudgate.web.session import Session

MAX_KEY_ID = 64
LIMITS = {"account": 200, "name": 200, "region": 100, "scope": 2000}  # /v1's bounds on the same fields
SCOPE_EXAMPLE = '{"image": "CloudTwo"}'


@dataclass(frozen=True, slots=True)
class KeyForm:
    """The issue form's values, as posted (or chosen by the address: `?account=`)."""

    account: str = ""
    name: str = ""
    region: str = ""
    scope: str = ""


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """What one kind of client is given: a heading and the text to paste."""

    id: str
    title: str
    text: str


def _names(accounts: list[AccountView]) -> dict[str, str]:
    return {view.row.id: view.alias or view.row.name for view in accounts}


def _key_id(request: Request) -> str:
    key_id = request.path_params["key_id"]
    if len(key_id) > MAX_KEY_ID:
        raise NotFound("credential not found")
    return key_id


def gateway_url(request: Request) -> str:
    """The gateway as this browser reaches it: what a client on the same network is told to use."""
    return f"{request.url.scheme}://{request.url.netloc}"


def client_settings(
    request: Request, key: CredentialView, account: AccountView | None, secret: str | None
) -> list[ClientSettings]:
    """The settings of each client for `key`: with its secret on the page that issued it, without it after."""
    url, account_name = gateway_url(request), account.row.name if account else key.account_id
    issued = {"id": key.id, "secret": secret or SECRET_SHOWN_ONCE, "region": key.region, "account": key.account_id}
    region = account.row.region if account else None
    return [
        ClientSettings("aws", "boto3 and the aws CLI (EC2)", aws_profile(issued, account_name, region, url).strip()),
        ClientSettings("cloudstack", "cs (CloudStack)", cloudstack_region(issued, account_name, url).strip()),
        ClientSettings("openstack", "The openstack CLI and openstacksdk (keystone signs in your client, not the key)",
                       openstack_cloud(key.client_id, account_name, url).strip()),
        ClientSettings("google", "Google's clients (Compute Engine)", google_credentials(issued, url).strip()),
    ]  # fmt: skip


async def credential_list(request: Request) -> Response:
    core, session = await signed_in(request)
    keys = sorted(await core.credentials.list(session.caller), key=lambda key: (key.revoked_at is not None,
                                                                                 -key.created_at))  # fmt: skip
    names = _names(await core.accounts.list(session.caller))
    return web_state(request).pages.render(
        request, "credentials.html", session=session, current="credentials", keys=keys, names=names,
        is_admin=session.caller.is_admin,
    )  # fmt: skip


async def _issue_form(
    request: Request, session: Session, accounts: list[AccountView], shown: KeyForm, *, status: int = 200,
    error: str | None = None, code: str | None = None, field: str | None = None,
) -> Response:  # fmt: skip
    return web_state(request).pages.render(
        request, "credential_new.html", session=session, status=status, current="credentials", form=shown,
        accounts=sorted(_names(accounts).items(), key=lambda pair: pair[1]), error=error, code=code, field=field,
        scope_example=SCOPE_EXAMPLE,
    )  # fmt: skip


async def issue_page(request: Request) -> Response:
    core, session = await signed_in(request)
    chosen = request.query_params.get("account", "")[: LIMITS["account"]]
    return await _issue_form(request, session, await core.accounts.list(session.caller), KeyForm(account=chosen))


def read_scope(text: str) -> dict[str, str] | None:
    """A default scope given as a JSON object of service to account (id or alias); None when not given."""
    if not text:
        return None
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Refusal(f"a scope is a JSON object of services and accounts, such as {SCOPE_EXAMPLE}", "scope")
    return value


async def issue(request: Request) -> Response:
    form = await posted(request)
    core, session = await signed_in(request)
    values = {name: form.one(name) for name in LIMITS}
    shown = KeyForm(**{name: value[: LIMITS[name]] for name, value in values.items()})
    accounts = await core.accounts.list(session.caller)
    try:
        for name, limit in LIMITS.items():
            if len(values[name]) > limit:
                raise Refusal(f"the {name} is at most {limit} characters", name)
        if not values["account"]:
            raise Refusal("choose the account the key acts in", "account")
        key, secret = await core.credentials.issue(
            session.caller, values["account"], region=values["region"] or None, scope=read_scope(values["scope"]),
            name=values["name"] or None,
        )  # fmt: skip
    except Refusal as refusal:
        return await _issue_form(request, session, accounts, shown, status=422, error=refusal.message,
                                 field=refusal.field)  # fmt: skip
    except CloudgateError as exc:
        if exc.code == CloudgateError.code:
            raise
        field = exc.details.get("field") or ("scope" if "scope" in exc.code else "account")
        return await _issue_form(request, session, accounts, shown, status=exc.status, error=exc.message,
                                 code=exc.code, field=field if isinstance(field, str) else None)  # fmt: skip
    return await _key_page(request, session, key, accounts, secret=secret)


async def _key_page(
    request: Request, session: Session, key: CredentialView, accounts: list[AccountView], *, secret: str | None = None,
    notice: str | None = None,
) -> Response:  # fmt: skip
    """A key's page; on the answer to the form that issued it, with its secret (once)."""
    account = next((view for view in accounts if view.row.id == key.account_id), None)
    names = _names(accounts)
    return web_state(request).pages.render(
        request, "credential.html", session=session, current="credentials", key=key, secret=secret,
        account_name=names.get(key.account_id, key.account_id), notice=notice,
        scope=[(service, names.get(account_id, account_id)) for service, account_id in (key.scope or {}).items()],
        settings=[] if key.revoked_at else client_settings(request, key, account, secret),
        address=f"{ui_root(request)}/credentials/{key.id}",
    )  # fmt: skip


async def credential_detail(request: Request) -> Response:
    core, session = await signed_in(request)
    key = await core.credentials.get(session.caller, _key_id(request))
    revoked = request.query_params.get("done") == "revoked"
    notice = "Access key revoked: requests signed with it are refused." if revoked else None
    return await _key_page(request, session, key, await core.accounts.list(session.caller), notice=notice)


async def revoke_page(request: Request) -> Response:
    core, session = await signed_in(request)
    key = await core.credentials.get(session.caller, _key_id(request))
    page = f"{ui_root(request)}/credentials/{key.id}"
    return web_state(request).pages.render(
        request, "confirm.html", session=session, current="credentials", title=f"Revoke the access key {key.id}?",
        explanation=(f"Requests signed with {key.name!r} are refused from now on, by every API of the gateway.",
                     "Tokens Google's clients got with it live out their time."),
        action=f"{page}/revoke", button="Revoke the key", back=page,
    )  # fmt: skip


async def revoke(request: Request) -> Response:
    await posted(request)
    core, session = await signed_in(request)
    key = await core.credentials.revoke(session.caller, _key_id(request))
    return RedirectResponse(f"{ui_root(request)}/credentials/{key.id}?done=revoked", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/credentials", credential_list, methods=["GET"]),
    Route("/credentials", issue, methods=["POST"]),
    Route("/credentials/new", issue_page, methods=["GET"]),
    Route("/credentials/{key_id}", credential_detail, methods=["GET"]),
    Route("/credentials/{key_id}/revoke", revoke_page, methods=["GET"]),
    Route("/credentials/{key_id}/revoke", revoke, methods=["POST"]),
]
