"""Two clouds for the scope tests of the front-ends: two quick simulated endpoints, a client (not an admin, so
that it proves what it names) holding an account on each, aliased CloudOne and CloudTwo; an image of CloudTwo's
own, a subnet "near" of CloudOne and "far" of CloudTwo; and an account another client proved, which the first one may not name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers.sim import SimCloud
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery

if TYPE_CHECKING:  # the front-ends' conftest takes its fixture from here
    from tests.frontends.conftest import Served

ADMIN = Caller(Principal(ADMIN_ID, "admin", True))

PROJECT = "project-a"  # the project of each endpoint the client holds
NO_SUCH_ACCOUNT = "acc-0123456789abcdef"  # an account id nobody has


@dataclass
class TwoClouds:
    served: Served
    one: SimCloud  # CloudOne's endpoint
    two: SimCloud  # CloudTwo's endpoint
    client: Caller  # the client holding both accounts
    client_secret: str
    cloud_one: str  # account ids
    cloud_two: str
    strangers: str  # an account of CloudTwo's endpoint that another client proved
    golden: str  # the gateway id of CloudTwo's own image "golden"
    far_subnet: str  # the gateway id of CloudTwo's subnet "far"

    async def key(self, scope: Mapping[str, Any] | None, account: str | None = None) -> tuple[str, str]:
        """An access key of the client on `account` (CloudOne) with `scope` as its default: (id, secret)."""
        view, secret = await self.served.gateway.core.credentials.issue(
            self.client, account or self.cloud_one, scope=scope, name="scoped"
        )
        return view.id, secret

    async def give_up_cloud_two(self) -> None:
        """The client withdraws its access to CloudTwo, which another client holds too (so it stays): a key or a
        token bound to a scope naming it is now refused."""
        core = self.served.gateway.core
        row, _secret = await core.auth.create_client(ADMIN, "carol")
        await self.served.account(self.two, "AK-A", Caller(Principal(row.id, row.name, False)))
        await core.accounts.remove(self.client, self.cloud_two)

    async def records(self, account: str, kind: Kind, *, public: bool = False) -> list[Any]:
        """What the gateway holds of `kind` in the account itself (`public`: its endpoint's public ones)."""
        query = ResourceQuery(kind=kind, matches=(Match("account", (account,)), Match("public", (public,))))
        return (await self.served.gateway.core.resources.query(ADMIN, query)).records

    async def replicas_of_golden(self) -> list[Any]:
        """CloudOne's images copied from CloudTwo's golden image."""
        return [r for r in await self.records(self.cloud_one, Kind.IMAGE) if r.name == "golden"]


def _settled(cloud: SimCloud, collection: str, status: str, **spec: Any) -> str:
    made = cloud.oob_create(PROJECT, collection, **spec)
    cloud.oob_update(PROJECT, collection, made["id"], status=status)
    return str(made["id"])


async def two_clouds_world(served: Served, one: SimCloud, two: SimCloud) -> TwoClouds:
    core = served.gateway.core
    _settled(two, "images", "ACTIVE", name="golden", os_type="linux", min_disk=1)
    _settled(one, "subnets", "ACTIVE", name="near", cidr="10.8.0.0/24", zone="sim-east-a")
    _settled(two, "subnets", "ACTIVE", name="far", cidr="10.9.0.0/24", zone="sim-east-a")
    row, secret = await core.auth.create_client(ADMIN, "alice")
    client = Caller(Principal(row.id, row.name, False))
    cloud_one = await served.account(one, "AK-A", client)
    cloud_two = await served.account(two, "AK-A", client)
    await core.accounts.set_alias(client, cloud_one, "CloudOne")
    await core.accounts.set_alias(client, cloud_two, "CloudTwo")
    other, _secret = await core.auth.create_client(ADMIN, "bob")
    strangers = await served.account(two, "AK-B", Caller(Principal(other.id, other.name, False)))
    world = TwoClouds(served, one, two, client, secret, cloud_one, cloud_two, strangers, "", "")
    [golden] = [r for r in await world.records(cloud_two, Kind.IMAGE) if r.name == "golden"]
    [far] = [r for r in await world.records(cloud_two, Kind.SUBNET) if r.name == "far"]
    world.golden, world.far_subnet = golden.id, far.id
    return world
