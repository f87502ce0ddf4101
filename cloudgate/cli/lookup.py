"""Names wherever an id is asked: a gateway id is used as is; anything else is looked up through the API,
by name and then by the cloud's own id. One match is the answer; several are an `ambiguous` failure that
lists their ids; none is `not_found`. Accounts are looked up (and named for display) from one listing."""

from __future__ import annotations

import re
from typing import Any

from cloudgate.cli.failures import ApiError, UsageFailure
from cloudgate.cli.session import Session
from cloudgate.model import Kind, kind_of_id, public_scope

ACCOUNT_ID = re.compile(r"acc-[0-9a-f]{16}")
CANDIDATES_SHOWN = 10  # ids an ambiguity error lists


def collection_of(kind: str) -> str:
    return f"{kind}s"


def command_group(kind: str) -> str:
    """The command group of a kind, as typed: `security-group`."""
    return kind.replace("_", "-")


def noun(kind: str) -> str:
    return kind.replace("_", " ")


class Ambiguous(UsageFailure):
    """A name that more than one resource (or account) has."""

    def __init__(self, what: str, value: str, ids: list[str], narrow: str):
        shown = ", ".join(ids[:CANDIDATES_SHOWN]) + (", …" if len(ids) > CANDIDATES_SHOWN else "")
        super().__init__(
            "ambiguous", f"{value!r} names more than one {what}: {shown}; give one of these ids{narrow}",
            {"candidates": ids[:CANDIDATES_SHOWN]},
        )  # fmt: skip


class AccountDirectory:
    """The accounts the caller can use, listed once per command: ids by name, names by id, and the scope of
    the public resources each can use."""

    def __init__(self, session: Session):
        self._session = session
        self._accounts: dict[str, dict[str, Any]] | None = None

    def _all(self) -> dict[str, dict[str, Any]]:
        if self._accounts is None:
            self._accounts = {account["id"]: account for account in self._session.get("/v1/accounts")["items"]}
        return self._accounts

    def id_of(self, value: str) -> str:
        """The id of the account `value` names (its id, the alias you gave it, or its name)."""
        if ACCOUNT_ID.fullmatch(value):
            return value
        aliased = [account_id for account_id, account in self._all().items() if account.get("alias") == value]
        if aliased:  # an alias is unique among a client's accounts
            return aliased[0]
        named = [account_id for account_id, account in self._all().items() if account["name"] == value]
        if len(named) > 1:
            raise Ambiguous("account", value, named, "")
        if not named:
            raise ApiError(404, "not_found", f"no account named {value!r}: see `cloudgate account list`")
        return named[0]

    def unaliased(self, value: str) -> str:
        """The id of the account your alias `value` names; any other value as it is (the gateway looks names
        up in filters itself)."""
        if ACCOUNT_ID.fullmatch(value):
            return value
        return next((account_id for account_id, a in self._all().items() if a.get("alias") == value), value)

    def names(self) -> dict[str, str]:
        """Each account's name by id (its id when it has none)."""
        return {account_id: str(account.get("name") or account_id) for account_id, account in self._all().items()}

    def name_of(self, account_id: str) -> str:
        """The account's name (its id when it has none or is not one the caller can see)."""
        return self.names().get(account_id, account_id)

    def public_scope(self, account_id: str) -> str | None:
        """The scope of the public resources the account can use (those its endpoint publishes)."""
        account = self._all().get(account_id)
        if account is None:
            return None
        return public_scope(account["cloud"], account["endpoint"], account.get("region"))


def resource_id(session: Session, kind: str, value: str, account: str | None = None) -> str:
    """The gateway id of the `kind` that `value` names: a gateway id as is, else the one resource with
    that name, else the one with that cloud id (within `account`, by id or name, when given)."""
    if kind_of_id(value) == Kind(kind):
        return value
    within = {"account": AccountDirectory(session).unaliased(account)} if account else {}
    for field in ("name", "cloud_id"):
        page = session.get(f"/v1/{collection_of(kind)}", **{field: value}, **within, limit=CANDIDATES_SHOWN + 1)
        ids = [item["id"] for item in page["items"]]
        if len(ids) == 1:
            return ids[0]
        if ids:
            raise Ambiguous(noun(kind), value, ids, "" if account else " (or narrow with --account)")
    where = f" in account {account}" if account else ""
    raise ApiError(404, "not_found", f"no {noun(kind)} {value!r}{where}: see `cloudgate {command_group(kind)} list`")
