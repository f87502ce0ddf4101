"""Create forms (`/ui/<kind>/new`): choose the account (and so the cloud) the resource is made in and, per other
service, the account each kind of reference is taken from (a scope, as /v1's create takes one); then the fields
that cloud declares for the kind, references chosen by name from the store. Posting starts the create through the
core as /v1 starts it (a one-time idempotency key: a double submit makes one resource) and lands on the new
resource's page, or on the operation's when it carries something over from another cloud first (an image
replicated). What the core or the cloud refuses at once comes back with the form, next to the field it names."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.core import Caller, Core
from cloudgate.core.accounts import AccountView
from cloudgate.core.operations import Operation
from cloudgate.errors import CloudgateError, InvalidRequest, NotFound
from cloudgate.fields import FieldSpec
from cloudgate.model import COLLECTIONS, SERVICE_OF, SERVICES, Kind, ResourceRecord, with_gateway_names
from cloudgate.query import Match, ResourceQuery, SortKey
from cloudgate.web.context import posted, signed_in, web_state
from cloudgate.web.create_form import CHOICES_MAX, Candidates, Option, candidate_text, controls, read_spec
from cloudgate.web.forms import Form
from cloudgate.web.pages.resources import account_names, can_create, creatable_kinds, detail_url
from cloudgate.web.presentation import COLLECTION_OF, NOUNS
from cloudgate.web.render import ui_root
from cloudgate.web.session import Session

SCOPE_FIELD = "scope-"  # scope-image=<account id>: the account a service's references come from
SUBMIT_WAIT_SECONDS = 5.0  # how long a create waits for its cloud to take it, to show a refusal with the form
LOOKUP_SHOWN = 20
MAX_LOOKUP_CHARS = 200
SERVICE_NOUNS = {"compute": "Compute", "image": "Images", "volume": "Volumes", "network": "Networks",
                 "keypair": "Key pairs"}  # fmt: skip
# The status of the page that shows a create its cloud refused at once, by the refusal's code.
REFUSED_STATUS = {"quota_exceeded": 409, "conflict": 409}


def _kind(request: Request) -> Kind:
    kind = COLLECTIONS.get(request.path_params["collection"])
    if kind is None or kind not in creatable_kinds():
        raise NotFound(f"there is no create form at {request.url.path}")
    return kind


@dataclass(frozen=True, slots=True)
class Asking:
    """A request to a create page: who asks, for which kind, with which accounts to choose from."""

    request: Request
    core: Core
    session: Session
    kind: Kind
    accounts: list[AccountView]


async def asking(request: Request) -> Asking:
    core, session = await signed_in(request)
    kind = _kind(request)
    return Asking(request, core, session, kind, await core.accounts.list(session.caller))


@dataclass(slots=True)
class Where:
    """Where a create goes: the account it is made in, and the account other services' references come from
    (only those that differ from it: a service not named stays with the account, as in a scope)."""

    account: AccountView | None = None
    scope: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # by control: "account" or "scope-<service>"

    def home(self, kind: Kind) -> str:
        """The account references of `kind` are looked up in."""
        assert self.account is not None
        return self.scope.get(SERVICE_OF[kind], self.account.row.id)

    def params(self) -> list[tuple[str, str]]:
        chosen = [("account", self.account.row.id)] if self.account else []
        return chosen + [(SCOPE_FIELD + service, account) for service, account in sorted(self.scope.items())]


def where_of(kind: Kind, accounts: list[AccountView], given: Mapping[str, Sequence[str]]) -> Where:
    """The account and the scope a page's URL or a posted form names; what is not one of the caller's accounts
    (or cannot make the kind) is an error of its control."""
    by_id = {view.row.id: view for view in accounts}
    where = Where()
    chosen = (given.get("account") or [""])[0]
    if chosen:
        view = by_id.get(chosen)
        if view is None:
            where.errors["account"] = "Choose one of your accounts."
        elif not can_create(view.row.cloud, kind):
            where.errors["account"] = (
                f"A {view.row.cloud} cloud cannot make a {NOUNS[kind][0]}: choose another account."
            )
        else:
            where.account = view
    for service in SERVICES:
        value = (given.get(SCOPE_FIELD + service) or [""])[0]
        if not value or service == SERVICE_OF[kind] or (where.account and value == where.account.row.id):
            continue
        if value in by_id:
            where.scope[service] = value
        else:
            where.errors[SCOPE_FIELD + service] = "Choose one of your accounts."
    return where


def _services(kind: Kind, fields: Mapping[str, FieldSpec]) -> list[str]:
    """The services other than the kind's own that the cloud's fields reference: each may come from another cloud."""
    referenced = {SERVICE_OF[spec.reference] for spec in fields.values() if spec.reference is not None}
    return [service for service in SERVICES if service in referenced and service != SERVICE_OF[kind]]


async def _candidates(
    core: Core, caller: Caller, ui: str, where: Where, fields: Mapping[str, FieldSpec]
) -> dict[str, Candidates]:
    """What each reference may name, from the account its service uses: every one (a choice), or a search."""
    found = {}
    for name, spec in fields.items():
        if spec.reference is None:
            continue
        home = where.home(spec.reference)
        query = ResourceQuery(kind=spec.reference, matches=(Match("account", (home,)),), sort=(SortKey("name"),),
                              limit=CHOICES_MAX)  # fmt: skip
        page = await core.resources.query(caller, query)
        if page.next_cursor is not None:
            lookup = f"{ui}/lookup/{COLLECTION_OF[spec.reference]}?{urlencode({'account': home})}"
            found[name] = Candidates([], lookup)
        else:
            found[name] = Candidates(
                [Option(record.id, candidate_text(record), record.name) for record in page.records]
            )
    return found


async def _page(
    asked: Asking, where: Where, *, given: Mapping[str, Sequence[str]], errors: Mapping[str, str] | None = None,
    error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    """The create page for `where`, its fields holding what was `given`, with the errors of a refused create said
    in the words of the form (the names of accounts and of what the choices offer, rather than their ids)."""
    request, kind, ui = asked.request, asked.kind, ui_root(asked.request)
    names = account_names(asked.accounts)
    known = dict(names)
    context: dict[str, Any] = {"services": [], "controls": [], "fields_for": None, "taken_from": []}
    if where.account is not None:
        fields = Core.create_fields(where.account.row.cloud, kind)
        candidates = await _candidates(asked.core, asked.session.caller, ui, where, fields)
        known |= {option.value: option.name for found in candidates.values() for option in found.options if option.name}
        worded = {name: with_gateway_names(text, known) for name, text in (errors or {}).items()}
        context.update(
            services=_services(kind, fields), controls=controls(fields, candidates, given, worded),
            fields_for=f"{names[where.account.row.id]} ({where.account.row.cloud})",
            taken_from=[(SERVICE_NOUNS[service], names[account]) for service, account in sorted(where.scope.items())],
        )  # fmt: skip
    choices = sorted(((view.row.id, f"{names[view.row.id]} ({view.row.cloud})") for view in asked.accounts),
                     key=lambda choice: choice[1])  # fmt: skip
    clouds = {view.row.id: view.row.cloud for view in asked.accounts}
    return web_state(request).pages.render(
        request, "create.html", session=asked.session, status=status, kind=kind, current=kind.value,
        collection=COLLECTION_OF[kind], where=where, service_nouns=SERVICE_NOUNS, own_service=SERVICE_OF[kind],
        accounts=choices, offered=[choice for choice in choices if can_create(clouds[choice[0]], kind)],
        where_errors={name: with_gateway_names(text, known) for name, text in where.errors.items()},
        one=NOUNS[kind][0], error=with_gateway_names(error, known) if error else None,
        nonce=secrets.token_urlsafe(16), **context,
    )  # fmt: skip


async def new_page(request: Request) -> Response:
    asked = await asking(request)
    given = {name: request.query_params.getlist(name) for name in request.query_params}
    where = where_of(asked.kind, asked.accounts, given)
    return await _page(asked, where, given={}, status=422 if where.errors else 200)


def _placed(exc: CloudgateError, fields: Mapping[str, FieldSpec]) -> dict[str, str]:
    """The core's error next to the controls it names (a field, the account, a scope's service)."""
    details = exc.details or {}
    named = [str(name) for name in details.get("fields", [details.get("field")]) if name]
    placed = {name: exc.message for name in named if name in fields or name == "account"}
    if details.get("service") in SERVICES:
        placed[SCOPE_FIELD + str(details["service"])] = exc.message
    return placed


async def create(request: Request) -> Response:
    form = await posted(request)  # its CSRF token first
    asked = await asking(request)
    where = where_of(asked.kind, asked.accounts, form.fields)
    if where.account is None:
        where.errors.setdefault("account", "Choose the account to make it in.")
    if where.errors:
        return await _page(asked, where, given=form.fields, status=422)
    assert where.account is not None
    fields = Core.create_fields(where.account.row.cloud, asked.kind)
    try:
        record, operation = await _start(asked, where, fields, form)
    except CloudgateError as exc:
        if exc.status >= 500:
            raise
        return await _refused(asked, where, form, exc, fields, exc.status)
    ui = ui_root(request)
    if _carries(where, fields, form):  # an image copied first: its progress is on the operation's page
        return RedirectResponse(f"{ui}/operations/{operation.id}", status_code=303)
    taken = await asked.core.operations.submitted(asked.session.caller, operation.id, SUBMIT_WAIT_SECONDS)
    if taken.state == "failed" and taken.error:  # the cloud refused it at once (a quota, a bad value)
        refusal = CloudgateError(str(taken.error.get("message", "")), details=taken.error.get("details"))
        status = REFUSED_STATUS.get(str(taken.error.get("code")), 422)
        return await _refused(asked, where, form, refusal, fields, status)
    return RedirectResponse(f"{detail_url(ui, record)}?operation={operation.id}", status_code=303)


async def _start(
    asked: Asking, where: Where, fields: Mapping[str, FieldSpec], form: Form
) -> tuple[ResourceRecord, Operation]:
    """The create as /v1 starts it: the account, the fields, the scope of the other services."""
    assert where.account is not None
    spec = {**read_spec(fields, form), "account": where.account.row.id}
    keyed = asked.session.caller.keyed(form.one("request")[:200] or None)  # a double submit starts one operation
    scoped = await asked.core.scopes.bind(keyed, where.scope or None)
    return await asked.core.operations.create(scoped, asked.kind, spec)


def _carries(where: Where, fields: Mapping[str, FieldSpec], form: Form) -> bool:
    """Whether the create takes a reference from another cloud (which its operation carries over first)."""
    return any(
        spec.reference is not None and SERVICE_OF[spec.reference] in where.scope and form.one(name)
        for name, spec in fields.items()
    )


async def _refused(
    asked: Asking, where: Where, form: Form, exc: CloudgateError, fields: Mapping[str, FieldSpec], status: int
) -> Response:
    """The form again with what was given, the refusal next to the controls it names."""
    placed = _placed(exc, fields)
    where.errors.update(
        {name: text for name, text in placed.items() if name == "account" or name.startswith(SCOPE_FIELD)}
    )
    return await _page(asked, where, given=form.fields, errors=placed, error=exc.message, status=status)


async def lookup(request: Request) -> Response:
    """Names of one kind in one account (and its endpoint's public ones) that start with what is typed, as
    <option> elements for a create form's suggestions."""
    core, session = await signed_in(request)
    kind = COLLECTIONS.get(request.path_params["collection"])
    if kind is None:
        raise NotFound(f"there is nothing to look up at {request.url.path}")
    account, typed = request.query_params.get("account", ""), request.query_params.get("q", "").strip()
    if len(typed) > MAX_LOOKUP_CHARS:
        raise InvalidRequest(f"a search is at most {MAX_LOOKUP_CHARS} characters", details={"field": "q"})
    if account not in account_names(await core.accounts.list(session.caller)):
        raise NotFound("account not found")
    matches = [Match("account", (account,))]
    if typed:
        matches.append(Match("name", (typed + "*",), glob=True))
    query = ResourceQuery(kind=kind, matches=tuple(matches), sort=(SortKey("name"),), limit=LOOKUP_SHOWN)
    page = await core.resources.query(session.caller, query)
    return web_state(request).pages.render(
        request, "lookup_options.html", session=session,
        options=[Option(record.name or record.id, candidate_text(record), record.name) for record in page.records],
    )  # fmt: skip


ROUTES: list[BaseRoute] = [
    Route("/lookup/{collection}", lookup, methods=["GET"]),
    Route("/{collection}/new", new_page, methods=["GET"]),
    Route("/{collection}/new", create, methods=["POST"]),
]
