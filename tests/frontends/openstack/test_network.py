"""Neutron v2.0 with the unmodified `openstack` CLI and openstacksdk: the project's one network, subnets created
in it, security groups and their rules, ports as instances show addresses, neutron's paging, and the
refusals neutron gives (another project's ids, duplicate rules, junk input)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openstack.exceptions
import pytest

from cloudgate.drivers.openstack.translate import rule_from_native
from cloudgate.foreign_ids import to_uuid
from cloudgate.frontends.openstack.security_groups import Rule, rule_document
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery
from tests.api.conftest import eventually
from tests.frontends.conftest import ADMIN
from tests.frontends.openstack.conftest import OpenStackWorld


def _token(stack: OpenStackWorld) -> str:
    return stack.connect().session.get_token()


def _url(stack: OpenStackWorld, path: str) -> str:
    return f"{stack.served.url}/openstack/network{path}"


async def _core_create(stack: OpenStackWorld, kind: Kind, spec: dict[str, Any]) -> str:
    """A resource made through the core (as another client of the gateway would), once settled."""
    core = stack.served.gateway.core
    record, operation = await core.operations.create(ADMIN, kind, spec)
    done = await core.operations.wait(ADMIN, operation.id, 30)
    assert done.state == "succeeded", done.error
    return record.id


async def test_the_cli_lists_the_projects_network_and_creates_subnets_in_it(stack: OpenStackWorld):
    def run() -> None:
        (network,) = stack.cli("network", "list", "-f", "json")
        assert network["ID"] == to_uuid(stack.project) and network["Name"] == stack.project_name
        refused = stack.cli_run("network", "create", "private")
        assert refused.returncode == 1 and "400" in refused.stderr and "subnet create" in refused.stderr
        made = stack.cli("subnet", "create", "--network", stack.project_name, "--subnet-range", "10.20.0.0/24",
                         "web", "-f", "json")  # fmt: skip
        assert made["name"] == "web" and made["cidr"] == "10.20.0.0/24" and made["ip_version"] == 4
        assert made["network_id"] == network["ID"] and made["project_id"] == stack.project
        listed = {s["Name"]: s for s in stack.cli("subnet", "list", "--network", stack.project_name, "-f", "json")}
        assert listed["web"]["ID"] == made["id"] and listed["web"]["Subnet"] == "10.20.0.0/24"
        shown = stack.cli("subnet", "show", "web", "-f", "json")
        assert shown["id"] == made["id"] and shown["enable_dhcp"] is True
        holding = stack.cli("network", "show", network["ID"], "-f", "json")
        assert made["id"] in holding["subnets"] and holding["status"] == "ACTIVE"
        assert holding["router:external"] is False and holding["shared"] is False
        clash = stack.cli_run("subnet", "create", "--network", network["ID"], "--subnet-range", "10.20.0.0/25", "x")
        assert clash.returncode == 1 and "409" in clash.stderr  # the sim's ranges may not overlap
        stack.cli("subnet", "delete", "web")
        assert "web" not in {s["Name"] for s in stack.cli("subnet", "list", "-f", "json")}

    await asyncio.to_thread(run)
    query = ResourceQuery(kind=Kind.SUBNET, matches=(Match("account", (stack.project,)),))
    left = (await stack.served.gateway.core.resources.query(ADMIN, query)).records
    assert [r.name for r in left if r.state != "deleted"] == []  # the delete reached the core, not only the view


async def test_the_cli_creates_security_groups_and_rules(stack: OpenStackWorld):
    def run() -> None:
        group = stack.cli("security", "group", "create", "--description", "web servers", "web", "-f", "json")
        assert group["name"] == "web" and group["description"] == "web servers"
        rule = stack.cli("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
                         "--remote-ip", "0.0.0.0/0", "web", "-f", "json")  # fmt: skip
        assert (rule["protocol"], rule["port_range_min"], rule["port_range_max"]) == ("tcp", 22, 22)
        assert rule["direction"] == "ingress" and rule["ether_type"] == "IPv4" and rule["remote_ip_prefix"] == "0.0.0.0/0"
        assert rule["security_group_id"] == group["id"] and rule["remote_group_id"] is None
        again = stack.cli_run("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
                              "--remote-ip", "0.0.0.0/0", "web")  # fmt: skip
        assert again.returncode == 1 and "409" in again.stderr and "already exists" in again.stderr
        listed = stack.cli("security", "group", "rule", "list", "web", "-f", "json")
        assert [(r["ID"], r["IP Protocol"], r["Port Range"]) for r in listed] == [(rule["id"], "tcp", "22:22")]
        shown = stack.cli("security", "group", "show", "web", "-f", "json")
        assert shown["id"] == group["id"] and rule["id"] in str(shown["rules"])
        assert stack.cli("security", "group", "rule", "show", rule["id"], "-f", "json")["id"] == rule["id"]
        stack.cli("security", "group", "rule", "delete", rule["id"])
        assert stack.cli("security", "group", "rule", "list", "web", "-f", "json") == []
        stack.cli("security", "group", "delete", "web")
        assert "web" not in {g["Name"] for g in stack.cli("security", "group", "list", "-f", "json")}

    await asyncio.to_thread(run)


async def _other_project(stack: OpenStackWorld) -> str:
    """The project alice never proved (the admin's only)."""
    (other,) = [a.row.id for a in await stack.served.gateway.core.accounts.list(ADMIN) if a.row.id != stack.project]
    return other


def _neutron_error(answer: httpx.Response, status: int, neutron_type: str | None = None) -> str:
    assert answer.status_code == status, answer.text
    fault = answer.json()["NeutronError"]
    assert neutron_type in (None, fault["type"]), fault
    return fault["message"]


async def test_the_version_documents_and_extensions(stack: OpenStackWorld):
    token = await asyncio.to_thread(_token, stack)
    async with httpx.AsyncClient(headers={"X-Auth-Token": token}) as http, httpx.AsyncClient() as anonymous:
        (version,) = (await anonymous.get(_url(stack, "/"))).json()["versions"]
        assert version["id"] == "v2.0" and version["links"][0]["href"] == _url(stack, "/v2.0/")
        # the catalog's URL, as the clients ask it (they follow the mount's redirect to the root)
        bare = await anonymous.get(f"{stack.served.url}/openstack/network", follow_redirects=True)
        assert bare.status_code == 200 and bare.json()["versions"][0]["id"] == "v2.0"
        listed = (await http.get(_url(stack, "/v2.0"))).json()["resources"]
        assert {r["collection"] for r in listed} >= {"networks", "subnets", "ports", "security-groups"}
        aliases = {e["alias"] for e in (await http.get(_url(stack, "/v2.0/extensions"))).json()["extensions"]}
        assert {"security-group", "external-net"} <= aliases and "standard-attr-tag" not in aliases
        shown = (await http.get(_url(stack, "/v2.0/extensions/security-group"))).json()["extension"]
        assert shown["alias"] == "security-group"
        _neutron_error(await http.get(_url(stack, "/v2.0/extensions/dvr")), 404)
        _neutron_error(await http.get(_url(stack, "/v2.0/routers")), 404)
        for refused in (await anonymous.get(_url(stack, "/v2.0/networks")),
                        await anonymous.get(_url(stack, "/v2.0/networks"), headers={"X-Auth-Token": "cgt_not-a-token"})):
            assert refused.status_code == 401 and refused.json()["error"]["code"] == 401  # keystonemiddleware's shape
        login = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "alice", "domain": {"name": "Default"}, "password": stack.password}}}}}  # no scope: no project
        unscoped = (await anonymous.post(f"{stack.auth_url}/v3/auth/tokens", json=login)).headers["X-Subject-Token"]
        _neutron_error(await anonymous.get(_url(stack, "/v2.0/subnets"), headers={"X-Auth-Token": unscoped}), 401)


