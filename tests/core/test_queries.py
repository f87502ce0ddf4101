"""Typed resource queries through the core, on SQLite and PostgreSQL: matches on any generic attribute,
tags, names with wildcards, lists of values, sorting, and paging by cursor, offset and marker."""

from __future__ import annotations

import dataclasses

import pytest

from cloudgate.core import Caller
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.foreign_ids import numeric_id
from cloudgate.model import Kind, ResourceRecord, gateway_id, public_scope
from cloudgate.query import Match, ResourceQuery, SortKey, TagMatch
from cloudgate.store import resources as rows
from tests.conftest import SimWorld


def _instance(scope: str, n: int) -> ResourceRecord:
    role = "web" if n % 3 else "db"
    return ResourceRecord(
        id=gateway_id(scope, Kind.INSTANCE, f"srv-{n}"), cloud_id=f"srv-{n}", scope=scope, account_id=scope, cloud="sim",
        kind=Kind.INSTANCE, name=f"{role}-{n:02d}", state="running" if n % 2 else "stopped", cloud_state=None,
        attrs={"datacenter": f"zone-{n % 2}", "vcpus": n % 4, "flavor": "s1.small" if n < 10 else "s1.large"},
        cloud_attrs={}, tags={"team": "a" if n < 15 else "b", **({"env": f"prod-{n}"} if n % 5 == 0 else {})},
        public=False, created_at=1000.0 + n, updated_at=2000.0 - n, revision=1,
    )  # fmt: skip


@pytest.fixture
async def stored(sim_gateway: SimWorld) -> tuple[SimWorld, str, str, list[ResourceRecord]]:
    """Two accounts with 20 instances each (written to the store directly), and a public image."""
    first, second = await sim_gateway.account("p1"), await sim_gateway.account("p2")
    records = [_instance(first, n) for n in range(20)] + [_instance(second, n) for n in range(20, 40)]
    image = dataclasses.replace(_instance("x", 99), id="img-00000000000000000099", kind=Kind.IMAGE, public=True,
                                account_id=None, scope=public_scope("sim", sim_gateway.cloud.endpoint, sim_gateway.cloud.regions[0]))  # fmt: skip
    zones = [dataclasses.replace(_instance(scope, 0), id=gateway_id(scope, Kind.DATACENTER, name), cloud_id=name,
                                 kind=Kind.DATACENTER, name=name, state="available", attrs={})
             for scope in (first, second) for name in ("zone-0", "zone-1")]  # fmt: skip
    async with sim_gateway.gateway.store.write() as conn:
        await rows.insert_records(conn, [(record, None) for record in [*records, image, *zones]])
    return sim_gateway, first, second, records


async def _ids(world: SimWorld, query: ResourceQuery, caller: Caller | None = None) -> list[str]:
    page = await world.gateway.core.resources.query(caller or world.admin, query)
    return [record.id for record in page.records]


async def test_matches_on_names_states_attributes_tags_and_ids(stored):
    world, first, _second, records = stored
    by = {record.id: record for record in records}

    def expect(predicate) -> list[str]:
        return sorted(r.id for r in records if predicate(r))

    instances = ResourceQuery(kind=Kind.INSTANCE, limit=1000)
    cases = [
        ((Match("name", ("web-*",), glob=True),), (), lambda r: r.name.startswith("web-")),
        ((Match("name", ("WEB-*",), glob=True),), (), lambda r: False),  # case-sensitive on both backends
        ((Match("name", ("db-0?",), glob=True),), (), lambda r: r.name in {"db-00", "db-03", "db-06", "db-09"}),
        ((Match("state", ("running", "stopped")),), (), lambda r: True),
        ((Match("attrs.vcpus", (0, 3)),), (), lambda r: r.attrs["vcpus"] in (0, 3)),
        ((Match("attrs.flavor", ("s1.small",)), Match("state", ("running",))), (),
         lambda r: r.attrs["flavor"] == "s1.small" and r.state == "running"),
        ((Match("datacenter", ("zone-1",)),), (), lambda r: r.attrs["datacenter"] == "zone-1"),
        ((Match("cloud_id", ("srv-3", "srv-33", "srv-none")),), (), lambda r: r.cloud_id in ("srv-3", "srv-33")),
        ((Match("id", (records[5].id,)),), (), lambda r: r.id == records[5].id),
        ((Match("numeric_id", (numeric_id(records[7].id),)),), (), lambda r: r.id == records[7].id),
        ((), (TagMatch("env"),), lambda r: "env" in r.tags),
        ((), (TagMatch("team", ("b",)),), lambda r: r.tags["team"] == "b"),
        ((), (TagMatch("env", ("prod-1*",)),), lambda r: r.tags.get("env", "").startswith("prod-1")),
        ((Match("account", (first,)),), (TagMatch("team", ("a",)),), lambda r: r.scope == first and r.tags["team"] == "a"),
    ]  # fmt: skip
    for matches, tags, predicate in cases:
        found = await _ids(world, dataclasses.replace(instances, matches=matches, tags=tags))
        assert found == expect(predicate), (matches, tags, [by[i].name for i in found])


