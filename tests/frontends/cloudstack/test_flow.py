"""The whole lifecycle of every kind over the sim with the unmodified `cs` clients: the sync client in JSON,
its answers in XML (CloudStack's default), and the asyncio client with its fetch_list/fetch_result helpers."""

from __future__ import annotations

import asyncio

from cs import CloudStackApiException

from tests.frontends.cloudstack.conftest import CsWorld
from tests.frontends.cloudstack.flow import Backend, lifecycle, xml_listing

SIM = Backend(offering="s1.small", template="debian-12", zone="sim-east-a", cidr="10.9.8.0/24")


async def test_the_whole_flow_over_the_sim(cloudstack: CsWorld) -> None:
    seen = await asyncio.to_thread(lifecycle, cloudstack.client(), SIM)
    assert seen["account"]["name"] == "sim:project-a"
    # behind the gateway, the sim holds no volume or snapshot of the flow, and its machines are destroyed
    usage = cloudstack.cloud.usage("project-a")
    assert (usage["volumes"], usage["snapshots"]) == (0, 0)
    left = await asyncio.to_thread(lambda: cloudstack.client().listVirtualMachines(fetch_list=True))
    assert {vm["state"] for vm in left if vm["id"] in seen["machines"]} <= {"Destroyed"}


async def test_answers_are_xml_by_default(cloudstack: CsWorld) -> None:
    cs = cloudstack.client()
    root = await asyncio.to_thread(xml_listing, cs, "listZones")
    assert root.tag == "listzonesresponse" and root.get("cloud-stack-version")
    zones = root.findall("zone")
    assert int(root.findtext("count") or "0") == len(zones) == 3
    assert [z.findtext("allocationstate") for z in zones] == ["Enabled"] * 3
    [first] = await asyncio.to_thread(lambda: cs.listZones(page=1, pagesize=1)["zone"])
    assert zones[0].findtext("id") == first["id"]
    empty = await asyncio.to_thread(xml_listing, cs, "listVolumes")
    assert (empty.tag, list(empty)) == ("listvolumesresponse", [])  # an empty list is an empty answer


async def test_the_asyncio_client_follows_lists_and_jobs(cloudstack: CsWorld) -> None:
    async with cloudstack.aio_client() as cs:
        offering = next(o for o in await cs.listServiceOfferings(fetch_list=True) if o["name"] == "s1.small")
        [template] = [
            t for t in await cs.listTemplates(templatefilter="featured", fetch_list=True) if t["name"] == "debian-12"
        ]
        zones = await cs.listZones(fetch_list=True, pagesize=1)  # one zone a page: every page followed
        assert len(zones) == 3
        made = await cs.deployVirtualMachine(serviceofferingid=offering["id"], templateid=template["id"],
                                             zoneid=zones[0]["id"], name="aio")  # fmt: skip
        assert made["virtualmachine"]["state"] == "Running"
        started = await cs.stopVirtualMachine(id=made["virtualmachine"]["id"], fetch_result=False)
        job = await cs.queryAsyncJobResult(jobid=started["jobid"], fetch_result=False)
        assert job["jobstatus"] in (0, 1) and job["jobinstanceid"] == made["virtualmachine"]["id"]
        await cs.destroyVirtualMachine(id=made["virtualmachine"]["id"])
        try:
            await cs.startVirtualMachine(id=made["virtualmachine"]["id"])
        except CloudStackApiException as exc:
            failed = exc.error
        else:
            raise AssertionError("a destroyed machine started")
        assert failed["errorcode"] in (431, 530, 536) and failed["errortext"]
