"""The overview in a real browser: the demo's accounts per cloud with their health and per-kind poll state,
counts per kind and state (each a link to the list it counts), recent events and operations in flight."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import Dashboard, check_page, screenshot, sign_in


def test_the_demo_accounts_counts_and_events(page: Page, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    accounts = page.locator("table.accounts")
    expect(accounts.locator("caption")).to_contain_text("Cloud sim · 2 accounts")
    for name in ("alpha-demo", "beta-demo"):
        row = accounts.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(name)))
        expect(row.get_by_text("ok", exact=True).first).to_be_visible()  # health
        expect(row.locator(".polls li").filter(has_text="instance")).to_contain_text("ok")  # polled per kind

    instances = page.locator("#counts tr[data-kind='instance']")
    expect(instances.get_by_role("rowheader")).to_have_text("Instances")
    expect(instances.locator("td.num")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(page.locator("#events tbody tr").first).to_contain_text("created")
    expect(page.get_by_role("heading", name="Operations in flight")).to_be_visible()
    check_page(page, "overview")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "overview-dark")

    instances.get_by_role("link", name="Instances").click()
    expect(page.get_by_role("heading", name="Instances", level=1)).to_be_visible()
