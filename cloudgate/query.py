"""A typed resource query that every front-end can express: matches on any generic attribute, tags,
sorting, and paging by opaque cursor, by offset or by marker.

Front-ends fill one from their own parameters (/v1 query strings, EC2 `Filter.N`, nova's `name`,
CloudStack's `page`, GCE's `filter`); the core checks it against what the caller may see; the
store turns it into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from cloudgate.errors import InvalidRequest
from cloudgate.model import Kind, ResourceRecord

MAX_PAGE: Final = 1000

# Fields a Match may name besides `attrs.<key>`; `account` means "what the account can use" (its
# own resources and its endpoint's public ones), `numeric_id` is the number EC2 and GCE ids hold.
MATCH_FIELDS: Final = frozenset(
    {"id", "cloud_id", "numeric_id", "name", "state", "cloud_state", "cloud", "account", "datacenter", "public"}
)
SORT_FIELDS: Final = frozenset({"id", "name", "state", "cloud", "created_at", "updated_at"})

Value = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Match:
    """`field` equals one of `values`. With `glob`, string values may hold `*` (any run) and `?` (one character)."""

    field: str
    values: tuple[Value, ...]
    glob: bool = False

    def __post_init__(self) -> None:
        if self.field not in MATCH_FIELDS and not (self.field.startswith("attrs.") and len(self.field) > 6):
            raise InvalidRequest(f"cannot filter on {self.field!r}", details={"field": self.field})


@dataclass(frozen=True, slots=True)
class TagMatch:
    """A tag `key` is present, with one of `values` when any are given."""

    key: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False

    def __post_init__(self) -> None:
        if self.field not in SORT_FIELDS:
            raise InvalidRequest(f"cannot sort on {self.field!r}", details={"field": "sort"})


@dataclass(frozen=True, slots=True)
class ResourceQuery:
    """Which records, in which order, which page. At most one of `cursor`, `offset` and `marker`:
    `cursor` is the core's opaque `next_cursor`; `marker` the id of the last record already seen
    (OpenStack); `offset` a count of records to skip (CloudStack's page)."""

    kind: Kind | None = None
    matches: tuple[Match, ...] = ()
    tags: tuple[TagMatch, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = 100
    cursor: str | None = None
    offset: int | None = None
    marker: str | None = None
    count: bool = False  # also count every record the query matches, over all pages

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}", details={"field": "limit"})
        if sum(x is not None for x in (self.cursor, self.offset, self.marker)) > 1:
            raise InvalidRequest("give at most one of cursor, offset and marker", details={"field": "cursor"})
        if self.offset is not None and self.offset < 0:
            raise InvalidRequest("offset must be 0 or more", details={"field": "offset"})

    def matching(self, name: str) -> tuple[Value, ...] | None:
        """The values of the Match on `name`, if the query has one."""
        return next((m.values for m in self.matches if m.field == name), None)

    @property
    def order(self) -> tuple[SortKey, ...]:
        """The sort keys with the id last, so every order is total (keyset paging needs one)."""
        keys = tuple(key for key in self.sort if key.field != "id")
        last = next((key for key in self.sort if key.field == "id"), SortKey("id"))
        return (*keys, last)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query: records, the cursor of the next page (None on the last), and the total when counted."""

    records: list[ResourceRecord]
    next_cursor: str | None = None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentPage:
    """A page as the records' stored JSON documents (the form /v1 serves)."""

    documents: list[str] = field(default_factory=list)
    next_cursor: str | None = None
