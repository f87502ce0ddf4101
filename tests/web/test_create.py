"""Create forms in a real browser: built from the cloud's declared fields once the account is chosen, references
chosen by name (from a list, or typed with the server's suggestions when there are too many to list); an instance
made from the form goes pending → running on its page without a reload; what the core or the cloud refuses comes
back with the form, next to the field, with what was typed kept; a scope takes the image from the other sim cloud,
whose copy shows its bytes on the operation's page. Every POST needs the session's CSRF token."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import LIVE_SECONDS, Dashboard, check_page, sign_in, signed_in_http

LIVE_MS = LIVE_SECONDS * 1000
COPY_RATE = 1_300_000  # bytes per second out of beta: debian-12's 4.3 MiB take over 3 s, long enough to watch


def _choose_where(page: Page, dashboard: Dashboard, collection: str, account: str, **scope: str) -> None:
    """Open the create form of `collection` and choose the account (and the clouds other services come from)."""
    page.goto(f"{dashboard.url}/ui/{collection}/new")
    page.get_by_label("Account", exact=True).select_option(label=f"{account} (sim)")
    page.get_by_role("button", name="Continue").click()
    if scope:
        for service, source in scope.items():
            page.get_by_label(f"{service} from", exact=True).select_option(label=f"{source} (sim)")
        page.get_by_role("button", name="Use these clouds").click()
    expect(page.locator("#fields-for")).to_contain_text(f"Made in {account} (sim)")


def _instance_fields(page: Page, name: str, image: str = "debian-12 · public") -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Flavor", exact=True).select_option(label="s1.tiny · 1 vCPU, 512 MB RAM")
    page.get_by_label("Image", exact=True).select_option(label=image)
    page.get_by_label("Datacenter", exact=True).select_option(label="sim-east-a")


def test_an_instance_made_from_the_form_goes_from_pending_to_running_live(page: Page, workshop: Dashboard):
    sign_in(page, workshop.url, "admin", workshop.admin_secret)
    page.goto(f"{workshop.url}/ui/instances")
    page.get_by_role("link", name="New instance").click()
    expect(page.get_by_role("heading", name="New instance", level=1)).to_be_visible()
    page.get_by_label("Account", exact=True).select_option(label="alpha-demo (sim)")
    page.get_by_role("button", name="Continue").click()

    # The sim's instance fields: the required ones marked, references offered by name from the store.
    expect(page.get_by_label("Flavor", exact=True)).to_have_attribute("required", "")
    expect(page.get_by_label("Name", exact=True)).not_to_have_attribute("required", "")
    expect(page.locator("#field-keypair")).to_have_text("None in alpha-demo (sim).")
    expect(page.get_by_label("Image", exact=True).locator("option")).to_contain_text(["ubuntu-24.04 · public"])
    _instance_fields(page, "form-vm")
    page.get_by_label("Tags", exact=True).fill("env=form\nrole=web")
    check_page(page, "create")

    page.get_by_role("button", name="Create instance").click()
    expect(page).to_have_url(re.compile(r"/ui/instances/i-[0-9a-f]+\?operation=op-"))
    expect(page.get_by_role("heading", name=re.compile(r"^form-vm"), level=1)).to_be_visible()
    expect(page.locator("#operation")).to_contain_text("create requested")
    state = page.locator("#resource-state")
    expect(state).to_have_text("pending")
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    expect(state).to_have_text("running", timeout=LIVE_MS)
    expect(page.locator("#operation")).to_contain_text("succeeded", timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")
    expect(page.locator("#tags").get_by_role("row", name=re.compile("^role"))).to_contain_text("web")
    expect(page.locator("#attributes").get_by_role("row", name=re.compile("^Flavor"))).to_contain_text("s1.tiny")

    # then stopped and deleted from its page, each change shown as the poller sees it
    page.get_by_role("button", name="Stop").click()
    expect(state).to_have_text("stopped", timeout=LIVE_MS)
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete instance").click()
    page.evaluate("window.sameDocument = true")
    gone = page.get_by_text("This resource no longer exists.")
    expect(page.locator("#resource-state", has_text="terminated").or_(gone)).to_be_visible(timeout=LIVE_MS)
    assert page.evaluate("window.sameDocument === true")


def test_a_refused_create_keeps_the_input_and_says_why_next_to_the_field(page: Page, workshop: Dashboard):
    alpha, beta = workshop.account_id("alpha-demo"), workshop.account_id("beta-demo")
    # Most of alpha's volume quota (20,000 GB) taken, and a subnet on beta.
    taken = workshop.v1.post("/v1/volumes", json={"account": alpha, "name": "big", "size_gb": 16_000,
                                                    "datacenter": "sim-east-a"})  # fmt: skip
    subnet = workshop.v1.post("/v1/subnets", json={"account": beta, "name": "beta-net", "cidr": "10.9.0.0/24"})
    assert taken.status_code == subnet.status_code == 202, (taken.text, subnet.text)
    workshop.finished(subnet.json()["operation"]["id"])
    sign_in(page, workshop.url, "admin", workshop.admin_secret)

    # The cloud refuses it at once: the form comes back with the quota's words and what was typed.
    _choose_where(page, workshop, "volumes", "alpha-demo")
    page.get_by_label("Name", exact=True).fill("too-big")
    page.get_by_label("Size (GB)", exact=True).fill("8000")
    page.get_by_label("Datacenter", exact=True).select_option(label="sim-east-a")
    with page.expect_response(re.compile(r"/ui/volumes/new$")) as answer:
        page.get_by_role("button", name="Create volume").click()
    assert answer.value.status == 409
    expect(page.get_by_role("alert")).to_contain_text("Quota of 20000 volume_gb exceeded")
    expect(page.get_by_label("Name", exact=True)).to_have_value("too-big")
    expect(page.get_by_label("Size (GB)", exact=True)).to_have_value("8000")
    expect(page.get_by_label("Datacenter", exact=True).locator("option:checked")).to_have_text("sim-east-a")
    assert [v["name"] for v in workshop.v1.get("/v1/volumes", params={"name": "too-big"}).json()["items"]] == []

    # The core refuses a subnet of another cloud: said next to the subnet, in names rather than ids.
    _choose_where(page, workshop, "instances", "alpha-demo", Networks="beta-demo")
    _instance_fields(page, "crossing")
    page.get_by_label("Subnet", exact=True).select_option(label="beta-net")
    page.get_by_role("button", name="Create instance").click()
    subnet_field = page.get_by_label("Subnet", exact=True)
    expect(subnet_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-subnet")).to_contain_text("a network does not reach across clouds")
    expect(page.locator("#error-subnet")).to_contain_text("in account beta-demo")
    expect(subnet_field).to_have_accessible_description(re.compile("a network does not reach across clouds"))
    expect(page.get_by_label("Name", exact=True)).to_have_value("crossing")
    expect(page.get_by_label("Flavor", exact=True).locator("option:checked")).to_have_text(
        "s1.tiny · 1 vCPU, 512 MB RAM"
    )
    check_page(page, "create-refused")


def test_a_reference_among_many_is_typed_with_the_servers_suggestions(page: Page, workshop: Dashboard):
    alpha = workshop.account_id("alpha-demo")
    for number in range(105):  # more than a list offers
        made = workshop.v1.post("/v1/security_groups", json={"account": alpha, "name": f"grp-{number:03}"})
        assert made.status_code == 202, made.text
    sign_in(page, workshop.url, "admin", workshop.admin_secret)
    _choose_where(page, workshop, "instances", "alpha-demo")
    groups = page.get_by_label("Security groups", exact=True)
    expect(groups).to_have_attribute("list", "suggest-security_groups")  # a search, not 105 options
    groups.press_sequentially("grp-04")
    suggestions = page.locator("#suggest-security_groups option")
    expect(suggestions).to_have_count(10)  # grp-040 … grp-049, found by the server
    expect(suggestions.first).to_have_attribute("value", "grp-040")
    groups.press_sequentially("2, grp-10")
    expect(suggestions.first).to_have_attribute("value", "grp-042, grp-100")  # the next name after a comma

    groups.fill("grp-042, grp-100")
    _instance_fields(page, "grouped")
    page.get_by_role("button", name="Create instance").click()
    expect(page).to_have_url(re.compile(r"/ui/instances/i-[0-9a-f]+\?operation=op-"))
    expect(page.locator("#attributes").get_by_role("row", name=re.compile("^Security groups"))).to_contain_text(
        "grp-042, grp-100", timeout=LIVE_MS
    )


def test_an_image_of_another_cloud_is_copied_with_its_progress_on_the_operation_page(page: Page, workshop: Dashboard):
    settings = "/v1/clouds/sim/settings?endpoint=sim://beta"
    assert workshop.v1.patch(settings, json={"transfer_rate": COPY_RATE}).status_code == 200
    try:
        sign_in(page, workshop.url, "admin", workshop.admin_secret)
        _choose_where(page, workshop, "instances", "alpha-demo", Images="beta-demo")
        expect(page.locator("#fields-for")).to_contain_text("images from beta-demo")
        _instance_fields(page, "from-beta")
        page.get_by_role("button", name="Create instance").click()

        expect(page).to_have_url(re.compile(r"/ui/operations/op-[0-9a-f]+$"))
        steps = page.locator("#steps li")
        expect(steps.nth(1)).to_have_text("running Replicate the image debian-12 from beta-demo")
        page.evaluate("window.sameDocument = true")
        progress = page.locator("#operation-progress")
        expect(progress).to_contain_text(re.compile(r"MiB of 4\.3 MiB \([1-9][0-9]?%\)"))  # part way, in bytes
        check_page(page, "operation")
        expect(page.locator("#operation-state")).to_have_text("succeeded", timeout=LIVE_MS)
        expect(progress).to_contain_text("4.3 MiB of 4.3 MiB (100%)")
        expect(steps).to_have_text([re.compile("^done")] * 4)
        expect(page.locator("#resource-state")).to_have_text("running")
        expect(page.locator("#operation-scope")).to_have_text("image: beta-demo")
        assert page.evaluate("window.sameDocument === true")
    finally:
        workshop.v1.patch(settings, json={"transfer_rate": 0})

    page.get_by_role("link", name="The instance’s page").click()
    image = page.locator("#attributes").get_by_role("row", name=re.compile("^Image"))
    expect(image).to_contain_text("debian-12")  # the replica, in alpha
    image.get_by_role("link").click()
    expect(page.locator("#tags")).to_contain_text("cloudgate:replica-of")


def test_creating_needs_the_sessions_csrf_token(page: Page, workshop: Dashboard):
    sign_in(page, workshop.url, "admin", workshop.admin_secret)
    before = workshop.v1.get("/v1/operations", params={"limit": 1000}).json()["items"]
    form = {"account": workshop.account_id("alpha-demo"), "name": "forged", "size_gb": "1", "datacenter": "sim-east-a"}
    for token in ({}, {"csrf": "forged"}):
        answer = page.request.post(f"{workshop.url}/ui/volumes/new", form={**form, **token}, max_redirects=0)
        assert answer.status == 403 and "not sent from a page of this dashboard" in answer.text()
    assert workshop.v1.get("/v1/operations", params={"limit": 1000}).json()["items"] == before


def test_a_double_submit_makes_one_resource(workshop: Dashboard):
    http, _signed = signed_in_http(workshop.url, "admin", workshop.admin_secret)
    try:
        beta = workshop.account_id("beta-demo")  # alpha's key pairs stay none, as the first test shows
        form = http.get(f"/ui/keypairs/new?account={beta}").text
        fields = {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
                  for name in ("csrf", "request", "account")}  # fmt: skip
        answers = [http.post("/ui/keypairs/new", data={**fields, "name": "twice"}) for _ in range(2)]
        assert [answer.status_code for answer in answers] == [303, 303]
        assert answers[0].headers["location"] == answers[1].headers["location"]
        assert len(workshop.v1.get("/v1/keypairs", params={"name": "twice"}).json()["items"]) == 1
    finally:
        http.close()


def test_bad_input_to_the_create_pages_is_a_clear_4xx(workshop: Dashboard):
    http, _signed = signed_in_http(workshop.url, "admin", workshop.admin_secret)
    try:
        alpha = workshop.account_id("alpha-demo")
        for path, status, says in (
            ("/ui/flavors/new", 404, "There is no create form"),
            ("/ui/nothings/new", 404, "There is no create form"),
            ("/ui/instances/new?account=acc-nope", 422, "Choose one of your accounts"),
            (f"/ui/instances/new?account={alpha}&scope-image=nope", 422, "Choose one of your accounts"),
            ("/ui/lookup/instances?account=acc-nope", 404, "Account not found"),
            (f"/ui/lookup/instances?account={alpha}&q={'x' * 201}", 422, "at most 200 characters"),
            ("/ui/lookup/nothings?account=x", 404, "nothing to look up"),
        ):
            answer = http.get(path)
            assert answer.status_code == status and says in answer.text, (path, answer.status_code)

        page = http.get(f"/ui/volumes/new?account={alpha}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        for fields, field, says in (
            ({"size_gb": "12x"}, "size_gb", "Size (GB) must be a whole number"),
            ({"size_gb": "1", "tags": "no-equals"}, "tags", "tags, line 1: write key=value"),
            ({"size_gb": "1"}, "datacenter", "missing field(s) for volume: datacenter"),
        ):
            answer = http.post("/ui/volumes/new", data={"csrf": csrf, "account": alpha, **fields})
            assert answer.status_code == 422, (fields, answer.status_code)
            assert f'id="error-{field}"' in answer.text and says.lower() in answer.text.lower(), fields
        answer = http.post("/ui/volumes/new", data={"csrf": csrf, "size_gb": "1"})
        assert answer.status_code == 422 and "Choose the account to make it in" in answer.text
    finally:
        http.close()
