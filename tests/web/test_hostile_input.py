"""What no page of the dashboard sends is answered with a clear page and a 4xx, never a 500: unknown pages and
kinds, ids and filters past their bounds, cursors and positions that are not ours, bodies that are not forms or
are too large; the event stream refuses a browser that is not signed in."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import Dashboard, csrf_of, signed_in_http


@pytest.fixture
def http(dashboard: Dashboard):
    client, answer = signed_in_http(dashboard.url, "admin", dashboard.admin_secret)
    assert answer.status_code == 303
    yield client
    client.close()


GETS = [
    ("/ui/instances?name=a%00b", 422, "NUL characters are not allowed"),
    ("/ui/instances/i-%00", 422, "NUL characters are not allowed"),
    ("/ui/nothing", 404, "There is no resource list named"),
    ("/ui/instances/i-00000000000000000000", 404, "not found"),
    ("/ui/instances/" + "x" * 5000, 404, "not found"),
    ("/ui/instances/a/b/c/d", 404, "There is no page at"),
    ("/ui/instances?limit=0", 422, "A page holds 1 to 200"),
    ("/ui/instances?limit=9999999999999999999999", 422, "A page holds"),
    ("/ui/instances?limit=-3", 422, "A page holds"),
    ("/ui/instances?limit=%C2%B2", 422, "A page holds"),  # "²": a digit to str.isdigit, not to int
    ("/ui/instances?cursor=not-a-cursor", 422, "Invalid pagination cursor"),
    ("/ui/instances?cursor=" + "A" * 2000, 422, "Invalid pagination cursor"),
    ("/ui/instances?state=melted", 422, "has no state"),
    ("/ui/instances?account=acc-nobody", 404, "Account acc-nobody not found"),
    ("/ui/instances?datacenter=atlantis", 422, "No datacenter"),
    ("/ui/instances?tag==value", 422, "A tag filter is"),
    ("/ui/instances?name=" + "n" * 600, 422, "at most 500 characters"),
    ("/ui/volumes?cursor=eyJrIjoiaW5zdGFuY2UiLCJhIjoieCJ9", 422, "Invalid pagination cursor"),  # another kind's
    ("/ui/events/stream?after=abc", 422, "After must be"),
    ("/ui/events/stream?after=99999999999999999999999", 422, "After must be"),
    ("/ui/events/stream?after=%C2%B2", 422, "After must be"),
]


@pytest.mark.parametrize(("path", "status", "said"), GETS)
def test_bad_gets_are_clear_4xx_pages(http: httpx.Client, path: str, status: int, said: str):
    answer = http.get(path)
    assert answer.status_code == status, answer.text[:500]
    assert said in answer.text
    assert "Traceback" not in answer.text


def test_bad_last_event_ids_are_refused(http: httpx.Client):
    for value in ("xyz", "-1", "9" * 40, b"\xb2"):  # "²" as a header (latin-1)
        assert http.get("/ui/events/stream", headers={"Last-Event-ID": value}).status_code == 422


def test_bad_posts_are_clear_4xx_pages(http: httpx.Client, dashboard: Dashboard):
    instance = dashboard.ids_by_name("instances")["web-1"]
    token = csrf_of(http.get(f"/ui/instances/{instance}").text)
    base = f"/ui/instances/{instance}"
    cases = [
        (f"{base}/actions/explode", {"csrf": token}, 422, "does not support action explode"),
        (f"{base}/actions/stop", {"csrf": token, "x": "\x00"}, 422, "NUL characters"),
        ("/ui/nothing/i-1/actions/stop", {"csrf": token}, 404, "There is no resource list named"),
        ("/ui/instances/i-00000000000000000000/delete", {"csrf": token}, 404, "not found"),
        ("/ui/instances", {"csrf": token}, 405, "POST is not allowed"),
    ]
    for path, form, status, said in cases:
        answer = http.post(path, data=form)
        assert (answer.status_code, said in answer.text) == (status, True), (
            path,
            answer.status_code,
            answer.text[:300],
        )
    assert http.post(f"{base}/actions/stop", content=b"csrf=" + token.encode(),
                     headers={"content-type": "text/plain"}).status_code == 403  # fmt: skip
    too_large = http.post(f"{base}/actions/stop", data={"csrf": token, "pad": "x" * 2_000_000})
    assert too_large.status_code == 413


def test_the_stream_refuses_a_browser_that_is_not_signed_in(dashboard: Dashboard):
    answer = httpx.get(f"{dashboard.url}/ui/events/stream")
    assert answer.status_code == 401
    page = httpx.get(f"{dashboard.url}/ui/instances", headers={"X-Cloudgate-Fragment": "1"})
    assert page.status_code == 401  # what the page's script hears when the session is over
