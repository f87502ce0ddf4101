"""Unmodified boto3 against the EC2 front-end over the simulated cloud: the whole life of every kind, with
waiters, paginators, filters, tags and idempotent launches, and the gateway's records behind it."""

from __future__ import annotations

import asyncio

from cloudgate.foreign_ids import to_ec2_id
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.frontends.conftest import ADMIN
from tests.frontends.ec2.conftest import Ec2World
from tests.frontends.ec2.flow import Backend, lifecycle


async def test_every_kind_lives_its_life_through_boto3(ec2: Ec2World):
    seen = await asyncio.to_thread(lifecycle, ec2.client(), Backend(instance_type="s1.small"))
    core = ec2.served.gateway.core
    query = ResourceQuery(kind=Kind.INSTANCE, matches=(Match("account", (ec2.account,)),))
    records = (await core.resources.query(ADMIN, query)).records
    ids = {to_ec2_id(Kind.INSTANCE, r.id): r for r in records}
    assert set(seen["instances"]) <= set(ids)  # the EC2 ids are the gateway's records, by the id codec
    assert all(ids[i].state == "terminated" for i in seen["instances"])
    assert ids[seen["first"]].name == "web-one" and ids[seen["first"]].tags == {"env": "test"}
