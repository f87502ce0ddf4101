"""Operations: the caller's, in flight and recent, newest first (paged by cursor on the server, filtered by state
and account), and one operation's page: its steps and progress (the bytes of an image copied from another cloud),
its error, what it was asked and the resource it made. Both follow the event stream (operations and resources)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cloudgate.core import Caller, Core
from cloudgate.core.operations import OPERATION_STATES, Operation
from cloudgate.errors import CloudgateError, InvalidRequest, NotFound
from cloudgate.fields import GENERIC_FIELDS
from cloudgate.model import SERVICE_OF, SERVICES, Kind, ResourceRecord, kind_of_id
from cloudgate.query import Match, ResourceQuery
from cloudgate.serving.event_stream import is_number
from cloudgate.web.context import signed_in, web_state
from cloudgate.web.pages.resources import Cell, account_names, detail_url, page_url
from cloudgate.web.presentation import as_text, label
from cloudgate.web.render import ui_root

STATE_ORDER = ("pending", "running", "succeeded", "failed")  # as the filter offers them
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
UNSHOWN_RESULTS = frozenset({"private_key"})  # secrets an operation keeps for its client: never on a page
UNSHOWN_PARAMS = frozenset({"user_data"})  # what may hold the client's secrets: its size only


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an operation as its page shows it: done, running, waiting, failed or not reached."""

    text: str
    state: str


def _kind_of(operation: Operation) -> Kind | None:
    try:
        return Kind(operation.kind)
    except ValueError:
        return None  # a resync: on accounts, not on one resource


async def records_by_id(core: Core, caller: Caller, ids: list[str]) -> dict[str, ResourceRecord]:
    """The records among `ids` that the caller sees (one query)."""
    wanted = sorted({resource_id for resource_id in ids if kind_of_id(resource_id) is not None})
    if not wanted:
        return {}
    page = await core.resources.query(caller, ResourceQuery(matches=(Match("id", tuple(wanted)),), limit=len(wanted)))
    return {record.id: record for record in page.records}


def _states(request: Request) -> list[str]:
    states = [state for state in request.query_params.getlist("state") if state]
    unknown = sorted(set(states) - OPERATION_STATES)
    if unknown:
        raise InvalidRequest(
            f"no operation state {unknown[0][:50]!r} (states: {', '.join(STATE_ORDER)})", details={"field": "state"}
        )
    return states


async def operation_list(request: Request) -> Response:
    core, session = await signed_in(request)
    caller, ui = session.caller, ui_root(request)
    since, after = time.time(), await core.events.head()  # before the reads: the page's stream starts there
    accounts = await core.accounts.list(caller)
    names = account_names(accounts)
    params = request.query_params
    context: dict[str, Any] = {
        "chosen_states": params.getlist("state"), "account": params.get("account", ""), "limit": params.get("limit", str(DEFAULT_PAGE_SIZE)),
        "state_order": STATE_ORDER, "page_sizes": PAGE_SIZES, "accounts": [(view.row.id, names[view.row.id]) for view in accounts],
        "rows": [], "next_url": None, "first_url": None, "error": None,
    }  # fmt: skip
    status = 200
    try:
        size, cursor = params.get("limit", str(DEFAULT_PAGE_SIZE)), params.get("cursor") or None
        if not is_number(size) or not 1 <= int(size) <= PAGE_SIZES[-1]:
            raise InvalidRequest(f"a page holds 1 to {PAGE_SIZES[-1]} operations", details={"field": "limit"})
        if cursor is not None and len(cursor) > 200:
            raise InvalidRequest("invalid pagination cursor", details={"field": "cursor"})
        account = params.get("account") or None
        if account is not None and len(account) > 200:
            raise NotFound(f"account {account[:50]} not found")
        page = await core.operations.list(caller, account_id=account, states=_states(request), limit=int(size),
                                          cursor=cursor)  # fmt: skip
    except CloudgateError as exc:  # a filter the core refuses: the page says which, with the form to fix it
        if exc.status >= 500:
            raise
        context["error"], status = exc.message, exc.status
    else:
        records = await records_by_id(core, caller, [operation.resource_id for operation in page.operations])
        context["rows"] = [
            {"operation": operation, "href": f"{ui}/operations/{operation.id}", "account": names.get(operation.account_id, operation.account_id or "every account"),
             "on": _on(ui, operation, records.get(operation.resource_id), names)}
            for operation in page.operations
        ]  # fmt: skip
        if page.next_cursor:
            context["next_url"] = page_url(request, cursor=page.next_cursor)
        if cursor:
            context["first_url"] = page_url(request, cursor=None)
    return web_state(request).pages.render(
        request, "operation_list.html", session=session, status=status, after=after, current="operations",
        watch={"operations": True, "since": since}, **context,
    )  # fmt: skip


def _on(ui: str, operation: Operation, record: ResourceRecord | None, names: dict[str, str]) -> Cell:
    """What an operation is on: the resource by name (a link while it exists), or the accounts of a resync."""
    kind = _kind_of(operation)
    if kind is None:
        return Cell(names.get(operation.resource_id, "every account"))
    if record is None:
        never = operation.action == "create" and operation.state == "failed"
        return Cell(f"{kind.value.replace('_', ' ')} {operation.resource_id} ({'never made' if never else 'gone'})")
    return Cell(f"{kind.value.replace('_', ' ')} {record.name or record.id}", detail_url(ui, record))


