"""One EC2 request: the caller (bound to one account by its access key, in the key's scope) and the lookups
every action needs — EC2 ids to records, pages of a listing, the records a page refers to, operations
awaited. Under a scope a listing of a kind reads the account the scope names for the kind's service
(`home`): a key with `{"image": "CloudTwo"}` describes CloudTwo's images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cloudgate.core import Caller, Core
from cloudgate.core.accounts import AccountView
from cloudgate.core.operations import Operation
from cloudgate.core.resources import Related
from cloudgate.errors import CloudgateError
from cloudgate.foreign_ids import from_ec2_id, numeric_id, to_ec2_id
from cloudgate.frontends.ec2.errors import Ec2Error, from_code, from_core, malformed, not_found
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import MAX_PAGE, Match, ResourceQuery, TagMatch

NAME_TAG = "Name"  # EC2's tag for a resource's name: the gateway keeps it as the record's name
SETTLE_SECONDS = 60.0  # how long an action EC2 answers only when done waits for its operation
ALL_PAGES_LIMIT = 10_000  # a listing without MaxResults returns at most this many


@dataclass
class Ec2Request:
    core: Core
    caller: Caller
    account: AccountView
    request_id: str

    @property
    def account_id(self) -> str:
        return self.account.row.id

    @property
    def region(self) -> str:
        return self.account.row.region

    @property
    def owner_id(self) -> str:
        """The account as EC2 numbers accounts: 12 digits."""
        return owner_of(self.account_id)

    def home(self, kind: Kind) -> str:
        """The account a listing of `kind` reads: the one the key's scope names for the kind's service, else
        the key's own."""
        return self.caller.account_for(kind) or self.account_id

    def in_home(self, kind: Kind) -> Match:
        """The match keeping what the home account of `kind` can use: its own and its endpoint's public ones."""
        return Match("account", (self.home(kind),))

    @property
    def vpc_id(self) -> str:
        """The one VPC the gateway shows per account: every subnet and security group is in it."""
        return f"vpc-0{numeric_id('vpc:' + self.account_id):016x}"

    @staticmethod
    def ec2_id(record: ResourceRecord) -> str:
        return to_ec2_id(record.kind, record.id)

    # -- finding ----------------------------------------------------------------------------------

    async def records(self, kind: Kind, ec2_ids: Sequence[str]) -> list[ResourceRecord]:
        """The records EC2 ids name, in their order; Malformed or NotFound in EC2's codes for any other."""
        found, missing = await self.found(kind, ec2_ids)
        if missing:
            raise not_found(kind, missing)
        return found

    async def found(self, kind: Kind, ec2_ids: Sequence[str]) -> tuple[list[ResourceRecord], list[str]]:
        """The records EC2 ids name, in their order, and the ids that name none; Malformed for an id that is
        not of the kind."""
        numbers = []
        for text in ec2_ids:
            decoded = from_ec2_id(text)
            if decoded is None or decoded[0] != kind:
                raise malformed(kind, text)
            numbers.append(decoded[1])
        found = await self.listing(ResourceQuery(kind=kind, matches=(Match("numeric_id", tuple(numbers)),)))
        by_number = {numeric_id(record.id): record for record in found}
        missing = [text for text, number in zip(ec2_ids, numbers, strict=True) if number not in by_number]
        return [by_number[number] for number in numbers if number in by_number], missing

    async def one(self, kind: Kind, ec2_id: str) -> ResourceRecord:
        return (await self.records(kind, [ec2_id]))[0]

    async def named(self, kind: Kind, names: Sequence[str], *, account_only: bool = True) -> list[ResourceRecord]:
        """The records of `kind` with these names (the account's own, unless public ones count too)."""
        matches = [Match("name", tuple(names))]
        if account_only:
            matches.append(self.in_home(kind))
        records = await self.listing(ResourceQuery(kind=kind, matches=tuple(matches)))
        return [r for r in records if not account_only or r.account_id == self.home(kind)]

    async def listing(self, query: ResourceQuery) -> list[ResourceRecord]:
        """Every record of a query (up to ALL_PAGES_LIMIT), following its pages."""
        records, cursor = [], None
        while True:
            page = await self.call(
                self.core.resources.query, self.caller, replace(query, cursor=cursor, limit=MAX_PAGE)
            )
            records += page.records
            cursor = page.next_cursor
            if cursor is None or len(records) >= ALL_PAGES_LIMIT:
                return records

    async def page(
        self, kind: Kind, matches: Sequence[Match], tags: Sequence[TagMatch], max_results: int | None,
        next_token: str | None, *, least: int = 5,
    ) -> tuple[list[ResourceRecord], str | None]:  # fmt: skip
        """A page as EC2 pages: MaxResults (between `least` and 1000) records and the NextToken of the
        rest; every record without MaxResults."""
        query = ResourceQuery(kind=kind, matches=tuple(matches), tags=tuple(tags))
        if max_results is None and next_token is None:
            return await self.listing(query), None
        if max_results is not None and not least <= max_results <= MAX_PAGE:
            raise Ec2Error("InvalidParameterValue", f"MaxResults must be between {least} and {MAX_PAGE}")
        page = await self.call(
            self.core.resources.query, self.caller, replace(query, cursor=next_token, limit=max_results or MAX_PAGE)
        )
        return page.records, page.next_cursor

    async def related(self, records: Sequence[ResourceRecord]) -> Related:
        return await self.call(self.core.resources.related, self.caller, records)

    # -- changing ---------------------------------------------------------------------------------

    async def create(
        self, kind: Kind, spec: Mapping[str, Any], caller: Caller | None = None
    ) -> tuple[ResourceRecord, Operation]:
        """A new resource, once the cloud took the request: what the cloud refuses (an image too big for the
        instance type) is refused here in EC2's codes, as EC2 refuses it, not left to vanish later."""
        caller = caller or self.caller
        record, operation = await self.call(self.core.operations.create, caller, kind, spec)
        _failed(await self.call(self.core.operations.submitted, caller, operation.id, SETTLE_SECONDS))
        return record, operation

    async def settled(self, operation: Operation) -> Operation:
        """The operation once done (EC2 answers some changes only then); its failure as EC2's error."""
        return _failed(await self.call(self.core.operations.wait, self.caller, operation.id, SETTLE_SECONDS))

    @staticmethod
    async def call(function: Any, *args: Any, kind: Kind | None = None, **kwargs: Any) -> Any:
        """A call of the core, its errors turned into EC2's (a not-found in `kind`'s code)."""
        try:
            return await function(*args, **kwargs)
        except CloudgateError as exc:
            raise from_core(exc, kind) from exc


