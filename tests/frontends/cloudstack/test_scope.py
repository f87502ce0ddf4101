"""Scope through the CloudStack front-end with the unmodified `cs` client: an API key issued with a default scope
(`cloudgate credential create --account CloudOne --scope '{"image": "CloudTwo"}'`) lists CloudTwo's templates,
deploys on CloudOne from one of them (replicated first), and is refused a network of another cloud with
CloudStack's errorcode 431."""

from __future__ import annotations

import asyncio
from typing import Any

from cs import CloudStack, CloudStackApiException

from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind
from tests.frontends.cloudstack.conftest import POLL
from tests.frontends.cloudstack.flow import named
from tests.frontends.scoped import TwoClouds


def cs_client(world: TwoClouds, key: tuple[str, str]) -> CloudStack:
    return CloudStack(endpoint=f"{world.served.url}/client/api", key=key[0], secret=key[1], poll_interval=POLL,
                      job_timeout=60, fetch_result=True)  # fmt: skip


async def test_a_scoped_key_lists_the_image_clouds_templates(two_clouds: TwoClouds):
    world = two_clouds
    cs = cs_client(world, await world.key({"image": "CloudTwo"}))
    [own] = await asyncio.to_thread(lambda: cs.listTemplates(templatefilter="self", fetch_list=True))
    assert (own["id"], own["name"]) == (to_uuid(world.golden), "golden")
    featured = await asyncio.to_thread(lambda: cs.listTemplates(templatefilter="featured", fetch_list=True))
    publics = await world.records(world.cloud_two, Kind.IMAGE, public=True)
    assert {t["id"] for t in featured} == {to_uuid(r.id) for r in publics}  # CloudTwo's endpoint's public images
    # only the image service is CloudTwo's: the networks are still CloudOne's
    networks = await asyncio.to_thread(lambda: cs.listNetworks(fetch_list=True))
    assert [n["name"] for n in networks] == ["near"]


async def test_a_scoped_key_deploys_on_its_own_cloud_from_a_replica_of_the_image_clouds_template(
    two_clouds: TwoClouds,
):
    world = two_clouds
    cs = cs_client(world, await world.key({"image": "CloudTwo"}))

    def deploy() -> dict[str, Any]:
        offering = named(cs.listServiceOfferings(fetch_list=True), "s1.small")
        zone = named(cs.listZones(fetch_list=True), "sim-east-a")
        return cs.deployVirtualMachine(serviceofferingid=offering["id"], templateid=to_uuid(world.golden),
                                       zoneid=zone["id"], name="from-two")["virtualmachine"]  # fmt: skip

    machine = await asyncio.to_thread(deploy)
    assert machine["state"] == "Running"
    [replica] = await world.replicas_of_golden()
    assert replica.tags.get("cloudgate:replica-of") == world.golden
    [instance] = await world.records(world.cloud_one, Kind.INSTANCE)
    assert to_uuid(instance.id) == machine["id"] and instance.attrs["image"] == replica.cloud_id


async def test_a_network_of_another_cloud_is_refused_with_431(two_clouds: TwoClouds):
    world = two_clouds
    cs = cs_client(world, await world.key({"image": "CloudTwo", "network": "CloudTwo"}))

    def deploy() -> None:
        offering = named(cs.listServiceOfferings(fetch_list=True), "s1.small")
        zone = named(cs.listZones(fetch_list=True), "sim-east-a")
        far = named(cs.listNetworks(fetch_list=True), "far")  # CloudTwo's, under the network scope
        cs.deployVirtualMachine(serviceofferingid=offering["id"], templateid=to_uuid(world.golden),
                                zoneid=zone["id"], networkids=far["id"])  # fmt: skip

    try:
        await asyncio.to_thread(deploy)
    except CloudStackApiException as exc:
        error = exc.error
    else:
        raise AssertionError("a machine was deployed on a network of another cloud")
    assert error["errorcode"] == 431, error
    assert "a network does not reach across clouds" in error["errortext"], error
    assert await world.records(world.cloud_one, Kind.INSTANCE) == []


async def test_a_key_whose_scope_names_a_cloud_the_client_gave_up_is_refused_with_431(two_clouds: TwoClouds):
    world = two_clouds
    cs = cs_client(world, await world.key({"image": "CloudTwo"}))
    await world.give_up_cloud_two()
    try:
        await asyncio.to_thread(lambda: cs.listTemplates(templatefilter="self"))
    except CloudStackApiException as exc:
        error = exc.error
    else:
        raise AssertionError("a scope naming a cloud the client gave up was used")
    assert error["errorcode"] == 431 and "is none of your accounts" in error["errortext"], error
