"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright (never a browser of Playwright's
own), started once for these tests; a real `cloudgate serve --demo` on 127.0.0.1 (one for these tests, and one of
its own for a test that restarts it); axe-core (installed from npm by scripts/install-test-services) run in each
page; screenshots of each page saved to docs/screenshots/ for the README."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.services.served import START_SECONDS, Served, serving, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
LIVE_SECONDS = 20.0  # a sim transition (2 s in the demo) seen by the poller and streamed to the page, with room
UNACCEPTABLE = ("serious", "critical")

expect.set_options(timeout=10_000)


@dataclass
class Dashboard:
    """A served demo gateway and the admin's secret; `v1` is an httpx client with the admin's bearer token."""

    served: Served
    admin_secret: str
    v1: httpx.Client

    @property
    def url(self) -> str:
        return self.served.url

    def ids_by_name(self, collection: str) -> dict[str, str]:
        """Gateway ids of the admin's resources of a collection, by name (through /v1)."""
        response = self.v1.get(f"/v1/{collection}", params={"limit": 1000})
        response.raise_for_status()
        return {item["name"]: item["id"] for item in response.json()["items"]}

    def account_id(self, name: str) -> str:
        accounts = self.v1.get("/v1/accounts").json()["items"]
        return next(account["id"] for account in accounts if account["name"] == name)

    def finished(self, operation_id: str) -> dict[str, Any]:
        """The operation once it succeeded or failed (through /v1)."""

        def probe() -> dict[str, Any] | None:
            body = self.v1.get(f"/v1/operations/{operation_id}").json()
            return body if body["state"] in ("succeeded", "failed") else None

        return wait_for(probe, LIVE_SECONDS, f"operation {operation_id} to finish")

    def new_client(self, name: str) -> tuple[str, str]:
        """A new non-admin client: (id, secret)."""
        response = self.v1.post("/v1/clients", json={"name": name})
        assert response.status_code == 201, response.text
        return response.json()["id"], response.json()["secret"]


def open_dashboard(served: Served) -> Dashboard:
    secret = wait_for(served.admin_secret, START_SECONDS, "the admin secret in serve's output")
    token = httpx.post(f"{served.url}/v1/tokens", json={"client_id": "admin", "secret": secret}).json()["token"]
    v1 = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)
    return Dashboard(served, secret, v1)


@pytest.fixture(scope="package")
def dashboard(tmp_path_factory) -> Iterator[Dashboard]:
    """One demo gateway for the tests that do not restart it."""
    with serving(tmp_path_factory.mktemp("dashboard"), "--demo") as served:
        opened = open_dashboard(served)
        yield opened
        opened.v1.close()


@pytest.fixture(scope="package")
def workshop(tmp_path_factory) -> Iterator[Dashboard]:
    """A demo gateway of its own for the tests that make resources and operations (create forms, operations
    pages): the shared one keeps the demo's resources as the tests that count them expect."""
    with serving(tmp_path_factory.mktemp("workshop"), "--demo") as served:
        opened = open_dashboard(served)
        yield opened
        opened.v1.close()


@pytest.fixture
def own_dashboard(tmp_path) -> Iterator[Dashboard]:
    """A demo gateway for one test alone (it may stop and start it)."""
    with serving(tmp_path, "--demo") as served:
        opened = open_dashboard(served)
        yield opened
        opened.v1.close()


# Started once for the package's tests and stopped after them: Playwright's sync API keeps its event loop marked as
# running in this thread while it is open, which the asyncio tests of other packages could not run beside.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run scripts/install-test-services")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()  # ends the browser's processes


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser profile of its own (cookies included) for one test."""
    opened = browser.new_context(viewport={"width": 1280, "height": 860})
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def signed_in_http(url: str, client_id: str, secret: str, **options: Any) -> tuple[httpx.Client, httpx.Response]:
    """An HTTP client (no browser) signed in through the form as a browser is: the sign-in page's cookie and
    token first. The answer to the sign-in is returned too."""
    http = httpx.Client(base_url=url, timeout=30.0, **options)
    form = http.get("/ui/signin")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found, form.text
    answer = http.post("/ui/signin", data={"csrf": found.group(1), "client_id": client_id, "secret": secret})
    return http, answer


def csrf_of(page_html: str) -> str:
    """The CSRF token the forms of a page carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', page_html)
    assert found, page_html
    return found.group(1)


def sign_in(page: Page, url: str, client_id: str, secret: str) -> None:
    """Through the sign-in form, as a person does; lands on the overview."""
    page.goto(f"{url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/signin"))
    page.get_by_label("Client id").fill(client_id)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands (WCAG A and AA rules and best practices)."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run scripts/install-test-services (npm ci in tests/web)")
    page.evaluate(AXE.read_text())  # evaluated by the browser's debugger: not subject to the page's own CSP
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in found if v.get("impact") in UNACCEPTABLE]


def assert_accessible(page: Page) -> None:
    bad = accessibility_violations(page)
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'")
    assert not bad, f"in the {scheme} scheme:\n" + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}" for v in bad
    )


def screenshot(page: Page, name: str) -> None:
    """The page as it looks, for the README (docs/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def check_page(page: Page, name: str) -> None:
    """What every page of the dashboard must pass: no serious accessibility violation in the light scheme or the
    dark one (colour contrast included); then its screenshot, light."""
    for scheme in ("dark", "light"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page)
    screenshot(page, name)