async def test_another_projects_resources_are_not_found(stack: OpenStackWorld):
    other = await _other_project(stack)
    subnet = await _core_create(stack, Kind.SUBNET, {"account": other, "name": "theirs", "cidr": "10.77.0.0/24"})
    group = await _core_create(stack, Kind.SECURITY_GROUP, {"account": other, "name": "theirs", "description": ""})
    token = await asyncio.to_thread(_token, stack)
    async with httpx.AsyncClient(headers={"X-Auth-Token": token}) as http:
        _neutron_error(await http.get(_url(stack, f"/v2.0/subnets/{to_uuid(subnet)}")), 404, "SubnetNotFound")
        _neutron_error(await http.delete(_url(stack, f"/v2.0/subnets/{to_uuid(subnet)}")), 404, "SubnetNotFound")
        _neutron_error(await http.get(_url(stack, f"/v2.0/security-groups/{to_uuid(group)}")), 404, "SecurityGroupNotFound")
        _neutron_error(await http.delete(_url(stack, f"/v2.0/security-groups/{to_uuid(group)}")), 404, "SecurityGroupNotFound")
        rule = {"security_group_rule": {"security_group_id": to_uuid(group), "direction": "ingress"}}
        _neutron_error(await http.post(_url(stack, "/v2.0/security-group-rules"), json=rule), 404, "SecurityGroupNotFound")
        _neutron_error(await http.get(_url(stack, f"/v2.0/networks/{to_uuid(other)}")), 404, "NetworkNotFound")
        theirs = {"subnet": {"network_id": to_uuid(other), "cidr": "10.78.0.0/24", "ip_version": 4}}
        _neutron_error(await http.post(_url(stack, "/v2.0/subnets"), json=theirs), 404, "NetworkNotFound")
        assert (await http.get(_url(stack, "/v2.0/subnets"))).json()["subnets"] == []
        assert [n["id"] for n in (await http.get(_url(stack, "/v2.0/networks"))).json()["networks"]] == [to_uuid(stack.project)]
        assert (await http.get(_url(stack, "/v2.0/security-groups"))).json()["security_groups"] == []
    assert (await stack.served.gateway.core.resources.get(ADMIN, subnet)).state == "available"  # untouched


