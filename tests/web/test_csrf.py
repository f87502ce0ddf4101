"""Every POST of the dashboard needs the CSRF token bound to the browser's session: without it (or with another
session's), it is refused with 403 and a page that says why, before anything is done; a foreign page cannot post
to it; signing in needs the sign-in form's own token."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import Dashboard, check_page, sign_in

REFUSAL = "not sent from a page of this dashboard"


def _operations(dashboard: Dashboard) -> list[str]:
    return [op["id"] for op in dashboard.v1.get("/v1/operations", params={"limit": 1000}).json()["items"]]


def test_a_post_without_the_token_is_refused_before_anything_is_done(page: Page, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    instance = dashboard.ids_by_name("instances")["web-2"]
    action = f"{dashboard.url}/ui/instances/{instance}/actions/stop"
    before = _operations(dashboard)

    # The browser's own session cookie goes with these requests (page.request shares the page's cookies).
    for form in ({}, {"csrf": "forged"}, {"csrf": ""}):
        answer = page.request.post(action, form=form, max_redirects=0)
        assert answer.status == 403, (form, answer.status)
        assert REFUSAL in answer.text()
    answer = page.request.post(action, data=b"\x00\xff", headers={"content-type": "application/octet-stream"})
    assert answer.status == 403
    signout = page.request.post(f"{dashboard.url}/ui/signout", form={}, max_redirects=0)
    assert signout.status == 403  # signing out is a POST too: a foreign page cannot end the session either
    assert _operations(dashboard) == before  # nothing was started

    # What a person sees when a form is stale: the refusal as a page.
    page.goto(f"{dashboard.url}/ui/instances/{instance}")
    page.locator("form:has(#action-reboot) input[name=csrf]").evaluate("field => field.value = 'stale'")
    with page.expect_response(re.compile(r"/actions/")) as answer:
        page.get_by_role("button", name="Reboot").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="Refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(REFUSAL)
    check_page(page, "refused")
    assert _operations(dashboard) == before


def test_a_foreign_page_cannot_post_for_the_signed_in_browser(
    page: Page, context: BrowserContext, dashboard: Dashboard
):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    instance = dashboard.ids_by_name("instances")["web-2"]
    before = _operations(dashboard)
    foreign = context.new_page()
    foreign.set_content(
        f'<form method="post" action="{dashboard.url}/ui/instances/{instance}/actions/stop">'
        f'<input type="hidden" name="csrf" value="guessed"><button>go</button></form>'
    )
    with foreign.expect_response(re.compile(r"/actions/stop")) as answer:
        foreign.get_by_role("button", name="go").click()
    assert answer.value.status == 403
    assert _operations(dashboard) == before


def test_signing_in_needs_the_sign_in_forms_token(page: Page, dashboard: Dashboard):
    page.goto(f"{dashboard.url}/ui/signin")
    form = {"client_id": "admin", "secret": dashboard.admin_secret}
    refused = page.request.post(f"{dashboard.url}/ui/signin", form=form, max_redirects=0)
    assert refused.status == 403 and REFUSAL in refused.text()
    token = page.locator("input[name=csrf]").get_attribute("value")
    accepted = page.request.post(f"{dashboard.url}/ui/signin", form={**form, "csrf": token or ""}, max_redirects=0)
    assert accepted.status == 303
