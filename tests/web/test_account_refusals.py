"""The forms of the accounts and access keys pages refuse clearly, with nothing done: every POST without the
session's CSRF token (403), and bad input with a 4xx page that says what is wrong (never a 500), the secrets
given never sent back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.conftest import Dashboard, csrf_of, signed_in_http

REFUSAL = "not sent from a page of this dashboard"
SECRET = "do-not-echo-3Zq"
ROWS = ("credential_name", "credential_value", "secret_name", "secret_value")


@pytest.fixture
def http(dashboard: Dashboard) -> Iterator[httpx.Client]:
    client, answer = signed_in_http(dashboard.url, "admin", dashboard.admin_secret)
    assert answer.status_code == 303
    yield client
    client.close()


def _accounts(dashboard: Dashboard) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in dashboard.v1.get("/v1/accounts").json()["items"]}


def _keys(dashboard: Dashboard) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in dashboard.v1.get("/v1/credentials").json()["items"]}


def _says(answer: httpx.Response, status: int, said: str, asked: object) -> None:
    """The answer has the status and says `said` (the page shows the message with its entities escaped)."""
    assert (answer.status_code, said in answer.text) == (status, True), (asked, answer.status_code, answer.text[-1500:])


def _registration(**changes: Any) -> dict[str, Any]:
    form = {"cloud": "sim", "endpoint": "sim://alpha", "credential_name": ["access_key", ""],
            "credential_value": ["team-b", ""], "secret_name": ["secret_key", ""], "secret_value": [SECRET, ""]}  # fmt: skip
    return {**form, **changes}


def test_every_new_post_needs_the_sessions_token(http: httpx.Client, dashboard: Dashboard):
    alpha = _accounts(dashboard)["alpha-demo"]
    key = dashboard.v1.post("/v1/credentials", json={"account": alpha["id"], "name": "kept"}).json()["id"]
    accounts, keys = _accounts(dashboard), _keys(dashboard)
    account = f"/ui/accounts/{alpha['id']}"
    posts = [
        ("/ui/accounts", _registration(secret_value=["team-b-secret", ""])),
        (f"{account}/check", {}),
        (f"{account}/alias", {"alias": "Stolen"}),
        (f"{account}/credentials", _registration(credential_value=["demo", ""], secret_value=["demo-secret", ""])),
        (f"{account}/remove", {}),
        ("/ui/credentials", {"account": alpha["id"]}),
        (f"/ui/credentials/{key}/revoke", {}),
    ]
    for path, form in posts:
        for token in ({}, {"csrf": "forged"}, {"csrf": ""}):
            answer = http.post(path, data={**form, **token})
            assert (answer.status_code, REFUSAL in answer.text) == (403, True), (path, token, answer.status_code)
    assert _accounts(dashboard) == accounts and _keys(dashboard) == keys  # nothing was done


def test_bad_gets_are_clear_4xx_pages(http: httpx.Client):
    for path, status, said in [
        ("/ui/accounts/acc-nobody", 404, "Account acc-nobody not found"),
        ("/ui/accounts/" + "a" * 5000, 404, "Account not found"),
        ("/ui/accounts/acc-nobody/credentials", 404, "not found"),
        ("/ui/accounts/acc-nobody/remove", 404, "not found"),
        ("/ui/accounts/acc-%00", 422, "NUL characters"),
        ("/ui/credentials/CGNOBODY", 404, "Credential CGNOBODY not found"),
        ("/ui/credentials/" + "C" * 100, 404, "Credential not found"),
        ("/ui/credentials/CGNOBODY/revoke", 404, "not found"),
        ("/ui/credentials/new?account=" + "a" * 5000, 200, "Issue an access key"),
    ]:
        answer = http.get(path)
        _says(answer, status, said, path)


def test_bad_registrations_are_refused_next_to_the_form(http: httpx.Client, dashboard: Dashboard):
    token = csrf_of(http.get("/ui/accounts/new").text)
    accounts = _accounts(dashboard)
    for changes, status, said in [
        ({"cloud": ""}, 422, "Choose the type of cloud"),
        ({"cloud": "nosuch"}, 422, "Unknown cloud type &#39;nosuch&#39;"),
        ({"cloud": "x" * 101}, 422, "The cloud is at most 100 characters"),
        ({"endpoint": ""}, 422, "Give the cloud&#39;s endpoint"),
        ({"endpoint": "sim://nowhere"}, 503, "No sim cloud at &#39;sim://nowhere&#39;"),  # as /v1 says it
        ({"alias": "bad alias!"}, 422, "An alias is 1 to 64 letters"),
        ({"credential_name": ["", ""]}, 422, "A credential has a value but no name"),
        ({"credential_name": ["secret_key", ""]}, 422, "The credential &#39;secret_key&#39; is given twice"),
        ({"credential_value": ["", ""]}, 422, "The credential &#39;access_key&#39; has no value"),
        ({name: ["", ""] for name in ROWS}, 422, "Give the credentials the cloud takes"),
        ({"secret_name": ["s"] * 51, "secret_value": ["v"] * 51}, 422, "At most 50 secrets"),
        ({"options": "no equals sign"}, 422, "A driver option is key=value, one a line: line 1"),
        ({"options": "a=1\na=2"}, 422, "The driver option &#39;a&#39; is given twice"),
        ({"name": "a\x00b"}, 422, "NUL characters"),
    ]:
        answer = http.post("/ui/accounts", data={**_registration(**changes), "csrf": token})
        _says(answer, status, said, changes)
        assert SECRET not in answer.text
    assert _accounts(dashboard) == accounts


def test_bad_changes_to_an_account_are_refused(http: httpx.Client, dashboard: Dashboard):
    alpha = _accounts(dashboard)["alpha-demo"]
    account = f"/ui/accounts/{alpha['id']}"
    token = csrf_of(http.get(account).text)
    team_b = _registration(secret_value=["team-b-secret", ""])  # keys the cloud takes, of another project
    for path, form, status, said in [
        (f"{account}/alias", {"alias": "x" * 65}, 422, "An alias is 1 to 64"),
        ("/ui/accounts/acc-nobody/alias", {"alias": "Fine"}, 404, "Account acc-nobody not found"),
        ("/ui/accounts/acc-nobody/check", {}, 404, "Account acc-nobody not found"),
        (f"{account}/credentials", {}, 422, "Give the credentials the cloud takes"),
        (f"{account}/credentials", _registration(), 422, "cloud_auth_failed"),
        (f"{account}/credentials", team_b, 409, "a different cloud identity"),  # not the account's identity
        ("/ui/accounts/acc-nobody/remove", {}, 404, "Account acc-nobody not found"),
    ]:
        answer = http.post(path, data={**form, "csrf": token})
        _says(answer, status, said, path)
        assert SECRET not in answer.text and "team-b-secret" not in answer.text
    assert _accounts(dashboard)["alpha-demo"]["alias"] == alpha["alias"]
    assert dashboard.v1.post(f"/v1/accounts/{alpha['id']}/check").json()["ok"]  # its credentials are as they were


def test_bad_access_keys_are_refused_next_to_the_form(http: httpx.Client, dashboard: Dashboard):
    alpha = _accounts(dashboard)["alpha-demo"]["id"]
    token = csrf_of(http.get("/ui/credentials/new").text)
    keys = _keys(dashboard)
    for form, status, said in [
        ({}, 422, "Choose the account the key acts in"),
        ({"account": "acc-nobody"}, 404, "Account acc-nobody not found"),
        ({"account": alpha, "scope": "[1]"}, 422, "A scope is a JSON object"),
        ({"account": alpha, "scope": '{"image": 3}'}, 422, "A scope is a JSON object"),
        ({"account": alpha, "scope": '{"image": "nobody"}'}, 400, "nobody"),
        ({"account": alpha, "region": "elsewhere"}, 422, "not &#39;elsewhere&#39;"),
        ({"account": alpha, "name": "n" * 201}, 422, "The name is at most 200 characters"),
    ]:
        answer = http.post("/ui/credentials", data={**form, "csrf": token})
        _says(answer, status, said, form)
    answer = http.post("/ui/credentials/CGNOBODY/revoke", data={"csrf": token})
    assert answer.status_code == 404
    assert _keys(dashboard) == keys
