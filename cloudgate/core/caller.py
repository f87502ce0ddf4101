"""Who is asking, and in which context: every call of the core takes a `Caller`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cloudgate.model import SERVICE_OF, Kind, new_request_id

# A scope names, per service, the account a request uses: {"compute": "acc-…", "image": "acc-…"} (bound by
# `core.scope.Scopes`, which turns the names a client sends into account ids).
Scope = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Principal:
    """A gateway client, authenticated by its token or by a foreign credential it was issued."""

    client_id: str
    name: str
    is_admin: bool
    token_id: str | None = None
    account_id: str | None = None  # the one account its token is scoped to (a keystone project)
    scope: Scope = field(default_factory=dict)  # the bound scope its token carries


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal, the scope the request runs in (empty: each resource in its own account), the
    request's id (carried into the operations it starts), and its idempotency key. A foreign credential
    or a project-scoped token binds the caller to one `account` (and a `region` of it): such a caller
    sees and changes only that account's resources and its endpoint's public ones."""

    principal: Principal
    scope: Scope = field(default_factory=dict)
    request_id: str = field(default_factory=new_request_id)
    idempotency_key: str | None = None
    # What the key was sent with, when one foreign request makes several operations (RunInstances with
    # MaxCount): the same key sent with another request is then refused even where each part matches.
    idempotency_subject: str | None = None
    account_id: str | None = None
    region: str | None = None

    @classmethod
    def of(cls, principal: Principal, **context: Any) -> Caller:
        """The caller a token speaks for: bound to the account and the scope the token carries."""
        return cls(principal, scope=principal.scope, account_id=principal.account_id, **context)

    def account_for(self, kind: Kind) -> str | None:
        """The account the scope names for `kind`'s service, else the caller's own (None: any of its)."""
        return self.scope.get(SERVICE_OF[kind], self.account_id)

    @property
    def client_id(self) -> str:
        return self.principal.client_id

    @property
    def is_admin(self) -> bool:
        # A caller bound to one account acts within it, whatever its client may do elsewhere.
        return self.principal.is_admin and self.account_id is None

    def keyed(self, idempotency_key: str | None, subject: str | None = None) -> Caller:
        """The same caller with an idempotency key for its next mutation (and what it was sent with)."""
        return replace(self, idempotency_key=idempotency_key, idempotency_subject=subject)
