"""The whole lifecycle of every kind through the GCE front-end with the unmodified google-api-python-client
(every operation waited to DONE through the zone, region or global operations it names), over whatever
cloud is behind: the sim here, other clouds in test_backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from googleapiclient.errors import HttpError

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnYvq3n8mJ9t6X2Xg0dQp3qk5m2o1c7tq0cJ6nQ9s8c flow@test"


@dataclass(frozen=True)
class Backend:
    """What the flow picks on the cloud behind, and what that cloud can do."""

    machine_type: str
    image: str  # a public image's name
    zone: str
    region: str | None = None  # where to make a subnetwork, for clouds that make them from a CIDR
    cidr: str | None = None
    images: bool = True  # images of a machine's disk


def done(compute: Any, project: str, operation: dict[str, Any]) -> dict[str, Any]:
    """Wait on an operation where it lives (zone, region or global) until DONE; its error raised."""
    collection, where = "globalOperations", {}
    for scope, scoped in (("zone", "zoneOperations"), ("region", "regionOperations")):
        if scope in operation:
            collection, where = scoped, {scope: operation[scope].rsplit("/", 1)[-1]}
    while operation["status"] != "DONE":  # wait returns after its own deadline, done or not
        operation = getattr(compute, collection)().wait(project=project, operation=operation["name"], **where).execute()
    assert "error" not in operation, operation["error"]
    return operation


def names(listing: dict[str, Any]) -> list[str]:
    return [item["name"] for item in listing.get("items", [])]


def lifecycle(compute: Any, project: str, backend: Backend) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    zone, p = backend.zone, project
    assert zone in names(compute.zones().list(project=p).execute())
    assert backend.machine_type in names(compute.machineTypes().list(project=p, zone=zone).execute())
    aggregated = compute.machineTypes().aggregatedList(project=p).execute()["items"]
    assert backend.machine_type in [m["name"] for m in aggregated[f"zones/{zone}"]["machineTypes"]]
    public = compute.images().list(project="cloudgate-public").execute()
    image = next(i for i in public["items"] if i["name"] == backend.image)
    source_image = image["selfLink"]

    # -- a firewall, patched
    made = compute.firewalls().insert(project=p, body={
        "name": "flow-web", "direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"],
        "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}]}).execute()  # fmt: skip
    done(compute, p, made)
    done(compute, p, compute.firewalls().patch(project=p, firewall="flow-web", body={
        "allowed": [{"IPProtocol": "tcp", "ports": ["22", "80-81"]}]}).execute())  # fmt: skip
    shown = compute.firewalls().get(project=p, firewall="flow-web").execute()
    assert shown["allowed"] == [{"IPProtocol": "tcp", "ports": ["22", "80-81"]}] and shown["direction"] == "INGRESS"

    # -- a subnetwork of the project's one network, where the cloud makes them
    subnetwork = None
    if backend.cidr and backend.region:
        done(compute, p, compute.subnetworks().insert(project=p, region=backend.region, body={
            "name": "flow-net", "ipCidrRange": backend.cidr, "network": "global/networks/default"}).execute())  # fmt: skip
        subnetwork = compute.subnetworks().get(project=p, region=backend.region, subnetwork="flow-net").execute()
        assert subnetwork["ipCidrRange"] == backend.cidr
        assert subnetwork["selfLink"] in compute.networks().get(project=p, network="default").execute()["subnetworks"]

    # -- two machines, paged and filtered, labelled, given metadata, driven
    for name in ("flow-vm", "flow-vm-2"):
        body = {"name": name, "machineType": f"zones/{zone}/machineTypes/{backend.machine_type}",
                "disks": [{"boot": True, "autoDelete": True, "initializeParams": {"sourceImage": source_image}}],
                "networkInterfaces": [{"subnetwork": subnetwork["selfLink"]} if subnetwork else {}],
                "labels": {"team": "blue"}}  # fmt: skip
        done(compute, p, compute.instances().insert(project=p, zone=zone, body=body).execute())
    first = compute.instances().list(project=p, zone=zone, maxResults=1).execute()
    second = compute.instances().list(project=p, zone=zone, maxResults=1, pageToken=first["nextPageToken"]).execute()
    assert sorted(names(first) + names(second)) == ["flow-vm", "flow-vm-2"] and "nextPageToken" not in second
    running = compute.instances().list(project=p, zone=zone, filter='(status = RUNNING) (name = "flow-vm")').execute()
    assert names(running) == ["flow-vm"]
    vm = compute.instances().get(project=p, zone=zone, instance="flow-vm").execute()
    assert (vm["status"], vm["labels"], vm["machineType"].rsplit("/", 1)[-1]) == ("RUNNING", {"team": "blue"},
                                                                                  backend.machine_type)  # fmt: skip
    seen["first"] = vm
    done(compute, p, compute.instances().setLabels(project=p, zone=zone, instance="flow-vm", body={
        "labels": {"team": "red", "env": "test"}, "labelFingerprint": vm["labelFingerprint"]}).execute())  # fmt: skip
    assert names(compute.instances().list(project=p, zone=zone, filter="labels.team = red").execute()) == ["flow-vm"]
    vm = compute.instances().get(project=p, zone=zone, instance="flow-vm").execute()
    done(compute, p, compute.instances().setMetadata(project=p, zone=zone, instance="flow-vm", body={
        "fingerprint": vm["metadata"]["fingerprint"], "items": [{"key": "role", "value": "web"}]}).execute())  # fmt: skip
    vm = compute.instances().get(project=p, zone=zone, instance="flow-vm").execute()
    assert vm["metadata"]["items"] == [{"key": "role", "value": "web"}] and vm["labels"] == {
        "team": "red",
        "env": "test",
    }
    for method, status in (("stop", "TERMINATED"), ("start", "RUNNING"), ("reset", "RUNNING")):
        done(compute, p, getattr(compute.instances(), method)(project=p, zone=zone, instance="flow-vm").execute())
        assert compute.instances().get(project=p, zone=zone, instance="flow-vm").execute()["status"] == status

    # -- a disk: attached, resized, snapshotted, imaged, detached, deleted
    done(compute, p, compute.disks().insert(project=p, zone=zone, body={"name": "flow-data", "sizeGb": "2"}).execute())
    disk = compute.disks().get(project=p, zone=zone, disk="flow-data").execute()
    assert (disk["sizeGb"], disk["status"]) == ("2", "READY")
    done(compute, p, compute.instances().attachDisk(project=p, zone=zone, instance="flow-vm", body={
        "source": disk["selfLink"], "deviceName": "data"}).execute())  # fmt: skip
    disk = compute.disks().get(project=p, zone=zone, disk="flow-data").execute()
    assert [u.rsplit("/", 1)[-1] for u in disk["users"]] == ["flow-vm"]
    attached = compute.instances().get(project=p, zone=zone, instance="flow-vm").execute()["disks"]
    assert [d["source"] for d in attached] == [disk["selfLink"]]
    done(compute, p, compute.disks().resize(project=p, zone=zone, disk="flow-data", body={"sizeGb": "3"}).execute())
    assert compute.disks().get(project=p, zone=zone, disk="flow-data").execute()["sizeGb"] == "3"
    if backend.images:
        done(
            compute,
            p,
            compute.images().insert(project=p, body={"name": "flow-image", "sourceDisk": disk["selfLink"]}).execute(),
        )
        assert compute.images().get(project=p, image="flow-image").execute()["status"] == "READY"
        done(compute, p, compute.images().delete(project=p, image="flow-image").execute())
    done(compute, p, compute.instances().detachDisk(project=p, zone=zone, instance="flow-vm",
                                                    deviceName=attached[0]["deviceName"]).execute())  # fmt: skip
    done(
        compute,
        p,
        compute.disks().createSnapshot(project=p, zone=zone, disk="flow-data", body={"name": "flow-snap"}).execute(),
    )
    snapshot = compute.snapshots().get(project=p, snapshot="flow-snap").execute()
    assert snapshot["sourceDisk"] == disk["selfLink"] and snapshot["status"] == "READY"
    done(compute, p, compute.snapshots().delete(project=p, snapshot="flow-snap").execute())
    done(compute, p, compute.disks().delete(project=p, zone=zone, disk="flow-data").execute())

    # -- the project's ssh-keys are its key pairs
    metadata = compute.projects().get(project=p).execute()["commonInstanceMetadata"]
    done(compute, p, compute.projects().setCommonInstanceMetadata(project=p, body={
        "fingerprint": metadata["fingerprint"], "items": [{"key": "ssh-keys", "value": f"ops:{PUBLIC_KEY}"}]}).execute())  # fmt: skip
    metadata = compute.projects().get(project=p).execute()["commonInstanceMetadata"]
    assert metadata["items"][0]["value"].startswith("ops:ssh-ed25519 ")
    done(compute, p, compute.projects().setCommonInstanceMetadata(project=p, body={
        "fingerprint": metadata["fingerprint"], "items": []}).execute())  # fmt: skip

    # -- the end of everything
    operations = compute.zoneOperations().list(project=p, zone=zone).execute()["items"]
    assert {o["status"] for o in operations} == {"DONE"} and len(operations) >= 5  # those of resources still there
    for name in ("flow-vm", "flow-vm-2"):
        done(compute, p, compute.instances().delete(project=p, zone=zone, instance=name).execute())
    if subnetwork:
        done(
            compute, p, compute.subnetworks().delete(project=p, region=backend.region, subnetwork="flow-net").execute()
        )
    done(compute, p, compute.firewalls().delete(project=p, firewall="flow-web").execute())
    try:  # a deleted machine is gone, as GCE forgets it, even while its cloud still lists it a while
        seen["left"] = compute.instances().get(project=p, zone=zone, instance="flow-vm-2").execute()["status"]
    except HttpError as exc:
        seen["left"] = exc.status_code
    return seen


def machine_flow(compute: Any, project: str, backend: Backend) -> dict[str, Any]:
    """A shorter flow for the clouds other than the sim: a machine stopped and started, a disk attached to it
    and detached, everything deleted."""
    zone, p = backend.zone, project
    assert zone in names(compute.zones().list(project=p).execute())
    assert backend.machine_type in names(compute.machineTypes().list(project=p, zone=zone).execute())
    image = compute.images().get(project="cloudgate-public", image=backend.image).execute()
    done(compute, p, compute.instances().insert(project=p, zone=zone, body={
        "name": "short-vm", "machineType": f"zones/{zone}/machineTypes/{backend.machine_type}",
        "disks": [{"boot": True, "initializeParams": {"sourceImage": image["selfLink"]}}]}).execute())  # fmt: skip
    vm = compute.instances().get(project=p, zone=zone, instance="short-vm").execute()
    assert vm["status"] == "RUNNING"
    done(compute, p, compute.instances().stop(project=p, zone=zone, instance="short-vm").execute())
    assert compute.instances().get(project=p, zone=zone, instance="short-vm").execute()["status"] == "TERMINATED"
    done(compute, p, compute.instances().start(project=p, zone=zone, instance="short-vm").execute())
    done(compute, p, compute.disks().insert(project=p, zone=zone, body={"name": "short-data", "sizeGb": "1"}).execute())
    disk = compute.disks().get(project=p, zone=zone, disk="short-data").execute()
    done(compute, p, compute.instances().attachDisk(project=p, zone=zone, instance="short-vm", body={
        "source": disk["selfLink"]}).execute())  # fmt: skip
    attached = compute.instances().get(project=p, zone=zone, instance="short-vm").execute()["disks"]
    [device] = [d["deviceName"] for d in attached if d["source"] == disk["selfLink"]]  # an EC2 root volume is there too
    done(
        compute,
        p,
        compute.instances().detachDisk(project=p, zone=zone, instance="short-vm", deviceName=device).execute(),
    )
    done(compute, p, compute.disks().delete(project=p, zone=zone, disk="short-data").execute())
    done(compute, p, compute.instances().delete(project=p, zone=zone, instance="short-vm").execute())
    return {"machine": vm}
