"""Neutron v2.0 with the unmodified `openstack` CLI and openstacksdk: the project's one network, subnets created
in it, security groups and their rules, ports as instances show addresses, neutron's paging, and the
refusals neutron gives (another project's ids, duplicate rules, junk input)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind
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
        listed = {s["Name"]: s for s in stack.cli("subnet", "list", "-f", "json")}
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
