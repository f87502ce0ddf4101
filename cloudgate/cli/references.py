"""References shown by name: a resource's attributes name other resources by the cloud's own ids
(an instance's `image: img-000006`, a volume's `attached_to: srv-000019`); for tables they become the
name of the gateway's resource (or its gateway id, when it has no name), found with one batched listing
per referenced kind. A reference the gateway holds no resource for shows as the cloud's id in
parentheses. JSON and YAML output never goes through here: it stays what the gateway sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudgate.cli.lookup import AccountDirectory, collection_of
from cloudgate.cli.session import Session

# Attributes that hold the cloud id of another resource, per kind: attribute -> the kind it names.
REFERENCES: dict[str, dict[str, str]] = {
    "instance": {"flavor": "flavor", "image": "image", "datacenter": "datacenter", "keypair": "keypair",
                 "subnet": "subnet", "security_groups": "security_group"},
    "volume": {"datacenter": "datacenter", "attached_to": "instance", "snapshot": "snapshot"},
    "snapshot": {"volume": "volume"},
    "subnet": {"datacenter": "datacenter"},
    "datacenter": {"parent": "datacenter"},
}  # fmt: skip

BATCH = 100  # values per repeated query parameter (the gateway takes up to 100)
PAGE = 1000


@dataclass(frozen=True, slots=True)
class Referenced:
    """A resource another one names, as shown in its place."""

    id: str
    name: str

    def brief(self) -> str:
        return self.name or self.id

    def full(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [] if value is None or value == "" else [str(value)]


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, max(len(values), 1), BATCH):
        yield list(values[start : start + BATCH])


class References:
    """The resources that `items` of one kind name, resolved once for all of them."""

    def __init__(self, session: Session, accounts: AccountDirectory, kind: str, items: Sequence[Mapping[str, Any]]):
        self._accounts = accounts
        self._attrs = REFERENCES.get(kind, {})
        self._found: dict[tuple[str, str, str], Referenced] = {}  # (kind, scope, cloud id) -> resource
        wanted: dict[str, set[str]] = {}
        for item in items:
            for attr, target in self._attrs.items():
                wanted.setdefault(target, set()).update(_values((item.get("attrs") or {}).get(attr)))
        in_accounts = sorted({str(item["account"]) for item in items if item.get("account")})
        for target, cloud_ids in wanted.items():
            if cloud_ids:
                self._list(session, target, sorted(cloud_ids), in_accounts)

    def _list(self, session: Session, kind: str, cloud_ids: list[str], accounts: list[str]) -> None:
        for ids in _chunks(cloud_ids):
            for among in _chunks(accounts):
                cursor = None
                while True:
                    page = session.get(f"/v1/{collection_of(kind)}", cloud_id=ids, account=among or None,
                                       limit=PAGE, cursor=cursor)  # fmt: skip
                    for found in page["items"]:
                        key = (kind, found["scope"], found["cloud_id"])
                        self._found[key] = Referenced(found["id"], found.get("name") or "")
                    cursor = page.get("next_cursor")
                    if not cursor:
                        break

    def _scopes(self, item: Mapping[str, Any]) -> list[str]:
        """Where what the item names may live: its own scope, and the public one of its account."""
        account = item.get("account")
        public = self._accounts.public_scope(str(account)) if account else None
        return [str(item.get("scope")), *([public] if public else [])]

    def shown(self, item: Mapping[str, Any], *, full: bool = False) -> dict[str, Any]:
        """The item's attributes with each reference in its shown form (`full`: name and id)."""
        attrs = dict(item.get("attrs") or {})
        scopes = self._scopes(item)
        for attr, target in self._attrs.items():
            value = attrs.get(attr)
            texts = [self._text(target, scopes, cloud_id, full) for cloud_id in _values(value)]
            if isinstance(value, list):
                attrs[attr] = texts
            elif texts:
                attrs[attr] = texts[0]
        return attrs

    def _text(self, kind: str, scopes: list[str], cloud_id: str, full: bool) -> str:
        for scope in scopes:
            found = self._found.get((kind, scope, cloud_id))
            if found is not None:
                return found.full() if full else found.brief()
        return f"({cloud_id})"