@pytest.mark.parametrize(("path", "body", "status", "neutron_type"), [
    ("/v2.0/subnets", b"{not json", 400, None),
    ("/v2.0/subnets", b"[]", 400, None),
    ("/v2.0/subnets", {"network": {}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"NETWORK": "{net}", "cidr": "10.1.0.0/24"}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": "10.1.0.300/24"}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": "10.1.0.7/24"}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": ["10.1.0.0/24"]}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": "10.1.0.0/24", "ip_version": 6}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}"}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": "10.1.0.0/24", "enable_dhcp": False}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": "10.1.0.0/24", "name": "x" * 256}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": 7, "cidr": "10.1.0.0/24"}}, 400, None),
    ("/v2.0/subnets", {"subnet": {"network_id": "nope", "cidr": "10.1.0.0/24"}}, 404, "NetworkNotFound"),
    ("/v2.0/subnets", {"subnet": {"network_id": "{net}", "cidr": "10.1.0.0/24", "project_id": "acc-0"}}, 403, None),
    ("/v2.0/networks", {"network": {"name": "private"}}, 400, None),
    ("/v2.0/security-groups", {"security_group": {"name": 5}}, 400, None),
    ("/v2.0/security-groups", {"security_group": {"name": "g", "stateful": False}}, 400, None),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "sideways"}}, 400, None),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "protocol": "tcp", "port_range_min": 70000, "port_range_max": 70000}}, 400, "SecurityGroupInvalidPortValue"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "protocol": "tcp", "port_range_min": -5, "port_range_max": 22}}, 400, "SecurityGroupInvalidPortValue"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "protocol": "tcp", "port_range_min": "22", "port_range_max": 22}}, 400, "SecurityGroupInvalidPortValue"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "protocol": "tcp", "port_range_min": 30, "port_range_max": 22}}, 400, "SecurityGroupInvalidPortRange"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "port_range_min": 22, "port_range_max": 22}}, 400, "SecurityGroupProtocolRequiredWithPorts"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "0.0.0.0/0"}}, 400, "SecurityGroupRuleParameterConflict"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "remote_ip_prefix": "300.0.0.0/8"}}, 400, None),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "protocol": "gre"}}, 400, "SecurityGroupRuleInvalidProtocol"),
    ("/v2.0/security-group-rules", {"security_group_rule": {"security_group_id": "{group}", "direction": "ingress", "remote_group_id": "{group}"}}, 400, None),
    ("/v2.0/security-group-rules", {"security_group_rule": {"direction": "ingress"}}, 400, None),
])  # fmt: skip
async def test_junk_input_is_refused_as_neutron_refuses_it(
    stack: OpenStackWorld, path: str, body: Any, status: int, neutron_type: str | None
):
    group = await _core_create(stack, Kind.SECURITY_GROUP, {"account": stack.project, "name": "g", "description": ""})
    token = await asyncio.to_thread(_token, stack)
    ids = {"{net}": to_uuid(stack.project), "{group}": to_uuid(group)}

    def filled(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: filled(v) for k, v in value.items()}
        return ids.get(value, value) if isinstance(value, str) else value

    content = body if isinstance(body, bytes) else httpx.Request("POST", "/", json=filled(body)).read()
    async with httpx.AsyncClient(headers={"X-Auth-Token": token}) as http:
        answer = await http.post(_url(stack, path), content=content, headers={"Content-Type": "application/json"})
        _neutron_error(answer, status, neutron_type)
        assert (await http.get(_url(stack, "/v2.0/subnets"))).json()["subnets"] == []  # nothing was made
        rules = (await http.get(_url(stack, "/v2.0/security-group-rules"))).json()
        assert rules["security_group_rules"] == []


