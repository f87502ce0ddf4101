"""Another client sees only what it proved: signed in as a second client with the demo's team-b project, the
dashboard shows its account and its resources, none of the admin's, and a link to one of the admin's is a 404."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import Dashboard, check_page, sign_in


def test_another_clients_resources_are_invisible(page: Page, own_dashboard: Dashboard):
    dashboard = own_dashboard  # the admin sees every account: the session's gateway is left without this one
    client_id, secret = dashboard.new_client("team-b")
    token = dashboard.v1.post("/v1/tokens", json={"client_id": client_id, "secret": secret}).json()["token"]
    registered = dashboard.v1.post(
        "/v1/accounts", headers={"Authorization": f"Bearer {token}"},
        json={"cloud": "sim", "endpoint": "sim://alpha", "name": "team-b",
              "credentials": {"access_key": "team-b", "secret_key": "team-b-secret"}},
    )  # fmt: skip
    assert registered.status_code == 201, registered.text
    admins = dashboard.ids_by_name("instances")

    sign_in(page, dashboard.url, client_id, secret)
    expect(page.locator("table.accounts tbody tr")).to_have_count(1)
    expect(page.locator("table.accounts")).to_contain_text("team-b")
    expect(page.locator("table.accounts")).not_to_contain_text("alpha-demo")

    page.goto(f"{dashboard.url}/ui/instances")
    expect(page.locator("#resources tbody th")).to_have_text(["ci-runner"])  # once polled: the list waits for it
    expect(page.locator("#list-count")).to_have_text("1 instance matches")
    page.goto(f"{dashboard.url}/ui/instances?name=web-*")
    expect(page.locator("#list-count")).to_have_text("0 instances match")

    answer = page.goto(f"{dashboard.url}/ui/instances/{admins['web-1']}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("alert")).to_have_text(f"Instance {admins['web-1']} not found")
    check_page(page, "not-found")
