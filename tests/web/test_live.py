"""Live updates survive a restart of the gateway: the page shows that it lost the stream, reconnects by itself
when the gateway is back (resuming after the last event it saw), and changes show again without a reload."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import LIVE_SECONDS, Dashboard, sign_in

LIVE_MS = LIVE_SECONDS * 1000


def test_reconnect_after_a_gateway_restart(page: Page, own_dashboard: Dashboard):
    dashboard = own_dashboard
    instance = dashboard.ids_by_name("instances")["web-1"]
    sign_in(page, dashboard.url, "admin", dashboard.admin_secret)
    page.goto(f"{dashboard.url}/ui/instances/{instance}")
    indicator, banner, state = (
        page.locator("#live-indicator"),
        page.locator("#live-banner"),
        page.locator("#resource-state"),
    )
    expect(indicator).to_have_text("Live")
    expect(banner).to_be_hidden()
    page.evaluate("window.sameDocument = true")

    dashboard.served.stop()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Lost the connection to the gateway")
    expect(indicator).to_have_text("Reconnecting…")

    dashboard.served.start()  # same port, same data directory: the session's token is still good
    expect(indicator).to_have_text("Live", timeout=LIVE_MS)
    expect(banner).to_be_hidden()

    token = dashboard.v1.post("/v1/tokens", json={"client_id": "admin", "secret": dashboard.admin_secret}).json()[
        "token"
    ]
    stopped = dashboard.v1.post(f"/v1/instances/{instance}/actions/stop", headers={"Authorization": f"Bearer {token}"})
    assert stopped.status_code == 202, stopped.text
    expect(state).to_have_text("stopped", timeout=LIVE_MS)  # a change made elsewhere, streamed to the page
    assert page.evaluate("window.sameDocument === true")
