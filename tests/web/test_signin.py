"""Signing in and out of the dashboard in a real browser: a wrong secret is refused in clear words, the session is
a cookie the page's scripts cannot read, and signing out revokes its gateway token."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import Dashboard, check_page, sign_in


def test_a_wrong_secret_is_refused_clearly(page: Page, dashboard: Dashboard):
    page.goto(f"{dashboard.url}/ui/instances?state=running")
    expect(page).to_have_url(re.compile(r"/ui/signin\?next="))  # sent to sign in, the page asked for kept
    page.get_by_label("Client id").fill("admin")
    page.get_by_label("Secret").fill("not-the-secret")
    with page.expect_response(re.compile(r"/ui/signin$")) as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("Unknown client id or wrong secret.")
    expect(page.get_by_label("Client id")).to_have_value("admin")
    expect(page.get_by_label("Secret")).to_have_attribute("aria-invalid", "true")
    check_page(page, "signin")

    page.get_by_label("Secret").fill(dashboard.admin_secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/ui/instances\?state=running$"))  # where it was going
    expect(page.get_by_role("heading", name="Instances", level=1)).to_be_visible()


def test_the_session_cookie_and_signing_out(page: Page, context: BrowserContext, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    (session,) = [cookie for cookie in context.cookies() if cookie["name"] == "cloudgate_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/ui"
    assert page.evaluate("document.cookie") == ""  # nothing of it for the page's scripts
    token = session["value"]
    assert httpx.get(f"{dashboard.url}/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to cloudgate")).to_be_visible()
    assert not [cookie for cookie in context.cookies() if cookie["name"] == "cloudgate_session"]
    # The token is revoked, not merely forgotten by the browser.
    assert httpx.get(f"{dashboard.url}/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    page.goto(f"{dashboard.url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/signin"))
