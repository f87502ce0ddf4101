"""The whole lifecycle of every kind through the CloudStack front-end with the unmodified `cs` client (each
async command followed to its end with queryAsyncJobResult, as `cs` does with fetch_result), over whatever
cloud is behind: the sim here, other clouds in test_backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from cs import CloudStack

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHnYvq3n8mJ9t6X2Xg0dQp3qk5m2o1c7tq0cJ6nQ9s8c flow@test"


@dataclass(frozen=True)
class Backend:
    """What the flow picks on the cloud behind, and what that cloud can do."""

    offering: str  # a service offering (flavor) name
    template: str  # a template (image) name
    zone: str | None = None  # a zone name; the first listed without
    cidr: str | None = None  # a network to create, where the cloud creates them from a CIDR
    snapshots: bool = True


def named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [found] = [item for item in items if item["name"] == name]
    return found


def _ids(answer: dict[str, Any], key: str) -> list[str]:
    return [item["id"] for item in answer.get(key, [])]


def lifecycle(cs: CloudStack, backend: Backend) -> dict[str, Any]:
    """Every kind through its life; what was seen, for the caller's own checks."""
    seen: dict[str, Any] = {}
    zones = cs.listZones(fetch_list=True)
    zone = named(zones, backend.zone) if backend.zone else zones[0]
    offering = named(cs.listServiceOfferings(fetch_list=True), backend.offering)
    template = named(cs.listTemplates(templatefilter="executable", fetch_list=True), backend.template)
    assert template["id"] in _ids(cs.listTemplates(templatefilter="featured"), "template")  # the cloud's public image
    assert template["id"] not in _ids(cs.listTemplates(templatefilter="self"), "template")
    [account] = cs.listAccounts()["account"]
    assert cs.listCapabilities()["capability"]["securitygroupsenabled"] is True
    assert cs.listApis()["count"] >= 40

    # -- key pairs and a security group
    made_key = cs.createSSHKeyPair(name="ops")["keypair"]
    assert made_key["privatekey"].startswith("-----BEGIN") and made_key["fingerprint"]
    cs.registerSSHKeyPair(name="imported", publickey=PUBLIC_KEY)
    assert sorted(k["name"] for k in cs.listSSHKeyPairs(fetch_list=True)) == ["imported", "ops"]
    assert cs.deleteSSHKeyPair(name="imported")["success"] == "true"
    group = cs.createSecurityGroup(name="web", description="web servers")["securitygroup"]
    authorized = cs.authorizeSecurityGroupIngress(securitygroupid=group["id"], protocol="tcp", startport=22, endport=22,
                                                  cidrlist="0.0.0.0/0")["securitygroup"]  # fmt: skip
    [rule] = authorized["ingressrule"]
    assert (rule["protocol"], rule["startport"], rule["endport"], rule["cidr"]) == ("tcp", 22, 22, "0.0.0.0/0")

    # -- a network, where the cloud makes them
    network_ids: list[str] = []
    if backend.cidr:
        [network_offering] = cs.listNetworkOfferings()["networkoffering"]
        base, _bits = backend.cidr.split("/")
        gateway = base.rsplit(".", 1)[0] + ".1"
        network = cs.createNetwork(name="flow-net", displaytext="flow-net", zoneid=zone["id"], gateway=gateway,
                                   netmask="255.255.255.0", networkofferingid=network_offering["id"])["network"]  # fmt: skip
        assert (network["cidr"], network["gateway"], network["zoneid"]) == (backend.cidr, gateway, zone["id"])
        assert network["id"] in _ids(cs.listNetworks(zoneid=zone["id"]), "network")
        network_ids = [network["id"]]

    # -- two machines: deployed, paged, renamed, driven through their actions
    deployed = cs.deployVirtualMachine(serviceofferingid=offering["id"], templateid=template["id"], zoneid=zone["id"],
                                       name="flow-vm", keypair="ops", securitygroupids=group["id"],
                                       networkids=network_ids)["virtualmachine"]  # fmt: skip
    assert (deployed["state"], deployed["keypair"], deployed["zoneid"]) == ("Running", "ops", zone["id"])
    assert [g["name"] for g in deployed["securitygroup"]] == ["web"]
    if network_ids:
        assert deployed["nic"][0]["networkid"] == network_ids[0]
    seen["account"], seen["first"] = account, deployed
    second = cs.deployVirtualMachine(serviceofferingid=offering["id"], templateid=template["id"],
                                     zoneid=zone["id"], name="flow-vm-2")["virtualmachine"]  # fmt: skip
    first_page = cs.listVirtualMachines(page=1, pagesize=1)
    second_page = cs.listVirtualMachines(page=2, pagesize=1)
    assert first_page["count"] == second_page["count"] == 2
    assert {first_page["virtualmachine"][0]["id"], second_page["virtualmachine"][0]["id"]} == {
        deployed["id"],
        second["id"],
    }
    assert cs.listVirtualMachines(page=3, pagesize=1) == {"count": 2}  # a page past the end: the count alone
    assert [vm["id"] for vm in cs.listVirtualMachines(state="Running", fetch_list=True)] == [
        deployed["id"],
        second["id"],
    ]
    renamed = cs.updateVirtualMachine(id=second["id"], name="flow-vm-b")["virtualmachine"]
    assert renamed["name"] == "flow-vm-b"
    assert cs.stopVirtualMachine(id=deployed["id"])["virtualmachine"]["state"] == "Stopped"
    assert _ids(cs.listVirtualMachines(state="Stopped"), "virtualmachine") == [deployed["id"]]
    assert cs.startVirtualMachine(id=deployed["id"])["virtualmachine"]["state"] == "Running"
    assert cs.rebootVirtualMachine(id=deployed["id"])["virtualmachine"]["state"] == "Running"

    # -- a volume: created, attached, resized, detached, snapshotted, deleted
    offerings = cs.listDiskOfferings()["diskoffering"]
    small = next(o for o in offerings if not o["iscustomized"])
    custom = next(o for o in offerings if o["iscustomized"])
    volume = cs.createVolume(name="flow-data", zoneid=zone["id"], diskofferingid=small["id"])["volume"]
    assert (volume["state"], volume["size"]) == ("Ready", small["disksize"] * 1024**3)
    attached = cs.attachVolume(id=volume["id"], virtualmachineid=deployed["id"])["volume"]
    assert attached["virtualmachineid"] == deployed["id"] and attached["vmname"] == "flow-vm"
    assert _ids(cs.listVolumes(virtualmachineid=deployed["id"]), "volume") == [volume["id"]]
    detached = cs.detachVolume(id=volume["id"])["volume"]
    assert "virtualmachineid" not in detached
    resized = cs.resizeVolume(id=volume["id"], diskofferingid=custom["id"], size=small["disksize"] + 1)["volume"]
    assert resized["size"] == (small["disksize"] + 1) * 1024**3
    if backend.snapshots:
        snapshot = cs.createSnapshot(volumeid=volume["id"], name="flow-snap")["snapshot"]
        assert snapshot["volumeid"] == volume["id"] and snapshot["state"] == "BackedUp"
        assert _ids(cs.listSnapshots(volumeid=volume["id"]), "snapshot") == [snapshot["id"]]
        cs.deleteSnapshot(id=snapshot["id"])
        assert cs.listSnapshots(volumeid=volume["id"]) == {}
    assert cs.deleteVolume(id=volume["id"])["success"] == "true"
    assert cs.listVolumes(id=volume["id"]) == {}

    # -- tags
    cs.createTags(resourceids=deployed["id"], resourcetype="UserVm", tags=[{"key": "team", "value": "blue"}])
    [tag] = cs.listTags(resourcetype="UserVm")["tag"]
    assert (tag["key"], tag["value"], tag["resourceid"]) == ("team", "blue", deployed["id"])
    tagged = cs.listVirtualMachines(tags=[{"key": "team", "value": "blue"}])
    assert _ids(tagged, "virtualmachine") == [deployed["id"]]
    cs.deleteTags(resourceids=deployed["id"], resourcetype="UserVm", tags=[{"key": "team"}])
    assert cs.listTags(resourcetype="UserVm") == {}

    # -- jobs, then the end of everything
    jobs = cs.listAsyncJobs(fetch_list=True)
    assert {job["jobstatus"] for job in jobs} == {1} and len(jobs) >= 10
    done = cs.queryAsyncJobResult(jobid=jobs[0]["jobid"], fetch_result=False)
    assert (done["jobstatus"], done["jobresultcode"]) == (1, 0)
    for machine in (deployed, second):
        cs.destroyVirtualMachine(id=machine["id"])
    for network_id in network_ids:
        cs.deleteNetwork(id=network_id)
    cs.revokeSecurityGroupIngress(id=rule["ruleid"])
    assert cs.listSecurityGroups(id=group["id"])["securitygroup"][0]["ingressrule"] == []
    seen["machines"] = [deployed["id"], second["id"]]
    return seen


