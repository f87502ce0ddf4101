"""Who may call, through the unmodified `cs` clients: a signature made with a wrong secret, an unknown, revoked or
missing key, an `expires` past or missing from a version-3 signature, and `cs`'s own `~` quirk are refused with
401 in CloudStack's shape (JSON and XML), while what `cs` signs otherwise is accepted; a login session needs
its key and its cookie, ends with logout, and a client working in several accounts names one as its domain."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cs import CloudStack, CloudStackApiException

from cloudgate.core import Caller
from cloudgate.foreign_ids import to_uuid
from tests.frontends.cloudstack.conftest import CsWorld, refusal
from tests.frontends.conftest import ADMIN

REFUSED = "unable to verify user credentials and/or request signature"
SESSION_REFUSED = "unable to verify user credentials"
LOGIN_REFUSED = "Failed to authenticate user; please provide valid credentials"
EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
PAST = (datetime.now(UTC) - timedelta(minutes=1)).strftime(EXPIRES_FORMAT)

# What is wrong: (the client's settings, the request's own parameters).
REFUSALS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "wrong secret": ({"secret": "not-the-secret"}, {}),
    "unknown key": ({"key": "no-such-key"}, {}),
    "no signature": ({"secret": None}, {}),
    "expired": ({}, {"signatureVersion": "3", "expires": PAST}),
    "version 3 without expires": ({"expiration": -1}, {"signatureVersion": "3"}),
    "expires out of range": ({}, {"signatureVersion": "3", "expires": "0001-01-01T00:00:00+1400"}),
    # cs signs `~` as is where CloudStack's server encodes it as %7E: real CloudStack refuses these too
    "a value holding ~": ({}, {"name": "a~b"}),
}
ACCEPTED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "the same value without ~": ({}, {"name": "a-b"}),
    "spaces, slashes, colons, non-ASCII": ({}, {"name": "a b/c:d é+&="}),
    "no expiry (signature version 2)": ({"expiration": -1}, {}),
    "an expires still ahead": ({}, {"signatureVersion": "3",
                                    "expires": (datetime.now(UTC) + timedelta(hours=1)).strftime(EXPIRES_FORMAT)}),
}  # fmt: skip


async def refused(client: CloudStack, command: str, **params: Any) -> CloudStackApiException:
    with pytest.raises(CloudStackApiException) as caught:
        await asyncio.to_thread(getattr(client, command), **params)
    return caught.value


@pytest.mark.parametrize("settings, params", REFUSALS.values(), ids=list(REFUSALS))
async def test_a_request_not_signed_right_is_refused_with_401(cloudstack: CsWorld, settings, params):
    client = cloudstack.client(**settings)
    for as_json in (True, False):
        error = await refused(client, "listZones", json=as_json, **params)
        assert refusal(error.response) == ("listzonesresponse", 401, REFUSED)


@pytest.mark.parametrize("settings, params", ACCEPTED.values(), ids=list(ACCEPTED))
async def test_what_cs_signs_is_accepted_from_both_clients(cloudstack: CsWorld, settings, params):
    expected = {} if "name" in params else {"count": 3}  # no zone has such a name; the sim has three
    answer = await asyncio.to_thread(cloudstack.client(**settings).listZones, **params)
    assert {key: answer[key] for key in ("count",) if key in answer} == expected
    async with cloudstack.aio_client(**settings) as client:  # aiohttp leaves `/` and `:` unescaped
        answer = await client.listZones(**params)
    assert {key: answer[key] for key in ("count",) if key in answer} == expected


async def test_a_revoked_key_is_refused(cloudstack: CsWorld):
    client = cloudstack.client()
    assert (await asyncio.to_thread(client.listZones))["count"] == 3
    await cloudstack.served.gateway.core.credentials.revoke(ADMIN, cloudstack.key)
    for as_json in (True, False):
        error = await refused(client, "listZones", json=as_json)
        assert refusal(error.response) == ("listzonesresponse", 401, REFUSED)


# -- login sessions -----------------------------------------------------------------------------------------


async def new_user(world: CsWorld, name: str, *access_keys: str) -> tuple[str, str, list[str]]:
    """A new gateway client that registers the sim projects of `access_keys` itself: its id, its secret and
    the accounts."""
    auth = world.served.gateway.core.auth
    row, secret = await auth.create_client(ADMIN, name)
    caller = Caller(await auth.authenticate((await auth.issue_token(row.id, secret)).token))
    return row.id, secret, [await world.served.account(world.cloud, key, caller=caller) for key in access_keys]


def browser(world: CsWorld) -> CloudStack:
    """A `cs` client without a key, as a login session uses it (login is a POST)."""
    return world.client(key=None, secret=None, method="post")


def cookie(client: CloudStack) -> dict[str, str]:
    """The JSESSIONID the login set, as a header: `cs` keeps it in its requests session but never sends it."""
    return {"Cookie": f"JSESSIONID={client.session.cookies['JSESSIONID']}"}


async def test_a_session_needs_its_key_and_its_cookie_until_logout(cloudstack: CsWorld):
    _id, secret, _accounts = await new_user(cloudstack, "bob", "AK-B")
    web = browser(cloudstack)
    session = await asyncio.to_thread(web.login, username="bob", password=secret)  # its only account: no domain
    key, with_cookie = session["sessionkey"], cookie(web)
    assert session["account"] == "sim:project-b"
    assert (await asyncio.to_thread(web.listZones, sessionkey=key, headers=with_cookie))["count"] == 3

    error = await refused(browser(cloudstack), "listZones", sessionkey=key)  # the key without the cookie
    assert refusal(error.response) == ("listzonesresponse", 401, SESSION_REFUSED)
    other = browser(cloudstack)
    await asyncio.to_thread(other.login, username="bob", password=secret)
    error = await refused(other, "listZones", sessionkey=key, headers=cookie(other))  # another session's cookie
    assert refusal(error.response) == ("listzonesresponse", 401, SESSION_REFUSED)

    assert await asyncio.to_thread(web.logout, sessionkey=key, headers=with_cookie) == {"description": "success"}
    for as_json in (True, False):
        error = await refused(web, "listZones", sessionkey=key, headers=with_cookie, json=as_json)
        assert refusal(error.response) == ("listzonesresponse", 401, SESSION_REFUSED)


async def test_a_login_with_a_wrong_password_or_user_is_refused(cloudstack: CsWorld):
    client_id, secret, _accounts = await new_user(cloudstack, "bob", "AK-B")
    web = browser(cloudstack)
    for username, password, as_json in ((client_id, "wrong", True), ("bob", "wrong", False), ("eve", secret, True)):
        error = await refused(web, "login", username=username, password=password, json=as_json)
        assert refusal(error.response) == ("loginresponse", 401, LOGIN_REFUSED)
    assert "JSESSIONID" not in web.session.cookies
    session = await asyncio.to_thread(web.login, username=client_id, password=secret)  # by id, as by name
    assert session["username"] == "bob"


async def test_a_client_of_several_accounts_names_one_as_its_domain(cloudstack: CsWorld):
    _id, secret, (project_a, project_b) = await new_user(cloudstack, "carol", "AK-A", "AK-B")
    web = browser(cloudstack)
    error = await refused(web, "login", username="carol", password=secret)
    name, code, text = refusal(error.response)
    assert (name, code) == ("loginresponse", 431) and "name one as the domain" in text

    by_uuid = await asyncio.to_thread(web.login, username="carol", password=secret, domain=to_uuid(project_a))
    assert by_uuid["accountid"] == to_uuid(project_a)
    by_gateway_id = await asyncio.to_thread(web.login, username="carol", password=secret, domain=project_b)
    assert by_gateway_id["accountid"] == to_uuid(project_b)
    by_name = await asyncio.to_thread(web.login, username="carol", password=secret, domain=by_uuid["account"])
    assert by_name["accountid"] == to_uuid(project_a)
    accounts = await asyncio.to_thread(web.listAccounts, sessionkey=by_name["sessionkey"], headers=cookie(web))
    assert [account["id"] for account in accounts["account"]] == [to_uuid(project_a)]

    error = await refused(web, "login", username="carol", password=secret, domain="sim:project-z", json=False)
    assert refusal(error.response) == ("loginresponse", 401, LOGIN_REFUSED)


async def test_a_login_is_a_post_and_a_signed_logout_ends_nothing(cloudstack: CsWorld):
    _id, secret, _accounts = await new_user(cloudstack, "dave", "AK-B")
    error = await refused(cloudstack.client(key=None, secret=None), "login", username="dave", password=secret)
    assert refusal(error.response) == ("loginresponse", 405, "Please use HTTP POST to authenticate using this API")
    signed = cloudstack.client()
    assert await asyncio.to_thread(signed.logout) == {"description": "success"}
    assert (await asyncio.to_thread(signed.listZones))["count"] == 3  # the key still works: it was no session
    error = await refused(signed, "createSecurityGroup", name="")  # an empty value is no value
    missing = "Unable to execute API command createsecuritygroup due to missing parameter name"
    assert refusal(error.response)[1:] == (431, missing)
