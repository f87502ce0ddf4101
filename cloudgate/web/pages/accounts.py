"""Accounts: the caller's accounts with their health and each kind's poll state (the change hint feed's too);
registering one, which the gateway does once the cloud accepted its credentials (and its clock); checking one
(CheckCredentials: the identity, the clock's skew), rotating its credentials, naming it for scopes (its alias) and
removing it. All through the core, as /v1's accounts routes do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.core import Core
from cloudgate.core.accounts import AccountView
from cloudgate.errors import CloudgateError, NotFound
from cloudgate.web.account_form import AccountForm, CredentialRows, Refusal, read_account, read_credentials
from cloudgate.web.context import posted, signed_in, web_state
from cloudgate.web.presentation import error_text
from cloudgate.web.render import ui_root
from cloudgate.web.session import Session

HINT_FEED = "hints"  # the poll state row that tells of the change hint feed (store.polls.HINT_FEED)
# Poll state changes without events (a poll that finds nothing new): the live part is fetched again this often.
REFRESH_SECONDS = 5
# What a page says after a change, by the word its address carries (`?done=`): fixed sentences, nothing echoed.
NOTICES = {
    "registered": "Registered: the cloud accepted the credentials. Its first polls follow.",
    "granted": "The account was registered already: the cloud accepted your credentials, and it is yours too now.",
    "rotated": "Credentials replaced: the cloud accepted the new ones.",
    "alias": "Alias saved: scopes may name the account by it.",
    "unaliased": "Alias removed.",
    "withdrawn": "Your access to the account was removed; the clients that have it keep theirs.",
    "removed": "The account was removed, with its resources and the access keys issued for it.",
}
REMOVAL = (
    "Your access to the account goes, with the access keys you hold for it. Nothing changes on the cloud.",
    "The account itself goes, with what the gateway knows of its resources, when no other client has access left.",
)
REMOVAL_ADMIN = (
    "As an admin, you remove the account for every client that has it, with every access key issued for it.",
    "What the gateway knows of its resources goes with it. Nothing changes on the cloud.",
)
# Which field of the registration form a refusal of the core is about, when its details do not say.
FIELD_OF_CODE = {"cloud_auth_failed": "credentials", "clock_skew": "endpoint", "unsupported": "cloud"}


@dataclass(frozen=True, slots=True)
class PollLine:
    """One row of an account's poll state: a kind's polls, or the change hint feed."""

    kind: str
    status: str
    tone: str
    resources: int | None
    last_success_at: float | None
    last_attempt_at: float | None
    error: str | None


def poll_lines(view: AccountView) -> list[PollLine]:
    """The account's poll state, kinds by name, the change hint feed last."""
    lines = []
    for poll in sorted(view.polls, key=lambda poll: (poll["kind"] == HINT_FEED, poll["kind"])):
        failures = poll["failures"]
        if poll["kind"] == HINT_FEED:
            kind, status, resources = "change hints", "broken" if failures else "connected", None
        else:
            kind, status, resources = poll["kind"], f"failing ×{failures}" if failures else "ok", poll["resources"]
        lines.append(PollLine(kind, status, "bad" if failures else "ok", resources, poll["last_success_at"],
                              poll["last_attempt_at"], error_text(poll["last_error"])))  # fmt: skip
    return lines


def _account_id(request: Request) -> str:
    account_id = request.path_params["account_id"]
    if len(account_id) > 200:
        raise NotFound("account not found")
    return account_id


def _redirect(request: Request, path: str, done: str) -> Response:
    return RedirectResponse(f"{ui_root(request)}{path}?done={done}", status_code=303)


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


async def account_list(request: Request) -> Response:
    core, session = await signed_in(request)
    after = await core.events.head()  # before the reads: the page's stream starts where they left off
    views = sorted(await core.accounts.list(session.caller), key=lambda view: (view.row.cloud, view.row.name))
    return web_state(request).pages.render(
        request, "accounts.html", session=session, after=after, watch={"any": True}, current="accounts",
        accounts=[(view, poll_lines(view)) for view in views], notice=_notice(request), refresh=REFRESH_SECONDS,
    )  # fmt: skip


def _register_form(
    request: Request, session: Session, shown: AccountForm, *, status: int = 200, error: str | None = None,
    code: str | None = None, field: str | None = None,
) -> Response:  # fmt: skip
    plain, secret_names = shown.rows.padded()
    return web_state(request).pages.render(
        request, "account_new.html", session=session, status=status, current="accounts", form=shown, plain=plain,
        secret_names=secret_names, clouds=sorted(Core.clouds()), error=error, code=code, field=field,
    )  # fmt: skip


async def register_page(request: Request) -> Response:
    _core, session = await signed_in(request)
    return _register_form(request, session, AccountForm())


def _refused_by_core(exc: CloudgateError) -> bool:
    """A refusal the form shows (bad input, the cloud refusing or unreachable); a failure of the gateway is not."""
    return exc.code != CloudgateError.code


