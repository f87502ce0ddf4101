"""Clients and bearer tokens: secrets hashed with scrypt, tokens random and stored as SHA-256 digests."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cloudgate.core.access import visible_account
from cloudgate.core.caller import Caller, Principal
from cloudgate.errors import Forbidden, InvalidRequest, NotFound, Unauthenticated
from cloudgate.store import Store
from cloudgate.store import clients as rows

ADMIN_ID = "admin"
_SCRYPT = {"length": 32, "n": 2**14, "r": 8, "p": 1}
CHECKED_TOKENS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: float
    client_id: str
    account_id: str | None = None  # the account it is scoped to
    issued_at: float = 0.0
    scope: Mapping[str, str] | None = None  # the bound scope it carries


@dataclass(frozen=True, slots=True)
class TokenView:
    """A valid token, as keystone shows one it validates: whose, scoped to what, issued and expiring when."""

    principal: Principal
    issued_at: float
    expires_at: float


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = Scrypt(salt=salt, **_SCRYPT).derive(secret.encode())
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def secret_matches(secret: str, stored: str) -> bool:
    try:
        _scheme, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = Scrypt(salt=base64.b64decode(salt), **_SCRYPT).derive(secret.encode())
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, store: Store, token_ttl: float, recheck_after: float = 0.0):
        self._store = store
        self._ttl = token_ttl
        self._recheck_after = recheck_after
        # token digest -> (its principal, trusted until): spares every request a store read
        self._checked: dict[str, tuple[Principal, float]] = {}

    async def bootstrap_admin(self, secret: str | None) -> str | None:
        """Create the admin client on first start; returns its secret if one was generated now."""
        async with self._store.write() as conn:
            if await rows.admin_exists(conn):
                return None
            generated = secret is None
            secret = secret or secrets.token_urlsafe(24)
            hashed = await asyncio.to_thread(hash_secret, secret)
            await rows.insert_client(conn, rows.ClientRow(ADMIN_ID, "admin", hashed, True, time.time()))
        return secret if generated else None

    async def create_client(self, caller: Caller, name: str, *, is_admin: bool = False) -> tuple[rows.ClientRow, str]:
        """A new client and its secret (shown once)."""
        if not caller.is_admin:
            raise Forbidden("only an admin client can create clients")
        if not name.strip():
            raise InvalidRequest("client name must not be empty")
        secret = secrets.token_urlsafe(24)
        hashed = await asyncio.to_thread(hash_secret, secret)
        row = rows.ClientRow(f"cl-{secrets.token_hex(8)}", name, hashed, is_admin, time.time())
        async with self._store.write() as conn:
            await rows.insert_client(conn, row)
        return row, secret

    async def list_clients(self, caller: Caller) -> list[rows.ClientRow]:
        if not caller.is_admin:
            raise Forbidden("only an admin client can list clients")
        async with self._store.read() as conn:
            return await rows.list_clients(conn)

    async def issue_token(self, client_id: str, secret: str, *, account_id: str | None = None) -> IssuedToken:
        """Exchange a client's id (or its name, when no other client has it) and secret for a bearer token;
        scoped to `account_id` when given (an account the client may use: NotFound otherwise)."""
        return await self.issue(await self.verify(client_id, secret), account_id)

    async def verify(self, client_id: str, secret: str) -> Principal:
        """The client whose id (or name, when no other client has it) and secret these are; Unauthenticated
        otherwise. For a front-end that needs to know who it is before it knows the scope (keystone's
        project named, not given by id)."""
        async with self._store.read() as conn:
            client = await rows.get_client(conn, client_id)
            if client is None:
                named = await rows.clients_named(conn, client_id)
                client = named[0] if len(named) == 1 else None
        # scrypt is deliberately slow (~70 ms): keep it off the event loop.
        if client is None or not await asyncio.to_thread(secret_matches, secret, client.secret_hash):
            raise Unauthenticated("unknown client id or wrong secret")
        return Principal(client.id, client.name, client.is_admin)

    async def issue(
        self, principal: Principal, account_id: str | None = None, scope: Mapping[str, str] | None = None
    ) -> IssuedToken:
        """A new token for a verified client, scoped to `account_id` when given, carrying a bound `scope`."""
        return await self._new_token(principal, account_id, time.time() + self._ttl, scope)

    async def rescope(self, token: str, account_id: str | None, scope: Mapping[str, str] | None = None) -> IssuedToken:
        """A new token for the client of a valid `token`, scoped to `account_id` (None: unscoped), as
        keystone's token method exchanges one token for another: it expires when the first one does, and
        carries the bound `scope` (None: the first one's)."""
        view = await self.inspect(token)
        carried = view.principal.scope if scope is None else scope
        return await self._new_token(view.principal, account_id, view.expires_at, carried)

    async def _new_token(
        self, principal: Principal, account_id: str | None, expires_at: float, scope: Mapping[str, str] | None = None
    ) -> IssuedToken:
        token = "cgt_" + secrets.token_urlsafe(32)
        now = time.time()
        row = rows.TokenRow(f"tok-{secrets.token_hex(8)}", principal.client_id, token_digest(token), now,
                            expires_at, None, account_id, dict(scope) if scope else None)  # fmt: skip
        async with self._store.write() as conn:
            if account_id is not None:
                await visible_account(conn, Caller(Principal(principal.client_id, principal.name, principal.is_admin)),
                                      account_id)  # fmt: skip
            await rows.insert_token(conn, row)
        return IssuedToken(token, row.expires_at, principal.client_id, account_id, now, row.scope)

    async def inspect(self, token: str) -> TokenView:
        """A valid token's view (keystone's validation); Unauthenticated as `authenticate` says."""
        principal = await self.authenticate(token)
        async with self._store.read() as conn:
            found = await rows.token_by_hash(conn, token_digest(token))
        if found is None:
            raise Unauthenticated("invalid token")
        return TokenView(principal, found[0].created_at, found[0].expires_at)

    async def authenticate(self, token: str) -> Principal:
        """The client a bearer token belongs to; Unauthenticated when it is unknown, revoked or expired."""
        digest = token_digest(token)
        now = time.time()
        checked = self._checked.get(digest)
        if checked is not None and checked[1] > now:
            return checked[0]
        async with self._store.read() as conn:
            found = await rows.token_by_hash(conn, digest)
        if found is None:
            raise Unauthenticated("invalid token")
        token_row, client = found
        if token_row.revoked_at is not None:
            raise Unauthenticated("token revoked")
        if token_row.expires_at <= now:
            raise Unauthenticated("token expired")
        principal = Principal(
            client.id, client.name, client.is_admin, token_row.id, token_row.account_id, token_row.scope or {}
        )
        self._remember(digest, principal, min(now + self._recheck_after, token_row.expires_at))
        return principal

    def _remember(self, digest: str, principal: Principal, until: float) -> None:
        self._checked.pop(digest, None)
        if len(self._checked) >= CHECKED_TOKENS_KEPT:
            del self._checked[next(iter(self._checked))]  # the longest kept
        self._checked[digest] = (principal, until)

    def _forget(self, token_id: str) -> None:
        for digest in [d for d, (principal, _) in self._checked.items() if principal.token_id == token_id]:
            del self._checked[digest]

    async def revoke(self, caller: Caller, token: str | None = None) -> None:
        """Revoke `token` (or the caller's own); only its client or an admin may."""
        if token is None:
            if caller.principal.token_id is None:
                raise InvalidRequest("no token to revoke")
            token_id = caller.principal.token_id
        else:
            async with self._store.read() as conn:
                found = await rows.token_by_hash(conn, token_digest(token))
            if found is None or (found[0].client_id != caller.client_id and not caller.is_admin):
                raise NotFound("token not found")
            token_id = found[0].id
        async with self._store.write() as conn:
            await rows.revoke_token(conn, token_id, time.time())
        self._forget(token_id)
