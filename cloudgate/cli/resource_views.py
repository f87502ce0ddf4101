"""How resources look in tables: the columns worth showing per kind, references and accounts by name,
and a record's attributes and tags each on its own line (the cloud's raw attributes only with --wide)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudgate.cli.lookup import AccountDirectory
from cloudgate.cli.references import References
from cloudgate.cli.render import Record, Rows
from cloudgate.cli.session import Session

# Attributes worth a column when listing each kind; a column appears only when some row has a value.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "datacenter": ("type", "region"),
    "flavor": ("vcpus", "ram_mb", "disk_gb"),
    "image": ("os", "min_disk_gb", "visibility"),
    "instance": ("flavor", "image", "datacenter", "addresses"),
    "volume": ("size_gb", "datacenter", "attached_to", "device"),
    "snapshot": ("volume", "size_gb"),
    "subnet": ("cidr", "datacenter"),
    "keypair": ("fingerprint",),
    "security_group": ("description",),
}

# Parts of a record shown one line per key (`attrs.flavor`); the cloud's own are hidden unless --wide.
EXPANDED = ("attrs", "cloud_attrs", "tags")
HIDDEN_PARTS = ("cloud_attrs",)


def public_endpoint(scope: str) -> str:
    """`public:<cloud>:<endpoint>:<region>` -> `<endpoint>` (an endpoint may hold colons itself)."""
    return scope.split(":", 2)[-1].rsplit(":", 1)[0]


def account_text(accounts: AccountDirectory, record: Mapping[str, Any], *, full: bool = False) -> str:
    """Whose the resource is: its account's name (`full`: and id), or the endpoint that publishes it."""
    account = record.get("account")
    if not account:
        return f"public {public_endpoint(str(record.get('scope', '')))}"
    name = accounts.name_of(str(account))
    return f"{name} ({account})" if full and name != account else name


class ResourceViews:
    """Tables of resources of one kind, with what they reference resolved for all of them at once."""

    def __init__(self, session: Session, kind: str, items: Sequence[Mapping[str, Any]]):
        self.kind = kind
        self.accounts = AccountDirectory(session)
        self.references = References(session, self.accounts, kind, items)

    def flat(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record with its attributes lifted beside its fields (record fields win), references by name."""
        flat = {**self.references.shown(record), **{k: v for k, v in record.items() if k != "attrs"}}
        flat["account"] = account_text(self.accounts, record)
        return flat

    def rows(self, items: Sequence[Mapping[str, Any]]) -> Rows:
        flat = [self.flat(item) for item in items]
        extra = [c for c in KIND_COLUMNS.get(self.kind, ()) if any(row.get(c) not in (None, "", []) for row in flat)]
        return Rows(flat, ["id", "name", "state", *extra, "cloud", "account"])

    def record(self, record: Mapping[str, Any]) -> Record:
        """One resource: its fields, then each attribute, tag and raw cloud attribute on a line of its own."""
        fields: dict[str, Any] = {}
        hidden = set()
        parts = {**record, "attrs": self.references.shown(record, full=True)}
        for key, value in parts.items():
            if key in EXPANDED and isinstance(value, Mapping):
                for sub_key, sub_value in value.items():
                    fields[f"{key}.{sub_key}"] = sub_value
                    if key in HIDDEN_PARTS:
                        hidden.add(f"{key}.{sub_key}")
            elif key == "account":
                fields[key] = account_text(self.accounts, record, full=True)
            else:
                fields[key] = value
        return Record(fields, frozenset(hidden))
