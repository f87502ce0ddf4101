"""google-cloud-compute (the REST transport), unmodified, against the GCE front-end: the catalog, pages of
`max_results` and a filter, and an instance's life (insert, stop, start, setLabels under its fingerprint,
delete), each change waited on with the extended operation's `.result()`, set up as the README tells users.

`.result()` polls through an operations client the library makes for itself without the caller's
`client_options`: unless it is given one, it asks compute.googleapis.com. No setting names that client's
endpoint; the one environment setting every client reads (GOOGLE_CLOUD_UNIVERSE_DOMAIN) names
`https://compute.<domain>` only."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import google.oauth2.credentials
import pytest
from google.api_core import exceptions
from google.auth.credentials import Credentials
from google.cloud import compute_v1

from tests.frontends.gce.conftest import GceWorld

Client = TypeVar("Client")
ZONE = "sim-east-a"
# The extended operations' own clients, by the name a client's transport keeps each under.
OPERATION_CLIENTS: dict[str, Any] = {"zone_operations": compute_v1.ZoneOperationsClient,
                                     "region_operations": compute_v1.RegionOperationsClient,
                                     "global_operations": compute_v1.GlobalOperationsClient}  # fmt: skip


def gateway_client(client_class: type[Client], url: str, credentials: Credentials) -> Client:
    """A google-cloud-compute client at the gateway `url`, as the README sets one up: its endpoint, and the
    operations clients its `.result()` polls through given the same endpoint before their first use."""
    options = {"api_endpoint": url}
    client = client_class(transport="rest", client_options=options, credentials=credentials)
    kept = getattr(client.transport, "_extended_operations_services", None)  # None: the client starts no operation
    if kept is not None:
        kept.update({name: operations(transport="rest", client_options=options, credentials=credentials)
                     for name, operations in OPERATION_CLIENTS.items()})  # fmt: skip
    return client


def gce_client(gce: GceWorld, client_class: type[Client]) -> Client:
    return gateway_client(client_class, gce.served.url, google.oauth2.credentials.Credentials(token=gce.token))


async def test_the_catalog_pages_of_max_results_and_a_filter(gce: GceWorld):
    zones = gce_client(gce, compute_v1.ZonesClient)
    pages = await asyncio.to_thread(
        lambda: [
            [z.name for z in page.items]
            for page in zones.list(request={"project": gce.project, "max_results": 2}).pages
        ]
    )
    assert pages == [["sim-east-a", "sim-east-b"], ["sim-east-c"]]
    filtered = await asyncio.to_thread(
        lambda: list(zones.list(request={"project": gce.project, "filter": "name = sim-east-b"}))
    )
    assert [(z.name, z.status) for z in filtered] == [("sim-east-b", "UP")]

    machine_types = gce_client(gce, compute_v1.MachineTypesClient)
    where = {"project": gce.project, "zone": ZONE}
    types = await asyncio.to_thread(lambda: list(machine_types.list(request={**where, "max_results": 1})))
    assert [t.name for t in types] == ["s1.large", "s1.medium", "s1.small", "s1.tiny", "s1.xlarge"]
    assert all(t.zone == ZONE and t.guest_cpus > 0 and t.memory_mb > 0 for t in types)

    images = gce_client(gce, compute_v1.ImagesClient)
    debian = await asyncio.to_thread(images.get_from_family, project="debian-cloud", family="debian-12")
    assert debian.name == "debian-12" and debian.status == "READY"
    public = await asyncio.to_thread(lambda: [i.name for i in images.list(project="cloudgate-public")])
    assert "debian-12" in public and len(public) > 1
    assert await asyncio.to_thread(lambda: list(images.list(project=gce.project))) == []  # the account's own: none


async def test_an_instance_s_life_waited_on_with_result(gce: GceWorld):
    instances = gce_client(gce, compute_v1.InstancesClient)
    where = {"project": gce.project, "zone": ZONE}
    boot = compute_v1.AttachedDisk(boot=True, initialize_params=compute_v1.AttachedDiskInitializeParams(
        source_image="projects/debian-cloud/global/images/family/debian-12"))  # fmt: skip
    resource = compute_v1.Instance(name="web-1", machine_type=f"zones/{ZONE}/machineTypes/s1.small", disks=[boot],
                                   labels={"env": "test"})  # fmt: skip
    inserted = await asyncio.to_thread(instances.insert, **where, instance_resource=resource)
    assert inserted.status in (compute_v1.Operation.Status.PENDING, compute_v1.Operation.Status.RUNNING)
    await asyncio.to_thread(inserted.result, timeout=30)
    assert inserted.status == compute_v1.Operation.Status.DONE and not inserted.error_code

    async def shown() -> compute_v1.Instance:
        return await asyncio.to_thread(instances.get, **where, instance="web-1")

    assert ((await shown()).status, dict((await shown()).labels)) == ("RUNNING", {"env": "test"})

    # the README's other way to wait, public API only: the caller's own operations client
    credentials = google.oauth2.credentials.Credentials(token=gce.token)
    operations = compute_v1.ZoneOperationsClient(transport="rest", client_options={"api_endpoint": gce.served.url},
                                                 credentials=credentials)  # fmt: skip
    stopping = await asyncio.to_thread(instances.stop, **where, instance="web-1")
    stopped = await asyncio.to_thread(operations.wait, **where, operation=stopping.name)
    assert (stopped.status, stopped.operation_type) == (compute_v1.Operation.Status.DONE, "stop")
    assert (await shown()).status == "TERMINATED"
    starting = await asyncio.to_thread(instances.start, **where, instance="web-1")
    await asyncio.to_thread(starting.result, timeout=30)
    assert (await shown()).status == "RUNNING"

    # labels change under the fingerprint the instance shows; a stale one is refused
    fingerprint = (await shown()).label_fingerprint
    relabel = compute_v1.InstancesSetLabelsRequest(label_fingerprint=fingerprint, labels={"env": "prod", "tier": "web"})
    operation = await asyncio.to_thread(instances.set_labels, **where, instance="web-1",
                                        instances_set_labels_request_resource=relabel)  # fmt: skip
    await asyncio.to_thread(operation.result, timeout=30)
    assert dict((await shown()).labels) == {"env": "prod", "tier": "web"}
    assert (await shown()).label_fingerprint != fingerprint
    with pytest.raises(exceptions.PreconditionFailed):
        await asyncio.to_thread(instances.set_labels, **where, instance="web-1",
                                instances_set_labels_request_resource=relabel)  # fmt: skip

    listed = await asyncio.to_thread(lambda: list(instances.list(request={**where, "filter": "labels.tier = web"})))
    assert [i.name for i in listed] == ["web-1"]
    assert await asyncio.to_thread(lambda: list(instances.list(request={**where, "filter": "labels.tier = db"}))) == []

    operation = await asyncio.to_thread(instances.delete, **where, instance="web-1")
    await asyncio.to_thread(operation.result, timeout=30)
    with pytest.raises(exceptions.NotFound):
        await shown()


async def test_result_asks_google_unless_the_operations_client_is_given(gce: GceWorld,
                                                                        monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    credentials = google.oauth2.credentials.Credentials(token=gce.token)
    plain = compute_v1.InstancesClient(transport="rest", client_options={"api_endpoint": gce.served.url},
                                       credentials=credentials)  # fmt: skip
    assert plain.transport._zone_operations_client.api_endpoint == "compute.googleapis.com"
    monkeypatch.setenv("GOOGLE_CLOUD_UNIVERSE_DOMAIN", "gateway.example")
    universe = compute_v1.InstancesClient(transport="rest", client_options={"api_endpoint": gce.served.url},
                                          credentials=credentials)  # fmt: skip
    assert universe.transport._zone_operations_client.api_endpoint == "compute.gateway.example"
    assert gce_client(gce, compute_v1.InstancesClient).transport._zone_operations_client.api_endpoint == gce.served.url