async def test_matches_on_thousands_of_values(stored):
    """A match on as many values as a client can name (every volume attached to a thousand instances)
    is one query on both backends, not an expression too deep for SQLite."""
    world, _first, _second, records = stored
    many = 3000
    cases = [
        (Match("attrs.flavor", ("s1.small", *(f"s9.{n}" for n in range(many)))), (), lambda r: r.attrs["flavor"] == "s1.small"),
        (Match("attrs.vcpus", (2, *range(10, 10 + many))), (), lambda r: r.attrs["vcpus"] == 2),
        (Match("name", ("db-*", *(f"x-{n}" for n in range(many))), glob=True), (), lambda r: r.name.startswith("db-")),
        (Match("cloud_id", tuple(f"srv-{n}" for n in range(many))), (), lambda r: True),
        (None, (TagMatch("env", ("prod-5", *(f"none-{n}" for n in range(many)))),), lambda r: r.tags.get("env") == "prod-5"),
    ]  # fmt: skip
    for match, tags, predicate in cases:
        query = ResourceQuery(kind=Kind.INSTANCE, limit=1000, matches=(match,) if match else (), tags=tags)
        assert await _ids(world, query) == sorted(r.id for r in records if predicate(r)), match or tags


async def test_every_order_pages_completely_by_cursor_offset_and_marker(stored):
    world, _first, _second, records = stored
    core = world.gateway.core
    order = (SortKey("state", descending=True), SortKey("name"))
    by_name = sorted(records, key=lambda r: r.name)
    wanted = [r.id for r in by_name if r.state == "stopped"] + [r.id for r in by_name if r.state == "running"]
    query = ResourceQuery(kind=Kind.INSTANCE, sort=order, limit=7, count=True)

    by_cursor, page = [], await core.resources.query(world.admin, query)
    assert page.total == len(records)
    while True:
        by_cursor += [r.id for r in page.records]
        if page.next_cursor is None:
            break
        page = await core.resources.query(world.admin, dataclasses.replace(query, cursor=page.next_cursor))
    assert by_cursor == wanted

    by_offset = []
    for offset in range(0, len(records), 7):
        by_offset += await _ids(world, dataclasses.replace(query, offset=offset))
    assert by_offset == wanted

    by_marker = await _ids(world, query)
    while len(by_marker) < len(records):
        by_marker += await _ids(world, dataclasses.replace(query, marker=by_marker[-1]))
    assert by_marker == wanted

    newest_first = ResourceQuery(kind=Kind.INSTANCE, sort=(SortKey("created_at", descending=True),), limit=3)
    assert await _ids(world, newest_first) == [r.id for r in sorted(records, key=lambda r: -r.created_at)[:3]]


async def test_bad_queries_are_refused(stored):
    world, _first, _second, _records = stored
    core = world.gateway.core
    page = await core.resources.query(world.admin, ResourceQuery(kind=Kind.INSTANCE, limit=5))
    assert page.next_cursor is not None
    resorted = ResourceQuery(kind=Kind.INSTANCE, sort=(SortKey("name"),), cursor=page.next_cursor)
    with pytest.raises(InvalidRequest):  # a cursor of another order
        await core.resources.query(world.admin, resorted)
    with pytest.raises(InvalidRequest):  # a cursor of another kind
        await core.resources.query(world.admin, ResourceQuery(kind=Kind.VOLUME, cursor=page.next_cursor))
    with pytest.raises(InvalidRequest):
        await core.resources.query(world.admin, ResourceQuery(kind=Kind.INSTANCE, marker="i-00000000000000000000"))
    for bad in (lambda: Match("secret_column", ("x",)), lambda: SortKey("attrs"),
                lambda: ResourceQuery(limit=0), lambda: ResourceQuery(offset=1, marker="x")):  # fmt: skip
        with pytest.raises(InvalidRequest):
            bad()


async def test_an_account_sees_its_own_and_its_endpoint_s_public_resources(stored):
    world, first, second, records = stored
    both = await _ids(world, ResourceQuery(matches=(Match("account", (first,)),), limit=1000))
    assert "img-00000000000000000099" in both
    assert {i for i in both if i.startswith("i-")} == {r.id for r in records if r.scope == first}
    with pytest.raises(NotFound):  # an account the caller cannot see is an error, not an empty page
        await _ids(world, ResourceQuery(matches=(Match("account", ("acc-unknown",)),), limit=1000))
    by_name = await _ids(world, ResourceQuery(matches=(Match("account", ("sim:p1",)),), limit=1000))
    assert by_name == both
