"""Resource lists and details in a real browser: the CLI's filters, cursor paging, a resource's attributes, tags
and history, and actions started from its page whose effect shows live, without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import LIVE_SECONDS, Dashboard, check_page, sign_in

LIVE_MS = LIVE_SECONDS * 1000


def _names(page: Page) -> list[str]:
    return page.locator("#resources tbody th").all_inner_texts()


def test_a_list_with_filters_and_paging(page: Page, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Instances").click()
    expect(page.locator("#list-count")).to_have_text("4 instances match")
    assert _names(page) == ["batch-1", "db-1", "web-1", "web-2"]  # by name
    check_page(page, "instances")

    # The name filter is one keystroke away, and takes wildcards.
    page.locator("body").press("/")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("web-*")
    page.keyboard.press("Enter")
    expect(page.locator("#list-count")).to_have_text("2 instances match")
    assert _names(page) == ["web-1", "web-2"]

    page.get_by_label("Name", exact=True).fill("")
    page.get_by_label("Tag", exact=True).fill("role=db")
    page.get_by_label("Account", exact=True).select_option(label="alpha-demo")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"tag=role%3Ddb"))
    assert _names(page) == ["db-1"]
    expect(page.get_by_label("Account", exact=True)).to_have_value(
        re.compile(r"^acc-")
    )  # the form shows what it filters

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Datacenter", exact=True).fill("sim-east-b")
    page.get_by_role("button", name="Filter").click()
    assert _names(page) == ["web-2"]

    page.goto(f"{dashboard.url}/ui/instances?state=bogus")
    expect(page.get_by_role("alert")).to_contain_text("an instance has no state 'bogus'".capitalize())

    # Two per page: a cursor to the next page, and back to the first.
    page.goto(f"{dashboard.url}/ui/instances?limit=2")
    assert _names(page) == ["batch-1", "db-1"]
    page.get_by_role("link", name="Next page").click()
    assert _names(page) == ["web-1", "web-2"]
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    page.get_by_role("link", name="First page").click()
    assert _names(page) == ["batch-1", "db-1"]


def test_a_detail_page(page: Page, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    page.goto(f"{dashboard.url}/ui/instances")
    page.get_by_role("link", name="web-1", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^web-1"), level=1)).to_be_visible()
    attributes = page.locator("#attributes")
    expect(attributes.get_by_role("row", name=re.compile("^Flavor"))).to_contain_text("s1.small")
    expect(attributes.get_by_role("row", name=re.compile("^Image"))).to_contain_text("ubuntu-24.04")
    expect(page.locator("#tags").get_by_role("row", name=re.compile("^role"))).to_contain_text("web")
    expect(page.locator("#history tbody tr").last).to_contain_text("created")
    expect(page.locator("pre.json")).to_contain_text('"flavor_id": "s1.small"')
    for action in ("Start", "Stop", "Reboot"):
        expect(page.get_by_role("button", name=action)).to_be_visible()
    check_page(page, "instance")

    attributes.get_by_role("link", name="s1.small").click()  # a reference leads to what it names
    expect(page.get_by_role("heading", name=re.compile(r"^s1.small"), level=1)).to_be_visible()


def test_an_instance_stopped_and_started_from_its_page_changes_live(page: Page, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    page.goto(f"{dashboard.url}/ui/instances/{dashboard.ids_by_name('instances')['batch-1']}")
    state = page.locator("#resource-state")
    expect(state).to_have_text("running")
    expect(page.locator("#live-indicator")).to_have_text("Live")

    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#operation")).to_contain_text("stop requested")
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    expect(state).to_have_text("stopped", timeout=LIVE_MS)
    expect(page.locator("#history tbody tr").first).to_contain_text("stopped")
    assert page.evaluate("window.sameDocument === true")

    page.get_by_role("button", name="Start").click()
    page.evaluate("window.sameDocument = true")
    expect(state).to_have_text("running", timeout=LIVE_MS)
    expect(page.locator("#operation")).to_contain_text("succeeded", timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")


def test_a_volume_deleted_from_its_page_goes_live(page: Page, dashboard: Dashboard):
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    page.goto(f"{dashboard.url}/ui/volumes")
    expect(page.locator("#list-count")).to_have_text("3 volumes match")
    page.get_by_role("link", name="scratch").click()
    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name="Delete the volume scratch?")).to_be_visible()
    check_page(page, "delete")
    page.get_by_role("button", name="Delete volume").click()
    expect(page.locator("#operation")).to_contain_text("destroy requested")
    page.evaluate("window.sameDocument = true")
    expect(page.get_by_text("This resource no longer exists.")).to_be_visible(timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")

    page.goto(f"{dashboard.url}/ui/volumes")
    expect(page.locator("#list-count")).to_have_text("2 volumes match")