async def test_listings_page_with_limit_and_marker(stack: OpenStackWorld):
    made = [await _core_create(stack, Kind.SUBNET, {"account": stack.project, "name": f"s{i}", "cidr": f"10.5.{i}.0/24"})
            for i in range(3)]  # fmt: skip
    token = await asyncio.to_thread(_token, stack)
    async with httpx.AsyncClient(headers={"X-Auth-Token": token}) as http:
        first = (await http.get(_url(stack, "/v2.0/subnets"), params={"limit": 2})).json()
        assert len(first["subnets"]) == 2
        (link,) = first["subnets_links"]
        assert link["rel"] == "next" and f"marker={first['subnets'][-1]['id']}" in link["href"]
        rest = (await http.get(link["href"])).json()
        assert "subnets_links" not in rest
        assert {s["id"] for s in first["subnets"] + rest["subnets"]} == {to_uuid(i) for i in made}
        named = (await http.get(_url(stack, "/v2.0/subnets"), params={"name": "s1", "fields": ["id", "cidr"]})).json()
        assert named["subnets"] == [{"id": to_uuid(made[1]), "cidr": "10.5.1.0/24"}]
        ordered = (await http.get(_url(stack, "/v2.0/subnets"), params={"sort_key": "cidr", "sort_dir": "desc"})).json()
        assert [s["cidr"] for s in ordered["subnets"]] == ["10.5.2.0/24", "10.5.1.0/24", "10.5.0.0/24"]
        after = (await http.get(_url(stack, "/v2.0/subnets"), params={"sort_key": "name", "sort_dir": "asc", "limit": 1,
                                                                      "marker": to_uuid(made[0])})).json()  # fmt: skip
        assert [s["name"] for s in after["subnets"]] == ["s1"] and "marker=" in after["subnets_links"][0]["href"]
        _neutron_error(await http.get(_url(stack, "/v2.0/subnets"), params={"sort_key": "cidr"}), 400)
        _neutron_error(await http.get(_url(stack, "/v2.0/subnets"), params={"sort_key": "tags", "sort_dir": "asc"}), 400)
        _neutron_error(await http.get(_url(stack, "/v2.0/subnets"), params={"limit": -1}), 400)
        _neutron_error(await http.get(_url(stack, "/v2.0/subnets"), params={"limit": "many"}), 400)
        _neutron_error(await http.get(_url(stack, "/v2.0/subnets"), params={"marker": "not-one-of-them"}), 400)

    def run() -> list[str]:
        conn = stack.connect()
        renamed = conn.network.update_subnet(to_uuid(made[0]), name="first")
        assert (renamed.name, renamed.cidr) == ("first", "10.5.0.0/24")
        assert conn.network.find_subnet("first").id == to_uuid(made[0])
        with pytest.raises(openstack.exceptions.ConflictException):
            conn.network.delete_network(to_uuid(stack.project))  # the project's network always exists
        return [s.id for s in conn.network.subnets(limit=1)]  # openstacksdk follows the next links

    assert sorted(await asyncio.to_thread(run)) == sorted(to_uuid(i) for i in made)
    assert (await stack.served.gateway.core.resources.get(ADMIN, made[0])).name == "first"


async def test_ports_show_the_addresses_of_instances(stack: OpenStackWorld):
    subnet = await _core_create(stack, Kind.SUBNET, {"account": stack.project, "name": "app", "cidr": "10.9.0.0/24"})
    group = await _core_create(stack, Kind.SECURITY_GROUP, {"account": stack.project, "name": "app", "description": ""})
    instance = await _core_create(stack, Kind.INSTANCE, {
        "account": stack.project, "name": "vm", "flavor": "s1.tiny", "image": "ubuntu-24.04",
        "datacenter": "sim-east-a", "subnet": subnet, "security_groups": [group],
    })  # fmt: skip
    core = stack.served.gateway.core

    async def addressed() -> list[str]:
        return (await core.resources.get(ADMIN, instance)).attrs.get("addresses") or []

    (address,) = await eventually(addressed, what="the instance's address")

    def run() -> None:
        conn = stack.connect()
        (port,) = conn.network.ports(device_id=to_uuid(instance))
        assert port.network_id == to_uuid(stack.project) and port.status == "ACTIVE"
        assert port.fixed_ips == [{"subnet_id": to_uuid(subnet), "ip_address": address}]
        assert port.security_group_ids == [to_uuid(group)] and port.device_owner == "compute:sim-east-a"
        assert conn.network.get_port(port.id).device_id == to_uuid(instance)
        assert list(conn.network.ports(device_id=to_uuid(subnet))) == []
        listed = stack.cli("port", "list", "--network", stack.project_name, "-f", "json")
        assert [(p["ID"], p["Status"]) for p in listed] == [(port.id, "ACTIVE")] and address in str(listed[0]["Fixed IP Addresses"])

    await asyncio.to_thread(run)


