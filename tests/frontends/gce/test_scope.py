"""Scope through the GCE front-end with google-api-python-client and google-auth, unmodified: the OAuth2 token
endpoint takes an access key issued with a default scope (`cloudgate credential create --account CloudOne
--scope '{"image": "CloudTwo"}'`) as client id and secret, and its token runs every call in that scope (the
project's images are CloudTwo's); a project is named by the client's alias too, and a machine boots from an
image of another of the client's projects (`projects/cloudtwo/global/images/golden`) on its own cloud, from a
replica. Refusals come back as GCE's error object."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import google.oauth2.credentials
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from cloudgate.foreign_ids import to_gce_id
from cloudgate.model import Kind
from tests.frontends.gce.flow import done, names
from tests.frontends.scoped import NO_SUCH_ACCOUNT, TwoClouds

ZONE = "sim-east-a"


def compute(world: TwoClouds, client_id: str, secret: str) -> Any:
    """google-api-python-client's Compute service with google-auth's user credentials at the gateway's token
    endpoint, as the README shows: `client_id` a gateway client's or an access key's."""
    credentials = google.oauth2.credentials.Credentials(
        token=None, refresh_token="any", client_id=client_id, client_secret=secret,
        token_uri=f"{world.served.url}/oauth2/token",
    )  # fmt: skip
    return discovery.build("compute", "v1", credentials=credentials, static_discovery=True, cache_discovery=False,
                           client_options={"api_endpoint": f"{world.served.url}/compute/v1/"})  # fmt: skip


async def scoped_compute(world: TwoClouds, scope: dict[str, str]) -> Any:
    return compute(world, *await world.key(scope))


def refusal(call: Any) -> tuple[int, dict[str, Any]]:
    """The HTTP status and GCE's error object of a refused call."""
    try:
        call.execute()
    except HttpError as exc:
        return exc.status_code, json.loads(exc.content)["error"]
    raise AssertionError("the call went through")


def machine(name: str, source_image: str, subnetwork: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "machineType": f"zones/{ZONE}/machineTypes/s1.small",
                            "disks": [{"boot": True, "initializeParams": {"sourceImage": source_image}}]}  # fmt: skip
    if subnetwork:
        body["networkInterfaces"] = [{"subnetwork": subnetwork}]
    return body


async def test_a_token_for_a_scoped_key_shows_the_image_clouds_images_in_every_project_it_names(
    two_clouds: TwoClouds,
):
    world = two_clouds
    gce = await scoped_compute(world, {"image": "CloudTwo"})
    listed = await asyncio.to_thread(gce.images().list(project="cloudone").execute)  # the key's own project
    assert [(i["name"], i["id"]) for i in listed["items"]] == [("golden", to_gce_id(world.golden))]
    by_alias = await asyncio.to_thread(gce.images().list(project="cloudtwo").execute)
    assert names(by_alias) == ["golden"]
    public = await asyncio.to_thread(gce.images().list(project="cloudgate-public").execute)
    publics = await world.records(world.cloud_two, Kind.IMAGE, public=True)
    assert {i["id"] for i in public["items"]} == {to_gce_id(r.id) for r in publics}  # CloudTwo's endpoint's
    # only the image service is CloudTwo's: the project's subnetworks are CloudOne's
    subnets = await asyncio.to_thread(gce.subnetworks().list(project="cloudone", region="sim-east").execute)
    assert names(subnets) == ["near"]


async def test_a_machine_boots_on_its_project_from_an_image_of_another_project_replicated_once(
    two_clouds: TwoClouds,
):
    world = two_clouds
    # a client's own token: the image named in another of its projects, by alias
    own = compute(world, world.client.client_id, world.client_secret)
    inserted = own.instances().insert(project="cloudone", zone=ZONE,
                                      body=machine("linked", "projects/cloudtwo/global/images/golden"))  # fmt: skip
    await asyncio.to_thread(lambda: done(own, "cloudone", inserted.execute()))
    # a scoped key's token: the image named in the project, whose images are CloudTwo's
    scoped = await scoped_compute(world, {"image": "CloudTwo"})
    inserted = scoped.instances().insert(project="cloudone", zone=ZONE, body=machine("scoped", "global/images/golden"))
    await asyncio.to_thread(lambda: done(scoped, "cloudone", inserted.execute()))

    [replica] = await world.replicas_of_golden()  # made by the first, reused by the second
    assert replica.tags.get("cloudgate:replica-of") == world.golden
    machines = await world.records(world.cloud_one, Kind.INSTANCE)
    assert sorted(m.name for m in machines) == ["linked", "scoped"]
    assert {m.attrs["image"] for m in machines} == {replica.cloud_id}
    shown = await asyncio.to_thread(own.instances().get(project="cloudone", zone=ZONE, instance="linked").execute)
    assert shown["status"] == "RUNNING"


async def test_a_subnetwork_of_another_cloud_is_refused_in_gces_error_object(two_clouds: TwoClouds):
    world = two_clouds
    gce = await scoped_compute(world, {"image": "CloudTwo", "network": "CloudTwo"})
    body = machine("crossing", "global/images/golden", "regions/sim-east/subnetworks/far")
    status, error = await asyncio.to_thread(refusal, gce.instances().insert(project="cloudone", zone=ZONE, body=body))
    assert status == 400 and error["code"] == 400, error
    assert error["errors"][0]["reason"] == "invalid"
    assert "a network does not reach across clouds" in error["message"]
    assert await world.records(world.cloud_one, Kind.INSTANCE) == []


async def test_a_project_the_client_has_not_proven_is_refused_as_one_that_does_not_exist(two_clouds: TwoClouds):
    world = two_clouds
    gce = compute(world, world.client.client_id, world.client_secret)

    async def refused_project(project: str) -> tuple[int, str]:
        status, error = await asyncio.to_thread(refusal, gce.images().list(project=project))
        return status, error["message"].replace(project, "<project>")

    async def refused_image(project: str) -> tuple[int, str]:
        body = machine("vm", f"projects/{project}/global/images/golden")
        status, error = await asyncio.to_thread(
            refusal, gce.instances().insert(project="cloudone", zone=ZONE, body=body)
        )
        return status, error["message"].replace(project, "<project>")

    others, nobodys = await refused_project(world.strangers), await refused_project(NO_SUCH_ACCOUNT)
    assert others == nobodys and others[0] == 403
    others, nobodys = await refused_image(world.strangers), await refused_image(NO_SUCH_ACCOUNT)
    assert others == nobodys and others[0] == 404
    # a key's token reaches its account and the clouds of its scope only
    unscoped = compute(world, *await world.key(None))
    assert (await asyncio.to_thread(refusal, unscoped.zones().list(project="cloudtwo")))[0] == 403


async def test_a_token_whose_scope_names_a_cloud_the_client_gave_up_is_refused(two_clouds: TwoClouds):
    world = two_clouds
    gce = await scoped_compute(world, {"image": "CloudTwo"})
    await world.give_up_cloud_two()
    status, error = await asyncio.to_thread(refusal, gce.images().list(project="cloudone"))
    assert (status, error["errors"][0]["reason"]) == (400, "invalid"), error
    assert "is none of your accounts" in error["message"]
