"""Operations in a real browser: the list (newest first, filtered by state, paged by cursor) reached from the
overview, a new operation appearing in it without a reload, and the page of one that failed with its error and
steps; bad filters and unknown operations are clear 4xx pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import LIVE_SECONDS, Dashboard, check_page, sign_in, signed_in_http

LIVE_MS = LIVE_SECONDS * 1000


def _started(dashboard: Dashboard, path: str, body: dict | None = None) -> str:
    answer = dashboard.v1.post(path, json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()["operation"]["id"]


def test_the_operations_list_and_a_failed_operations_page(page: Page, workshop: Dashboard):
    alpha = workshop.account_id("alpha-demo")
    instances = workshop.ids_by_name("instances")
    rebooted = _started(workshop, f"/v1/instances/{instances['db-1']}/actions/reboot")
    # More than the sim takes for one volume: its cloud refuses it once the operation runs.
    refused = _started(workshop, "/v1/volumes", {"account": alpha, "name": "huge", "size_gb": 20_000,
                                                 "datacenter": "sim-east-a"})  # fmt: skip
    assert workshop.finished(refused)["state"] == "failed"
    workshop.finished(rebooted)

    sign_in(page, workshop.url, "admin", workshop.admin_secret)
    page.get_by_role("link", name="All operations").click()
    expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible()
    rows = page.locator("#operations tbody tr")
    expect(rows.first).to_have_attribute("data-operation", refused)  # newest first
    expect(page.locator(f"tr[data-operation='{rebooted}']")).to_contain_text("reboot")
    expect(page.locator(f"tr[data-operation='{rebooted}']")).to_contain_text("instance db-1")
    page.goto(f"{workshop.url}/ui/operations?limit=10")  # a page that fits a screenshot
    check_page(page, "operations")

    # A new operation shows without a reload.
    page.evaluate("window.sameDocument = true")
    stopped = _started(workshop, f"/v1/instances/{instances['web-2']}/actions/stop")
    expect(rows.first).to_have_attribute("data-operation", stopped, timeout=LIVE_MS)
    expect(rows.first).to_contain_text("succeeded", timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")

    # Only the failed ones; one a page.
    page.get_by_label("failed").check()
    page.get_by_label("Per page").select_option("25")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"state=failed"))
    expect(rows.first).to_have_attribute("data-operation", refused)
    for state in rows.locator("td:nth-child(4) .badge").all_inner_texts():
        assert state == "failed"
    page.goto(f"{workshop.url}/ui/operations?limit=1")
    first = rows.first.get_attribute("data-operation")
    page.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(1)
    expect(rows.first).not_to_have_attribute("data-operation", first or "")
    page.get_by_role("link", name="First page").click()
    expect(rows.first).to_have_attribute("data-operation", first or "")

    # The failed one: its error, the step it failed at, what it was asked; the volume was never made.
    page.goto(f"{workshop.url}/ui/operations?state=failed")
    page.locator(f"tr[data-operation='{refused}']").get_by_role("link", name="create").click()
    expect(page.get_by_role("heading", name=re.compile("^Create volume"))).to_be_visible()
    expect(page.locator("#operation-state")).to_have_text("failed")
    expect(page.get_by_role("alert")).to_contain_text("Error code:")
    expect(page.locator("#steps li")).to_have_text(
        [re.compile("^done Requested"), re.compile("^failed The cloud makes the volume"),
         re.compile("^not reached The volume settles")]
    )  # fmt: skip
    expect(page.locator("#operation-resource")).to_contain_text("it was never made")
    expect(page.locator("#asked").get_by_role("row", name=re.compile("^Size"))).to_contain_text("20000")
    expect(page.locator("#asked").get_by_role("row", name=re.compile("^Datacenter"))).to_contain_text("sim-east-a")


def test_bad_input_to_the_operations_pages_is_a_clear_4xx(workshop: Dashboard):
    http, _signed = signed_in_http(workshop.url, "admin", workshop.admin_secret)
    try:
        for path, status, says in (
            ("/ui/operations?state=bogus", 422, "No operation state &#39;bogus&#39;"),
            ("/ui/operations?limit=0", 422, "A page holds 1 to 200 operations"),
            ("/ui/operations?limit=²", 422, "A page holds 1 to 200 operations"),
            ("/ui/operations?cursor=garbage", 422, "Invalid pagination cursor"),
            ("/ui/operations?account=acc-nope", 404, "Account acc-nope not found"),
            ("/ui/operations/op-nope", 404, "Operation op-nope not found"),
            (f"/ui/operations/op-{'x' * 300}", 404, "Operation not found"),
            ("/ui/events/stream?operations=1&since=nan", 422, "Since must be the time a page was read at"),
        ):
            answer = http.get(path)
            assert answer.status_code == status and says in answer.text, (path, answer.status_code, answer.text[-800:])
    finally:
        http.close()