async def test_openstacksdk_manages_groups_and_rules_of_every_shape(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        group = conn.network.create_security_group(name="db", description="databases")
        assert group.security_group_rules == [] and group.project_id == stack.project
        assert conn.network.update_security_group(group, description="the databases").description == "the databases"
        with pytest.raises(openstack.exceptions.BadRequestException):
            conn.network.update_security_group(group, name="renamed")  # the sim's groups keep their names
        icmp = conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress", protocol="icmp",
                                                       remote_ip_prefix="10.0.0.0/8")  # fmt: skip
        with pytest.raises(openstack.exceptions.BadRequestException, match="IPv4"):  # the sim's refusal, as neutron's
            conn.network.create_security_group_rule(security_group_id=group.id, direction="egress", ethertype="IPv6")
        out = conn.network.create_security_group_rule(security_group_id=group.id, direction="egress")
        ranged = conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress", protocol="6",
                                                         port_range_min=5432, port_range_max=5439)  # fmt: skip
        assert (icmp.protocol, icmp.port_range_min, icmp.remote_ip_prefix) == ("icmp", None, "10.0.0.0/8")
        assert (out.protocol, out.ether_type, out.remote_ip_prefix, out.port_range_min) == (None, "IPv4", "0.0.0.0/0", None)
        assert (ranged.protocol, ranged.port_range_min, ranged.port_range_max) == ("tcp", 5432, 5439)
        assert ranged.remote_ip_prefix == "0.0.0.0/0"
        shown = conn.network.get_security_group(group.id)
        assert sorted(r["id"] for r in shown.security_group_rules) == sorted([icmp.id, out.id, ranged.id])
        assert [r.id for r in conn.network.security_group_rules(direction="egress")] == [out.id]
        assert [r.id for r in conn.network.security_group_rules(protocol="tcp", security_group_id=group.id)] == [ranged.id]
        conn.network.delete_security_group_rule(icmp.id)
        with pytest.raises(openstack.exceptions.NotFoundException):
            conn.network.get_security_group_rule(icmp.id)
        assert conn.network.get_security_group_rule(out.id).direction == "egress"  # the others keep their ids
        conn.network.delete_security_group(group)
        with pytest.raises(openstack.exceptions.NotFoundException):
            conn.network.get_security_group(group.id)

    await asyncio.to_thread(run)
    groups = (await stack.served.gateway.core.resources.query(ADMIN, ResourceQuery(kind=Kind.SECURITY_GROUP))).records
    assert [r.name for r in groups if r.state != "deleted"] == []


def test_rules_a_cloud_reports_show_as_they_are():
    """Rules no front-end creates but a cloud reports (OpenStack's, as its driver reads them): one admitting a
    group's members names that group and no address block; another protocol shows by its name."""
    native = [
        {"direction": "ingress", "protocol": None, "port_range_min": None, "port_range_max": None,
         "remote_ip_prefix": None, "remote_group_id": "neutron-sg-1", "ethertype": "IPv4"},
        {"direction": "ingress", "protocol": "gre", "port_range_min": None, "port_range_max": None,
         "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": None, "ethertype": "IPv4"},
        {"direction": "egress", "protocol": None, "port_range_min": None, "port_range_max": None,
         "remote_ip_prefix": None, "remote_group_id": None, "ethertype": "IPv6"},
    ]  # fmt: skip
    group = ResourceRecord("sg-" + "ab" * 10, "neutron-sg-1", "acc-0123456789abcdef", "acc-0123456789abcdef", "openstack",
                           Kind.SECURITY_GROUP, "default", "available", None,
                           {"rules": [rule_from_native(rule) for rule in native]}, {}, {}, False, 0.0, 0.0, 3)  # fmt: skip
    peers = {"neutron-sg-1": to_uuid(group.id)}
    shown = [rule_document(group, Rule.of(rule), peers) for rule in group.attrs["rules"]]
    assert [(r["protocol"], r["remote_ip_prefix"], r["remote_group_id"], r["ethertype"]) for r in shown] == [
        (None, None, to_uuid(group.id), None), ("gre", "10.0.0.0/8", None, "IPv4"), (None, "::/0", None, "IPv6"),
    ]
    assert len({r["id"] for r in shown}) == 3 and {r["security_group_id"] for r in shown} == {to_uuid(group.id)}
