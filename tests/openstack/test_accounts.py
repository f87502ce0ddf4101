"""Registering OpenStack accounts through the API: refusals that say why, application credentials,
and a keystone token revoked under the gateway renewed without a failed poll."""

from __future__ import annotations

import pytest

from cloudgate.app import Gateway
from cloudgate.model import Kind
from tests.api.conftest import Caller
from tests.openstack.conftest import account_body, driver_token
from tests.services.openstack import MARKS, OpenStackCloud

pytestmark = MARKS


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"password": "not-alices-password"}, "wrong username or password"),
        ({"project_name": "no-such-project"}, "project 'no-such-project' (domain 'Default') does not exist"),
    ],
)
async def test_wrong_credentials_and_unknown_projects_are_refused_at_registration(
    alice: Caller, openstack_cloud: OpenStackCloud, overrides: dict, says: str
):
    body = account_body(openstack_cloud, openstack_cloud.password_credentials("project-a", **overrides))
    response = await alice.post("/v1/accounts", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "cloud_auth_failed" and says in error["message"]
    assert (await alice.get("/v1/accounts")).json()["items"] == []


async def test_an_application_credential_names_the_same_account_as_a_password(
    alice: Caller, bob: Caller, alice_account: str, openstack_cloud: OpenStackCloud
):
    body = account_body(openstack_cloud, openstack_cloud.application_credentials())
    response = await bob.post("/v1/accounts", json=body)
    assert response.status_code == 200, response.text  # already registered (by alice, with a password)
    account = response.json()
    assert account["id"] == alice_account
    assert (account["identity"], account["identity_name"]) == (openstack_cloud.project("project-a")["id"], "project-a")


async def test_naming_the_default_region_registers_the_same_account(
    alice: Caller, alice_account: str, openstack_cloud: OpenStackCloud
):
    credentials = openstack_cloud.password_credentials("project-a")
    response = await alice.post("/v1/accounts", json=account_body(openstack_cloud, credentials, region="RegionOne"))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == alice_account and response.json()["region"] == "RegionOne"


async def test_a_revoked_token_is_renewed_without_a_failed_poll(
    alice: Caller, alice_account: str, gateway: Gateway, openstack_cloud: OpenStackCloud
):
    revoked = await driver_token(gateway, alice_account)
    openstack_cloud.connect("admin").identity.revoke_token(revoked)
    for kind in Kind:
        result = await gateway.poller.poll(alice_account, kind)
        assert result.ok, result.error
    assert await driver_token(gateway, alice_account) != revoked
    account = (await alice.get(f"/v1/accounts/{alice_account}")).json()
    assert account["health"] == "ok" and all(poll["failures"] == 0 for poll in account["polls"])
    check = (await alice.post(f"/v1/accounts/{alice_account}/check")).json()
    assert check["ok"] is True and abs(check["clock_skew_seconds"]) < 5