def steps(
    operation: Operation, record: ResourceRecord | None, names: dict[str, str], asked: dict[str, Cell]
) -> list[Step]:
    """The steps an operation goes through, each as far as it went: a create carries what it takes from other
    clouds first (an image replicated, a key pair imported), then the cloud makes the resource, then it settles."""
    kind = _kind_of(operation)
    noun = kind.value.replace("_", " ") if kind else "account"
    planned: list[tuple[str, bool]] = []  # (what, done)
    if operation.action == "create" and kind is not None:
        named = record is not None and record.cloud_id is not None
        progress = operation.progress or {}
        copied = progress.get("unit") == "bytes" and progress.get("done") == progress.get("total")
        for field, service, account in _carried(operation):
            verb = "Replicate the image" if service == "image" else "Import the key pair"
            given = asked[field].text if field in asked else str((operation.params or {}).get(field))
            done = named or (service == "image" and copied)
            planned.append((f"{verb} {given} from {names.get(account, account)}", done))
        planned.append((f"The cloud makes the {noun}", named))
        planned.append((f"The {noun} settles" + (f": {record.state}" if record and operation.finished else ""), False))
    elif operation.action == "resync":
        planned.append(("List every kind of each account again", False))
    else:
        planned.append((f"The cloud runs {operation.action} on the {noun} until it settles", False))
    shown = [Step("Requested", "done")]
    reached = False  # the first step not done is where the operation is
    for text, done in planned:
        if operation.state == "succeeded" or (done and not reached):
            shown.append(Step(text, "done"))
        elif not reached:
            reached = True
            state = {"failed": "failed", "pending": "waiting"}.get(operation.state, "running")
            shown.append(Step(text, state))
        else:
            shown.append(Step(text, "not reached" if operation.state == "failed" else "waiting"))
    return shown


def _carried(operation: Operation) -> list[tuple[str, str, str]]:
    """(field, service, account) of each reference a create takes from another cloud than the one it makes in."""
    carried = []
    for field, value in (operation.params or {}).items():
        spec = GENERIC_FIELDS.get(field)
        if spec is None or spec.reference is None or value in (None, "", []):
            continue
        service = SERVICE_OF[spec.reference]
        account = (operation.scope or {}).get(service)
        if account and account != operation.account_id and service in ("image", "keypair"):
            carried.append((field, service, account))
    return carried


async def _asked(core: Core, caller: Caller, ui: str, operation: Operation, names: dict[str, str]) -> dict[str, Cell]:
    """What the operation was asked, by field, references by name (a link to what they name while it exists)."""
    shown = {}
    for field, value in sorted((operation.params or {}).items()):
        spec = GENERIC_FIELDS.get(field)
        if field == "account":
            shown[field] = Cell(names.get(str(value), str(value)))
        elif field in UNSHOWN_PARAMS:
            shown[field] = Cell(f"{len(str(value)):,} characters (not shown)")
        elif spec is not None and spec.reference is not None:
            shown[field] = await _reference(core, caller, ui, spec.reference, value)
        else:
            shown[field] = Cell(as_text(value))
    return shown


async def _reference(core: Core, caller: Caller, ui: str, kind: Kind, value: Any) -> Cell:
    values = value if isinstance(value, list) else [value]
    texts, only = [], None
    for item in values[:20]:
        text = str(item)
        if kind_of_id(text) == kind:
            try:
                record = await core.resources.get(caller, text, kind)
            except NotFound:
                record = None
            if record is not None:
                text, only = record.name or record.id, record
        texts.append(text)
    return Cell(", ".join(texts), detail_url(ui, only) if only is not None and len(values) == 1 else None)


async def operation_detail(request: Request) -> Response:
    core, session = await signed_in(request)
    caller, ui = session.caller, ui_root(request)
    since, after = time.time(), await core.events.head()
    operation_id = request.path_params["operation_id"]
    if len(operation_id) > 200:
        raise NotFound("operation not found")
    operation = await core.operations.get(caller, operation_id)
    kind = _kind_of(operation)
    record = None
    if kind is not None:
        try:
            record = await core.resources.get(caller, operation.resource_id, kind)
        except NotFound:
            record = None  # deleted since, or a create that never reached its cloud
    names = account_names(await core.accounts.list(caller))
    asked = await _asked(core, caller, ui, operation, names)
    result = {key: value for key, value in (operation.result or {}).items() if key not in UNSHOWN_RESULTS}
    watch: dict[str, Any] = {"operation": operation.id, "since": since}
    if kind is not None:
        watch["resource"] = operation.resource_id
    return web_state(request).pages.render(
        request, "operation_detail.html", session=session, after=after, current="operations", watch=watch,
        operation=operation, kind=kind, record=record, record_href=detail_url(ui, record) if record else None,
        account=names.get(operation.account_id, operation.account_id or "every account"),
        steps=steps(operation, record, names, asked), asked=[(label(field), cell) for field, cell in asked.items()],
        scope=[(service, names.get(account, account)) for service, account in (operation.scope or {}).items()
               if service in SERVICES],
        result=result, secret_kept=bool(UNSHOWN_RESULTS & (operation.result or {}).keys()),
    )  # fmt: skip


ROUTES: list[BaseRoute] = [
    Route("/operations", operation_list, methods=["GET"]),
    Route("/operations/{operation_id}", operation_detail, methods=["GET"]),
]