def _failed(operation: Operation) -> Operation:
    """The operation, unless it failed: then its error in EC2's codes."""
    if operation.state == "failed":
        error = operation.error or {}
        raise from_code(str(error.get("code", "operation_failed")), str(error.get("message", "the operation failed")))
    return operation


def owner_of(account_id: str) -> str:
    """An account as EC2 numbers accounts: 12 digits."""
    return f"{numeric_id(account_id) % 10**12:012d}"


def tags_of(record: ResourceRecord) -> list[dict[str, str]]:
    """A record's tags as EC2 shows them: its name is the Name tag (a resource named by its own id, as the
    gateway names what is created without one, has none)."""
    tags = [{"Key": key, "Value": value} for key, value in sorted(record.tags.items())]
    named = record.name and record.name != record.id and NAME_TAG not in record.tags
    return [{"Key": NAME_TAG, "Value": record.name}, *tags] if named else tags


def ec2_kind(ec2_id: str) -> Kind:
    """The kind an EC2 id's prefix names (InvalidID for an id of no kind the gateway shows)."""
    decoded = from_ec2_id(ec2_id)
    if decoded is None:
        raise Ec2Error("InvalidID", f'The ID "{ec2_id[:100]}" is not valid')
    return decoded[0]


def specified_tags(params: dict[str, Any], resource_type: str) -> tuple[str | None, dict[str, str]]:
    """The name (the Name tag) and the other tags a create's TagSpecifications give its resource type."""
    tags: dict[str, str] = {}
    for spec in params.get("TagSpecifications") or []:
        if spec.get("ResourceType") in (resource_type, None):
            tags.update({str(tag.get("Key", "")): str(tag.get("Value", "")) for tag in spec.get("Tags") or []})
    name = tags.pop(NAME_TAG, None)
    return name, tags