def xml_listing(cs: CloudStack, command: str, **params: Any) -> ElementTree.Element:
    """A command's answer in XML, CloudStack's default format, parsed."""
    return ElementTree.fromstring(getattr(cs, command)(json=False, **params))


def machine_flow(cs: CloudStack, backend: Backend) -> dict[str, Any]:
    """A shorter flow for the clouds other than the sim: a machine with a key pair and a security group, stopped
    and started, a volume attached to it and detached, everything deleted."""
    zones = cs.listZones(fetch_list=True)
    zone = named(zones, backend.zone) if backend.zone else zones[0]
    offering = named(cs.listServiceOfferings(fetch_list=True), backend.offering)
    template = named(cs.listTemplates(templatefilter="executable", fetch_list=True), backend.template)
    cs.createSSHKeyPair(name="ops")
    group = cs.createSecurityGroup(name="web", description="web servers")["securitygroup"]
    cs.authorizeSecurityGroupIngress(securitygroupid=group["id"], protocol="tcp", startport=22, cidrlist="0.0.0.0/0")
    machine = cs.deployVirtualMachine(serviceofferingid=offering["id"], templateid=template["id"], zoneid=zone["id"],
                                      name="short-vm", keypair="ops", securitygroupids=group["id"])["virtualmachine"]  # fmt: skip
    assert (machine["state"], machine["serviceofferingname"], machine["templatename"]) == (
        "Running", backend.offering, backend.template)  # fmt: skip
    assert cs.stopVirtualMachine(id=machine["id"])["virtualmachine"]["state"] == "Stopped"
    assert cs.startVirtualMachine(id=machine["id"])["virtualmachine"]["state"] == "Running"
    custom = next(o for o in cs.listDiskOfferings()["diskoffering"] if o["iscustomized"])
    volume = cs.createVolume(name="short-data", zoneid=zone["id"], diskofferingid=custom["id"], size=1)["volume"]
    attached = cs.attachVolume(id=volume["id"], virtualmachineid=machine["id"])["volume"]
    assert attached["virtualmachineid"] == machine["id"]
    cs.detachVolume(id=volume["id"])
    cs.deleteVolume(id=volume["id"])
    cs.destroyVirtualMachine(id=machine["id"])
    left = cs.listVirtualMachines(id=machine["id"]).get("virtualmachine", [])
    assert [vm["state"] for vm in left] in ([], ["Destroyed"])
    cs.deleteSecurityGroup(id=group["id"])
    cs.deleteSSHKeyPair(name="ops")
    return {"machine": machine, "zone": zone}
