"""The table of commands: each one's handler, its parameters as CloudStack declares them, whether it is
async, and what it answers with; `listApis` shows the same table to clients that discover commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cloudgate.frontends.cloudstack import catalog, jobs, keypairs, networks, security_groups, storage, tags, vms
from cloudgate.frontends.cloudstack.context import CsRequest, listed
from cloudgate.frontends.cloudstack.params import PAGING, Param

Handler = Callable[[CsRequest, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Command:
    handler: Handler
    description: str
    params: tuple[Param, ...] = ()
    is_async: bool = False
    answers: str = ""  # the object it answers with, for listApis


def _id(what: str, required: bool = True) -> Param:
    return Param("id", "uuid", required, f"the ID of the {what}")


_TAGS = Param("tags", "map", description="list by tags (key/value pairs)")
_RULE = (
    Param("securitygroupid", "uuid", description="the ID of the security group"),
    Param("securitygroupname", description="the name of the security group"),
    Param("protocol", description="tcp, udp, icmp or all"), Param("startport", "integer", description="start port"),
    Param("endport", "integer", description="end port"), Param("icmptype", "integer", description="ICMP type"),
    Param("icmpcode", "integer", description="ICMP code"), Param("cidrlist", "list", description="the CIDRs allowed"),
    Param("usersecuritygrouplist", "map", description="security groups allowed (not available)"),
)  # fmt: skip

COMMANDS: dict[str, Command] = {
    # -- what an account may use
    "listZones": Command(
        catalog.list_zones,
        "Lists zones",
        (*PAGING, _id("zone", False), Param("name"), Param("available", "boolean")),
        answers="zone",
    ),
    "listServiceOfferings": Command(
        catalog.list_service_offerings,
        "Lists service offerings",
        (*PAGING, _id("service offering", False), Param("name")),
        answers="serviceoffering",
    ),
    "listDiskOfferings": Command(
        catalog.list_disk_offerings,
        "Lists disk offerings",
        (*PAGING, _id("disk offering", False), Param("name")),
        answers="diskoffering",
    ),
    "listNetworkOfferings": Command(
        catalog.list_network_offerings,
        "Lists network offerings",
        (*PAGING, _id("network offering", False)),
        answers="networkoffering",
    ),
    "listTemplates": Command(
        catalog.list_templates,
        "Lists templates",
        (
            *PAGING,
            Param(
                "templatefilter",
                required=True,
                description="featured, self, selfexecutable, sharedexecutable, executable, community or all",
            ),
            _id("template", False),
            Param("name"),
            Param("zoneid", "uuid"),
        ),
        answers="template",
    ),
    "listIsos": Command(catalog.list_isos, "Lists ISOs", (*PAGING, _id("ISO", False), Param("name")), answers="iso"),
    "listCapabilities": Command(catalog.list_capabilities, "Lists the cloud's capabilities", answers="capability"),
    "listAccounts": Command(
        catalog.list_accounts,
        "Lists the caller's account",
        (*PAGING, _id("account", False), Param("name")),
        answers="account",
    ),
    # -- virtual machines
    "deployVirtualMachine": Command(
        vms.deploy,
        "Creates and starts a virtual machine",
        (
            Param("serviceofferingid", "uuid", True),
            Param("templateid", "uuid", True),
            Param("zoneid", "uuid", True),
            Param("name"),
            Param("displayname"),
            Param("keypair"),
            Param("securitygroupids", "list"),
            Param("securitygroupnames", "list"),
            Param("networkids", "list"),
            Param("userdata", length=1_048_576),
            Param("startvm", "boolean"),
        ),
        is_async=True,
        answers="virtualmachine",
    ),
    "listVirtualMachines": Command(
        vms.list_virtual_machines,
        "Lists virtual machines",
        (
            *PAGING,
            _id("virtual machine", False),
            Param("ids", "list"),
            Param("name"),
            Param("state"),
            Param("zoneid", "uuid"),
            Param("templateid", "uuid"),
            Param("serviceofferingid", "uuid"),
            Param("networkid", "uuid"),
            _TAGS,
            Param("details", "list"),
        ),
        answers="virtualmachine",
    ),
    "startVirtualMachine": Command(
        vms.act, "Starts a virtual machine", (_id("virtual machine"),), True, "virtualmachine"
    ),
    "stopVirtualMachine": Command(
        vms.act, "Stops a virtual machine", (_id("virtual machine"), Param("forced", "boolean")), True, "virtualmachine"
    ),
    "rebootVirtualMachine": Command(
        vms.act, "Reboots a virtual machine", (_id("virtual machine"),), True, "virtualmachine"
    ),
    "destroyVirtualMachine": Command(
        vms.destroy,
        "Destroys a virtual machine",
        (_id("virtual machine"), Param("expunge", "boolean")),
        True,
        "virtualmachine",
    ),
    "recoverVirtualMachine": Command(
        vms.recover, "Recovers a destroyed virtual machine", (_id("virtual machine"),), answers="virtualmachine"
    ),
    "updateVirtualMachine": Command(
        vms.update,
        "Renames a virtual machine",
        (_id("virtual machine"), Param("name"), Param("displayname")),
        answers="virtualmachine",
    ),
    # -- volumes and snapshots
    "createVolume": Command(
        storage.create_volume,
        "Creates a volume",
        (
            Param("name"),
            Param("zoneid", "uuid"),
            Param("diskofferingid", "uuid"),
            Param("size", "long"),
            Param("snapshotid", "uuid"),
        ),
        True,
        "volume",
    ),
    "listVolumes": Command(
        storage.list_volumes,
        "Lists volumes",
        (
            *PAGING,
            _id("volume", False),
            Param("name"),
            Param("virtualmachineid", "uuid"),
            Param("zoneid", "uuid"),
            Param("type"),
            _TAGS,
        ),
        answers="volume",
    ),
    "attachVolume": Command(
        storage.attach_volume,
        "Attaches a volume to a virtual machine",
        (_id("volume"), Param("virtualmachineid", "uuid", True), Param("deviceid", "long")),
        True,
        "volume",
    ),
    "detachVolume": Command(
        storage.detach_volume,
        "Detaches a volume from its virtual machine",
        (_id("volume", False), Param("virtualmachineid", "uuid"), Param("deviceid", "long")),
        True,
        "volume",
    ),
    "resizeVolume": Command(
        storage.resize_volume,
        "Resizes a volume",
        (_id("volume"), Param("size", "long"), Param("diskofferingid", "uuid"), Param("shrinkok", "boolean")),
        True,
        "volume",
    ),
    "deleteVolume": Command(storage.delete_volume, "Deletes a detached volume", (_id("volume"),), answers="success"),
    "createSnapshot": Command(
        storage.create_snapshot,
        "Takes a snapshot of a volume",
        (Param("volumeid", "uuid", True), Param("name")),
        True,
        "snapshot",
    ),
    "listSnapshots": Command(
        storage.list_snapshots,
        "Lists snapshots",
        (*PAGING, _id("snapshot", False), Param("name"), Param("volumeid", "uuid"), _TAGS),
        answers="snapshot",
    ),
    "deleteSnapshot": Command(storage.delete_snapshot, "Deletes a snapshot", (_id("snapshot"),), True, "success"),
    # -- SSH key pairs
    "createSSHKeyPair": Command(
        keypairs.create,
        "Creates a key pair; the private key is shown once",
        (Param("name", required=True),),
        answers="keypair",
    ),
    "registerSSHKeyPair": Command(
        keypairs.register,
        "Registers a public key",
        (Param("name", required=True), Param("publickey", required=True, length=16_384)),
        answers="keypair",
    ),
    "listSSHKeyPairs": Command(
        keypairs.list_key_pairs, "Lists key pairs", (*PAGING, Param("name"), Param("fingerprint")), answers="sshkeypair"
    ),
    "deleteSSHKeyPair": Command(
        keypairs.delete, "Deletes a key pair", (Param("name", required=True),), answers="success"
    ),
    # -- security groups
    "createSecurityGroup": Command(
        security_groups.create,
        "Creates a security group",
        (Param("name", required=True), Param("description")),
        answers="securitygroup",
    ),
    "listSecurityGroups": Command(
        security_groups.list_security_groups,
        "Lists security groups",
        (*PAGING, _id("security group", False), Param("securitygroupname"), Param("virtualmachineid", "uuid"), _TAGS),
        answers="securitygroup",
    ),
    "deleteSecurityGroup": Command(
        security_groups.delete,
        "Deletes a security group",
        (_id("security group", False), Param("name")),
        answers="success",
    ),
    "authorizeSecurityGroupIngress": Command(
        security_groups.authorize, "Allows traffic in", _RULE, True, "securitygroup"
    ),
    "authorizeSecurityGroupEgress": Command(
        security_groups.authorize, "Allows traffic out", _RULE, True, "securitygroup"
    ),
    "revokeSecurityGroupIngress": Command(
        security_groups.revoke, "Removes a rule letting traffic in", (_id("ingress rule"),), True, "success"
    ),
    "revokeSecurityGroupEgress": Command(
        security_groups.revoke, "Removes a rule letting traffic out", (_id("egress rule"),), True, "success"
    ),
    # -- networks
    "listNetworks": Command(
        networks.list_networks,
        "Lists networks",
        (*PAGING, _id("network", False), Param("zoneid", "uuid"), _TAGS),
        answers="network",
    ),
    "createNetwork": Command(
        networks.create,
        "Creates a network",
        (
            Param("name", required=True),
            Param("displaytext"),
            Param("networkofferingid", "uuid", True),
            Param("zoneid", "uuid", True),
            Param("gateway"),
            Param("netmask"),
        ),
        answers="network",
    ),
    "deleteNetwork": Command(
        networks.delete, "Deletes a network", (_id("network"), Param("forced", "boolean")), True, "success"
    ),
    # -- tags
    "createTags": Command(
        tags.create,
        "Tags resources",
        (Param("resourceids", "list", True), Param("resourcetype", required=True), Param("tags", "map", True)),
        True,
        "success",
    ),
    "deleteTags": Command(
        tags.delete,
        "Removes tags from resources",
        (Param("resourceids", "list", True), Param("resourcetype", required=True), _TAGS),
        True,
        "success",
    ),
    "listTags": Command(
        tags.list_tags,
        "Lists tags",
        (*PAGING, Param("resourcetype"), Param("resourceid", "uuid"), Param("key"), Param("value")),
        answers="tag",
    ),
    # -- jobs
    "queryAsyncJobResult": Command(
        jobs.query_async_job_result, "The state of an async job", (Param("jobid", "uuid", True),), answers="asyncjobs"
    ),
    "listAsyncJobs": Command(
        jobs.list_async_jobs, "Lists the account's async jobs", (*PAGING, Param("startdate")), answers="asyncjobs"
    ),
}


# The commands that make and end sessions, answered by the app itself: (description, parameters).
SESSION_COMMANDS: dict[str, tuple[str, tuple[Param, ...]]] = {
    "login": ("Logs a user in: answers a session key and sets the JSESSIONID cookie", (
        Param("username", required=True, description="a gateway client's id or name"),
        Param("password", required=True, description="the client's secret"),
        Param("domain", description="the account to work in (its id or name); the client's only one without"),
        Param("domainid", description="the same, by id"))),
    "logout": ("Ends the session", ()),
}  # fmt: skip


async def list_apis(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    """Every command (or the one named), with its parameters, as CloudMonkey's `sync` reads them."""
    table = {name: (c.description, c.params, c.is_async, c.answers) for name, c in COMMANDS.items()}
    table |= {name: (description, declared, False, name) for name, (description, declared) in SESSION_COMMANDS.items()}
    names = [params["name"]] if "name" in params else sorted(table)
    shown = [_api(name, *table[name]) for name in names if name in table]
    return listed("api", shown, len(shown))


def _api(name: str, description: str, declared: tuple[Param, ...], is_async: bool, answers: str) -> dict[str, Any]:
    return {"name": name, "description": description, "isasync": is_async, "since": "4.0.0", "type": "",
            "related": "", "response": [{"name": answers}] if answers else [],
            "params": [{"name": p.name, "description": p.description, "type": p.type, "length": p.length,
                        "required": p.required, "related": "", "since": "4.0.0"} for p in declared]}  # fmt: skip


COMMANDS["listApis"] = Command(list_apis, "Lists the commands", (Param("name"),), answers="api")