async def register(request: Request) -> Response:
    form = await posted(request)
    core, session = await signed_in(request)
    shown, given = read_account(form)
    if isinstance(given, Refusal):
        return _register_form(request, session, shown, status=422, error=given.message, field=given.field)
    try:
        view, created = await core.accounts.register(session.caller, **given)
    except CloudgateError as exc:
        if not _refused_by_core(exc):
            raise
        field = exc.details.get("field") or FIELD_OF_CODE.get(exc.code)
        return _register_form(request, session, shown, status=exc.status, error=exc.message, code=exc.code,
                              field=field if isinstance(field, str) else None)  # fmt: skip
    return _redirect(request, f"/accounts/{view.row.id}", "registered" if created else "granted")


async def _detail(
    request: Request, core: Core, session: Session, account_id: str, *, status: int = 200, **shown: Any
) -> Response:
    """The account's page; after a POST, with what it did (a check's result, a refused alias)."""
    after = await core.events.head()
    view = await core.accounts.get(session.caller, account_id)
    values = {"checked": None, "alias_error": None, "alias_given": view.alias or "", **shown}
    return web_state(request).pages.render(
        request, "account.html", session=session, status=status, after=after, watch={"any": True},
        current="accounts", view=view, polls=poll_lines(view), notice=_notice(request), refresh=REFRESH_SECONDS,
        max_skew=core.settings.max_clock_skew_seconds, is_admin=session.caller.is_admin,
        **values,
    )  # fmt: skip


async def account_detail(request: Request) -> Response:
    core, session = await signed_in(request)
    return await _detail(request, core, session, _account_id(request))


async def check(request: Request) -> Response:
    await posted(request)
    core, session = await signed_in(request)
    checked = await core.accounts.check(session.caller, _account_id(request))
    return await _detail(request, core, session, _account_id(request), checked=checked)


async def set_alias(request: Request) -> Response:
    form = await posted(request)
    core, session = await signed_in(request)
    account_id = (await core.accounts.get(session.caller, _account_id(request))).row.id
    alias = None if form.one("remove") else form.one("alias") or None
    try:
        await core.accounts.set_alias(session.caller, account_id, alias[:200] if alias else None)
    except CloudgateError as exc:
        if not _refused_by_core(exc):
            raise
        return await _detail(request, core, session, account_id, status=exc.status, alias_error=exc.message,
                             alias_given=form.one("alias")[:64])  # fmt: skip
    return _redirect(request, f"/accounts/{account_id}", "alias" if alias else "unaliased")


def _rotate_form(
    request: Request, session: Session, view: AccountView, rows: CredentialRows, *, status: int = 200,
    error: str | None = None, code: str | None = None,
) -> Response:  # fmt: skip
    plain, secret_names = rows.padded()
    return web_state(request).pages.render(
        request, "account_rotate.html", session=session, status=status, current="accounts", view=view, plain=plain,
        secret_names=secret_names, error=error, code=code,
    )  # fmt: skip


async def rotate_page(request: Request) -> Response:
    core, session = await signed_in(request)
    view = await core.accounts.get(session.caller, _account_id(request))
    return _rotate_form(request, session, view, CredentialRows())


async def rotate(request: Request) -> Response:
    form = await posted(request)
    core, session = await signed_in(request)
    view = await core.accounts.get(session.caller, _account_id(request))
    rows, credentials = read_credentials(form)
    if isinstance(credentials, Refusal):
        return _rotate_form(request, session, view, rows, status=422, error=credentials.message)
    try:
        await core.accounts.rotate(session.caller, view.row.id, credentials)
    except CloudgateError as exc:
        if not _refused_by_core(exc):
            raise
        return _rotate_form(request, session, view, rows, status=exc.status, error=exc.message, code=exc.code)
    return _redirect(request, f"/accounts/{view.row.id}", "rotated")


async def remove_page(request: Request) -> Response:
    core, session = await signed_in(request)
    view = await core.accounts.get(session.caller, _account_id(request))
    page = f"{ui_root(request)}/accounts/{view.row.id}"
    return web_state(request).pages.render(
        request, "confirm.html", session=session, current="accounts", title=f"Remove the account {view.row.name}?",
        explanation=REMOVAL_ADMIN if session.caller.is_admin else REMOVAL, action=f"{page}/remove",
        button="Remove the account", back=page,
    )  # fmt: skip


async def remove(request: Request) -> Response:
    await posted(request)
    core, session = await signed_in(request)
    deleted = await core.accounts.remove(session.caller, _account_id(request))
    return _redirect(request, "/accounts", "removed" if deleted else "withdrawn")


ROUTES: list[BaseRoute] = [
    Route("/accounts", account_list, methods=["GET"]),
    Route("/accounts", register, methods=["POST"]),
    Route("/accounts/new", register_page, methods=["GET"]),
    Route("/accounts/{account_id}", account_detail, methods=["GET"]),
    Route("/accounts/{account_id}/check", check, methods=["POST"]),
    Route("/accounts/{account_id}/alias", set_alias, methods=["POST"]),
    Route("/accounts/{account_id}/credentials", rotate_page, methods=["GET"]),
    Route("/accounts/{account_id}/credentials", rotate, methods=["POST"]),
    Route("/accounts/{account_id}/remove", remove_page, methods=["GET"]),
    Route("/accounts/{account_id}/remove", remove, methods=["POST"]),
]
