"""Registering EC2 accounts: credentials proven with STS, refused with a clear error when wrong."""

from __future__ import annotations

import pytest

from tests.api.conftest import Caller
from tests.ec2.conftest import account_body
from tests.services.moto import MotoAccount, MotoServer


@pytest.mark.parametrize(
    ("credentials", "cloud_code"),
    [({"secret_access_key": "not-the-secret"}, "SignatureDoesNotMatch"),
     ({"access_key_id": "AKIAUNKNOWNUNKNOWN00"}, "InvalidClientTokenId")],
)  # fmt: skip
async def test_wrong_credentials_are_refused_at_registration(
    moto_server: MotoServer, alice: Caller, alice_aws: MotoAccount, credentials: dict[str, str], cloud_code: str
) -> None:
    body = account_body(moto_server, {**alice_aws.credentials, **credentials})
    response = await alice.post("/v1/accounts", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"]["cloud_code"]) == ("cloud_auth_failed", cloud_code)
    assert alice_aws.credentials["secret_access_key"] not in response.text
    assert (await alice.get("/v1/accounts")).json()["items"] == []


async def test_settings_the_driver_cannot_use_are_invalid(
    moto_server: MotoServer, alice: Caller, alice_aws: MotoAccount
) -> None:
    for change in ({"region": None}, {"options": {"colour": "red"}}, {"credentials": {"access_key_id": "AK"}}):
        response = await alice.post("/v1/accounts", json={**account_body(moto_server, alice_aws.credentials), **change})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "invalid_request"


async def test_role_credentials_and_user_keys_name_the_same_account(
    moto_server: MotoServer, alice: Caller, bob: Caller, alice_aws: MotoAccount
) -> None:
    role = moto_server.assumed_role_credentials(alice_aws)
    first = await alice.post("/v1/accounts", json=account_body(moto_server, role))
    assert first.status_code == 201, first.text
    assert first.json()["identity"] == alice_aws.id and ":assumed-role/cloudgate/" in first.json()["identity_name"]
    again = await bob.post("/v1/accounts", json=account_body(moto_server, alice_aws.credentials))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    check = (await alice.post(f"/v1/accounts/{first.json()['id']}/check")).json()
    assert check["ok"] and check["identity"] == alice_aws.id and abs(check["clock_skew_seconds"]) < 5
