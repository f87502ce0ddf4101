"""Foreign credentials: signing keys (an access key id and a secret) the gateway issues per client and
account for signature-based foreign APIs (EC2 SigV4, CloudStack's HMAC), and the turning of a
request verified with one into a `Caller` bound to that account.

The secret is sealed at rest like cloud credentials, because verifying a signature means computing
it again; it is shown once, when issued, and never logged. A front-end never holds it: it hands the
core a function that checks a signature against a secret, and the core runs it.
"""

from __future__ import annotations

import base64
import inspect
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from cloudgate.core.access import visible_account
from cloudgate.core.caller import Caller, Principal
from cloudgate.core.scope import Scopes
from cloudgate.errors import (
    InvalidRequest,
    NotFound,
    RegionMismatch,
    RevokedCredential,
    SignatureMismatch,
    UnknownCredential,
)
from cloudgate.sealing import Sealer
from cloudgate.store import Store
from cloudgate.store import accounts as account_rows
from cloudgate.store import clients as client_rows
from cloudgate.store import credentials as rows
from cloudgate.store.credentials import CredentialRow

KEY_ID_PREFIX = "CG"  # 20 characters in all, upper case, as AWS access key ids look
CHECKED_KEYS_KEPT = 10_000

# Checks a request's signature against a secret; may be a coroutine function.
SignatureCheck = Callable[[str], bool | Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class CredentialView:
    """A foreign credential as its owner sees it: never the secret."""

    id: str
    client_id: str
    account_id: str
    region: str | None
    scope: Mapping[str, str] | None
    name: str
    created_at: float
    revoked_at: float | None

    @classmethod
    def of(cls, row: CredentialRow) -> CredentialView:
        return cls(
            row.id, row.client_id, row.account_id, row.region, row.scope, row.name, row.created_at, row.revoked_at
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "account": self.account_id, "region": self.region,
                "scope": dict(self.scope) if self.scope else None, "name": self.name, "created_at": self.created_at,
                "revoked_at": self.revoked_at}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Checked:
    """A key found valid, with its opened secret, trusted until `until` without the store."""

    principal: Principal
    row: CredentialRow
    secret: str
    until: float


def _held_by(caller: Caller, key_id: str, row: CredentialRow | None) -> CredentialRow:
    """The key's row if it is the caller's (any, for an admin); NotFound otherwise, as if it did not exist."""
    if row is None or not (caller.is_admin or row.client_id == caller.client_id):
        raise NotFound(f"credential {key_id} not found")
    return row


def new_key_id() -> str:
    return KEY_ID_PREFIX + base64.b32encode(secrets.token_bytes(15)).decode()[:18]


class ForeignCredentials:
    def __init__(self, store: Store, sealer: Sealer, recheck_after: float, scopes: Scopes):
        self._store = store
        self._scopes = scopes
        self._sealer = sealer
        self._recheck_after = recheck_after
        self._checked: dict[str, _Checked] = {}

    async def issue(
        self, caller: Caller, account_id: str, *, region: str | None = None, scope: Mapping[str, str] | None = None,
        name: str | None = None,
    ) -> tuple[CredentialView, str]:  # fmt: skip
        """A new key for the caller's client on an account it may use: (its view, the secret, shown once).
        Its default `scope` (names as a request sends them) is bound now: the key stores account ids."""
        async with self._store.read() as conn:
            account = await visible_account(conn, caller, account_id)
        scope = (await self._scopes.bind(replace(caller, scope={}), scope)).scope if scope else None
        if region is not None and account.region and region != account.region:
            raise InvalidRequest(
                f"account {account_id} is in region {account.region!r}, not {region!r}", details={"field": "region"}
            )
        secret = secrets.token_urlsafe(30)
        row = CredentialRow(
            id=new_key_id(), client_id=caller.client_id, account_id=account_id, secret=self._sealer.seal({"secret": secret}),
            region=region or account.region or None, scope=dict(scope) if scope else None,
            name=name or f"{account.name} key", created_at=time.time(), revoked_at=None,
        )  # fmt: skip
        async with self._store.write() as conn:
            await rows.insert_credential(conn, row)
        return CredentialView.of(row), secret

    async def list(self, caller: Caller, account_id: str | None = None) -> list[CredentialView]:
        """The caller's keys (every client's, for an admin), optionally those of one account."""
        async with self._store.read() as conn:
            found = await rows.list_credentials(conn, None if caller.is_admin else caller.client_id, account_id)
        return [CredentialView.of(row) for row in found]

    async def get(self, caller: Caller, key_id: str) -> CredentialView:
        """One of the caller's keys (any, as admin), revoked or not; NotFound for another client's."""
        async with self._store.read() as conn:
            row = await rows.get_credential(conn, key_id)
        return CredentialView.of(_held_by(caller, key_id, row))

    async def revoke(self, caller: Caller, key_id: str) -> CredentialView:
        """Revoke a key of the caller's (any, as admin): refused from then on, in this process at once."""
        async with self._store.write() as conn:
            _held_by(caller, key_id, await rows.get_credential(conn, key_id))
            await rows.revoke_credential(conn, key_id, time.time())
            row = await rows.get_credential(conn, key_id)
        self._checked.pop(key_id, None)
        assert row is not None
        return CredentialView.of(row)

    def forget_account(self, account_id: str, client_id: str | None) -> None:
        """Drop checked keys of an account (of one client) whose access was withdrawn."""
        for key_id, checked in list(self._checked.items()):
            if checked.row.account_id == account_id and client_id in (None, checked.row.client_id):
                del self._checked[key_id]

    async def authenticate(
        self, key_id: str, signature_matches: SignatureCheck, *, request_id: str | None = None,
        region: str | None = None,
    ) -> Caller:  # fmt: skip
        """The caller a request signed with `key_id` speaks for, once `signature_matches(secret)` says
        the signature is right: bound to the key's account, with its default scope. A request for
        another `region` than the account's speaks for the client's account of the same cloud identity
        in that region (an EC2 client picks the region), which a key bound to a region refuses."""
        checked = await self._valid(key_id)
        verdict = signature_matches(checked.secret)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        if not verdict:
            raise SignatureMismatch("the request signature does not match the access key's secret")
        account_id = checked.row.account_id
        if region and checked.row.region and region != checked.row.region:  # an account of no region takes any
            account_id = await self._sibling(checked, region)
        extra = {"request_id": request_id} if request_id else {}
        return Caller(checked.principal, scope=checked.row.scope or {}, account_id=account_id,
                      region=region or checked.row.region, **extra)  # fmt: skip

    async def _sibling(self, checked: _Checked, region: str) -> str:
        """The client's account in `region` of the same cloud identity as the key's account."""
        async with self._store.read() as conn:
            account = await account_rows.get_account(conn, checked.row.account_id)
            sibling = None
            if account is not None:
                sibling = await account_rows.find_account(
                    conn, account.cloud, account.endpoint, region, account.identity
                )
            granted = sibling is not None and (
                checked.principal.is_admin or sibling.id in await account_rows.granted_ids(conn, checked.row.client_id)
            )
        if sibling is None or not granted:
            held = checked.row.region or (account.region if account else "")
            raise RegionMismatch(f"the access key acts in region {held!r}, not {region!r}", details={"region": held})
        return sibling.id

    async def _valid(self, key_id: str) -> _Checked:
        now = time.time()
        checked = self._checked.get(key_id)
        if checked is not None and checked.until > now:
            return checked
        async with self._store.read() as conn:
            row = await rows.get_credential(conn, key_id)
            if row is None:
                raise UnknownCredential("the access key is not one this gateway issued")
            client = await client_rows.get_client(conn, row.client_id)
            granted = client is not None and (
                client.is_admin or row.account_id in await account_rows.granted_ids(conn, row.client_id)
            )
        if row.revoked_at is not None or client is None or not granted:
            raise RevokedCredential("the access key was revoked")
        secret = self._sealer.open(row.secret)["secret"]
        checked = _Checked(Principal(client.id, client.name, client.is_admin), row, secret, now + self._recheck_after)
        if len(self._checked) >= CHECKED_KEYS_KEPT:
            del self._checked[next(iter(self._checked))]
        self._checked[key_id] = checked
        return checked
