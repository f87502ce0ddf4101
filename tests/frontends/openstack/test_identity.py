"""Keystone v3 with unmodified openstacksdk: a password login scoped to a project by name or id, the catalog,
the user's projects, token validation and revocation, and the refusals keystone gives."""

from __future__ import annotations

import asyncio

import httpx
import keystoneauth1.exceptions
import pytest

from cloudgate.core import Caller

from tests.frontends.openstack.conftest import OpenStackWorld


async def test_a_password_login_scoped_to_a_project_by_name_and_by_id(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        token = conn.session.get_token()
        assert token.startswith("cgt_")
        assert conn.current_project_id == stack.project
        assert conn.session.get_endpoint(service_type="identity", interface="public") == stack.auth_url
        by_id = stack.connect(project_name=None, project_id=stack.project, project_domain_name=None)
        assert by_id.current_project_id == stack.project
        assert [p.id for p in conn.identity.projects()] == [stack.project]
        assert conn.identity.get_user(conn.current_user_id).name == "alice"

    await asyncio.to_thread(run)


async def test_tokens_are_validated_and_revoked(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        token = conn.session.get_token()
        url = f"{stack.auth_url}/v3/auth/tokens"
        headers = {"X-Auth-Token": token, "X-Subject-Token": token}
        shown = httpx.get(url, headers=headers).json()["token"]
        assert shown["project"]["id"] == stack.project and shown["user"]["name"] == "alice"
        assert {e["type"] for e in shown["catalog"]} >= {"identity"}
        assert httpx.delete(url, headers=headers).status_code == 204
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == 401

    await asyncio.to_thread(run)


@pytest.mark.parametrize("wrong", ["password", "project", "user", "domain"])
async def test_what_keystone_refuses_is_refused(stack: OpenStackWorld, wrong: str):
    overrides = {
        "password": {"password": "not-the-password"},
        "project": {"project_name": "beta-project-of-another"},
        "user": {"username": "mallory"},
        "domain": {"user_domain_name": "Elsewhere"},
    }[wrong]

    def run() -> None:
        with pytest.raises(keystoneauth1.exceptions.Unauthorized) as refused:  # as real keystone's refusal
            stack.connect(**overrides).session.get_token()
        assert refused.value.http_status == 401

    await asyncio.to_thread(run)


async def test_the_openstack_cli_issues_a_token_and_lists_the_catalog_and_projects(stack: OpenStackWorld):
    def run() -> None:
        token = stack.cli("token", "issue", "-f", "json")
        assert token["project_id"] == stack.project and token["id"].startswith("cgt_")
        services = {entry["Type"]: entry for entry in stack.cli("catalog", "list", "-f", "json")}
        assert {"identity", "compute", "image", "block-storage", "network"} <= set(services)
        assert [p["ID"] for p in stack.cli("project", "list", "-f", "json")] == [stack.project]
        refused = stack.cli_run("--os-password", "wrong", "token", "issue")
        assert refused.returncode == 1 and "401" in refused.stderr

    await asyncio.to_thread(run)


async def test_junk_is_refused_in_keystone_s_shape(stack: OpenStackWorld):
    def run() -> None:
        url = f"{stack.auth_url}/v3/auth/tokens"
        password = {"user": {"name": "alice", "domain": {"name": "Default"}, "password": stack.password}}
        cases = [
            (b"{not json", 400),
            (b"[]", 400),
            (b'{"auth": 7}', 400),
            (b'{"auth": {"identity": {"methods": []}}}', 400),
            (b'{"auth": {"identity": {"methods": ["totp"]}}}', 401),
            (b'{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": 5}}}}}', 400),
            (b'{"auth": {"identity": {"methods": ["token"], "token": {"id": "cgt_forged"}}}}', 401),
            (b"x" * 2_000_000, 413),
        ]
        for body, status in cases:
            answer = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code == status, (body[:80], answer.text[:200])
            assert answer.json()["error"]["code"] == status
        for scope in ({"domain": {"id": "default"}}, {"system": {"all": True}}, {"project": {"id": "p-nope"}}):
            body = {"auth": {"identity": {"methods": ["password"], "password": password}, "scope": scope}}
            answer = httpx.post(url, json=body)
            assert answer.status_code == 401 and answer.json()["error"]["title"] == "Unauthorized", scope
        assert httpx.get(f"{stack.auth_url}/v3/nowhere").json()["error"]["code"] == 404
        assert httpx.put(f"{stack.auth_url}/v3/auth/tokens").json()["error"]["code"] == 405

    await asyncio.to_thread(run)



async def test_a_project_scoped_token_sees_its_own_project_only(stack: OpenStackWorld, quick_sim):
    alice = Caller(await stack.served.gateway.core.auth.verify(stack.user, stack.password))
    second = await stack.served.account(quick_sim, "AK-B", caller=alice)  # alice proves the other project too

    def run() -> None:
        conn = stack.connect()
        token = conn.session.get_token()
        headers = {"X-Auth-Token": token}
        url = f"{stack.auth_url}/v3"
        assert [p["id"] for p in httpx.get(f"{url}/projects", headers=headers).json()["projects"]] == [stack.project]
        assert httpx.get(f"{url}/projects/{second}", headers=headers).status_code == 404
        choices = {p["id"] for p in httpx.get(f"{url}/auth/projects", headers=headers).json()["projects"]}
        assert choices == {stack.project, second}  # to choose a scope from
        other = stack.connect(project_name=None, project_id=second, project_domain_name=None)
        assert other.current_project_id == second

    await asyncio.to_thread(run)
