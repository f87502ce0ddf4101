"""Accounts in a real browser, as a client that is not an admin: registering one (a wrong secret refused clearly
next to the form, what is not secret kept, the secret never sent back), its first polls showing on its page without a
reload, a check (identity and clock skew), its alias, rotating its credentials, removing it; the admin's accounts and
access keys invisible all along; no secret in the gateway's logs."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import LIVE_SECONDS, Dashboard, check_page, sign_in

LIVE_MS = LIVE_SECONDS * 1000
SECRET = "team-b-secret"  # the demo's team-b project on sim://alpha, which no account of the demo holds
WRONG = "not-team-b-secret-Q7x"
FIRST_POLL_LATENCY = 1.0  # seconds each call to sim://alpha takes meanwhile: its first polls end after the page loads


def _fill_credentials(page: Page, secret: str) -> None:
    page.get_by_label("Name of credential 1").fill("access_key")
    page.get_by_label("Value of credential 1").fill("team-b")
    page.get_by_label("Name of secret 1").fill("secret_key")
    page.get_by_label("Value of secret 1").fill(secret)


def _submit(page: Page, button: str, status: int) -> None:
    with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
        page.get_by_role("button", name=button).click()
    assert answer.value.status == status


def _sim_alpha(dashboard: Dashboard, **settings: object) -> None:
    changed = dashboard.v1.patch("/v1/clouds/sim/settings", params={"endpoint": "sim://alpha"}, json=settings)
    assert changed.status_code == 200, changed.text


def test_register_check_alias_rotate_and_remove(page: Page, own_dashboard: Dashboard):
    dashboard = own_dashboard  # its admin's accounts stay as the demo made them for the other tests
    logged = [len(path.read_text()) for path in (dashboard.served.out, dashboard.served.err)]  # the demo's keys
    client_id, client_secret = dashboard.new_client("ops")
    admins = {item["name"]: item["id"] for item in dashboard.v1.get("/v1/accounts").json()["items"]}
    admins_key = dashboard.v1.post("/v1/credentials", json={"account": admins["alpha-demo"]}).json()["id"]
    sign_in(page, dashboard.url, client_id, client_secret)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page.locator("#no-accounts")).to_be_visible()  # the admin's are not this client's
    page.get_by_role("link", name="Register an account").click()
    expect(page.get_by_role("heading", name="Register an account", level=1)).to_be_visible()
    check_page(page, "account-register")

    page.get_by_label("Cloud type").fill("sim")
    page.get_by_label("Endpoint").fill("sim://alpha")
    page.get_by_label("Name (optional)").fill("team-b")
    _fill_credentials(page, WRONG)
    _submit(page, "Register", 422)
    expect(page.get_by_role("alert")).to_have_text("The access key or secret key is wrong (cloud_auth_failed)")
    expect(page.get_by_label("Endpoint")).to_have_value("sim://alpha")  # what is not secret is kept
    expect(page.get_by_label("Name (optional)")).to_have_value("team-b")
    expect(page.get_by_label("Value of credential 1")).to_have_value("team-b")
    expect(page.get_by_label("Name of secret 1")).to_have_value("secret_key")
    expect(page.get_by_label("Value of secret 1")).to_have_value("")  # the secret is not
    assert WRONG not in page.content()
    check_page(page, "account-register-refused")

    _sim_alpha(dashboard, latency=FIRST_POLL_LATENCY, hints=True)
    page.get_by_label("Value of secret 1").fill(SECRET)
    page.get_by_label("Alias (optional)").fill("TeamB")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name=re.compile(r"^team-b"), level=1)).to_be_visible()
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    expect(page.locator("#notice")).to_contain_text("Registered")
    account_url = page.url.split("?")[0]
    assert re.search(r"/ui/accounts/acc-[0-9a-f]+$", account_url)
    instances = page.locator("#polls tr[data-kind='instance']")
    expect(instances).to_contain_text("ok", timeout=LIVE_MS)  # the first polls, streamed to the page
    expect(instances.locator("td.num")).to_have_text("1")  # ci-runner
    expect(page.locator("#polls tr[data-kind='change hints']")).to_contain_text("connected", timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")
    _sim_alpha(dashboard, latency=0.0)

    page.get_by_role("button", name="Check credentials").click()
    expect(page.locator("#check-identity")).to_have_text("team-b")
    expect(page.locator("#check-skew")).to_have_text(re.compile(r"^[+-]\d+\.\d{3} s$"))
    expect(page).to_have_url(account_url)  # a reload shows the account, without sending the check again
    check_page(page, "account")
    page.reload()
    expect(page.locator("#check-result")).to_have_count(0)
    _sim_alpha(dashboard, outage=True)
    page.get_by_role("button", name="Check credentials").click()
    expect(page.locator("#check-result").get_by_role("alert")).to_contain_text("(cloud_unavailable)")
    _sim_alpha(dashboard, outage=False)

    alias = page.get_by_label("Alias", exact=True)
    expect(alias).to_have_value("TeamB")
    alias.fill("bad alias!")
    _submit(page, "Save alias", 422)
    expect(page.locator("#alias-error")).to_contain_text("An alias is 1 to 64 letters")
    expect(alias).to_have_attribute("aria-invalid", "true")
    alias.fill("Team.B")
    alias.press("Enter")
    expect(page.locator("#notice")).to_have_text("Alias saved: scopes may name the account by it.")
    expect(alias).to_have_value("Team.B")
    page.get_by_role("button", name="Remove alias").click()
    expect(page.locator("#notice")).to_have_text("Alias removed.")
    expect(alias).to_have_value("")

    page.get_by_role("link", name="Rotate credentials…").click()
    expect(page.get_by_role("heading", name="Rotate the credentials of team-b")).to_be_visible()
    check_page(page, "account-rotate")
    _fill_credentials(page, WRONG)
    _submit(page, "Replace the credentials", 422)
    expect(page.get_by_role("alert")).to_contain_text("cloud_auth_failed")
    expect(page.get_by_label("Value of secret 1")).to_have_value("")
    assert WRONG not in page.content()
    page.get_by_label("Value of secret 1").fill(SECRET)
    page.get_by_role("button", name="Replace the credentials").click()
    expect(page.locator("#notice")).to_have_text("Credentials replaced: the cloud accepted the new ones.")

    # The admin's account and key are not this client's: not listed, and their pages are not found.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access keys").click()
    expect(page.locator("#no-keys")).to_be_visible()
    for path in (f"/ui/accounts/{admins['alpha-demo']}", f"/ui/credentials/{admins_key}",
                 f"/ui/credentials/{admins_key}/revoke"):  # fmt: skip
        answer = page.goto(dashboard.url + path)
        assert answer is not None and answer.status == 404, path
    page.goto(f"{dashboard.url}/ui/accounts")
    expect(page.locator("#accounts tbody tr")).to_have_count(1)
    expect(page.locator("#accounts")).not_to_contain_text("alpha-demo")
    expect(page.locator("#accounts tbody tr").first).to_contain_text("instance: ok")
    check_page(page, "accounts")

    page.get_by_role("link", name="team-b").click()
    page.get_by_role("link", name="Remove…").click()
    expect(page.get_by_role("heading", name="Remove the account team-b?")).to_be_visible()
    check_page(page, "account-remove")
    page.get_by_role("button", name="Remove the account").click()
    expect(page.locator("#notice")).to_contain_text("The account was removed")  # the last client that had it
    expect(page.locator("#no-accounts")).to_be_visible()
    assert page.goto(account_url).status == 404  # type: ignore[union-attr]

    logs = "".join(path.read_text()[start:] for path, start in zip((dashboard.served.out, dashboard.served.err),
                                                                   logged, strict=True))  # fmt: skip
    assert "POST /ui/accounts" in logs and SECRET not in logs and WRONG not in logs
