"""The session cookie's attributes as the browser gets them: HttpOnly, SameSite=Strict, on /ui only, and Secure
when the gateway is served over HTTPS (and only then: a plain-HTTP gateway on 127.0.0.1 still signs in)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from tests.services.certs import Certificates
from tests.services.served import Served, serving, wait_for
from tests.web.conftest import Dashboard, signed_in_http


def _session_cookie(set_cookies: list[str]) -> str:
    (cookie,) = [value for value in set_cookies if value.startswith("cloudgate_session=")]
    return cookie.lower()


@pytest.fixture
def https(tmp_path, certificates: Certificates) -> Iterator[Served]:
    args = ["--no-demo", "--tls-cert", str(certificates.server.cert), "--tls-key", str(certificates.server.key)]
    with serving(tmp_path, *args, scheme="https", verify=ssl.create_default_context(cafile=certificates.ca)) as served:
        yield served


def test_the_cookie_over_https_is_secure(https: Served, certificates: Certificates):
    secret = wait_for(https.admin_secret, 30, "the admin secret in serve's output")
    http, answer = signed_in_http(https.url, "admin", secret, verify=ssl.create_default_context(cafile=certificates.ca))
    assert answer.status_code == 303
    cookie = _session_cookie(answer.headers.get_list("set-cookie"))
    assert "; secure" in cookie and "; httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
    assert http.get("/ui/").status_code == 200
    http.close()


def test_the_cookie_over_plain_http_is_not_marked_secure(dashboard: Dashboard):
    http, answer = signed_in_http(dashboard.url, "admin", dashboard.admin_secret)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/"
    cookie = _session_cookie(answer.headers.get_list("set-cookie"))
    assert "; secure" not in cookie and "; httponly" in cookie and "samesite=strict" in cookie
    http.close()
