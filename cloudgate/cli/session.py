"""Talking to a gateway over HTTP(S): where it is, who we are, how its certificate is checked, and its
error bodies and connection failures turned into CliFailures."""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import httpx

from cloudgate.cli import config
from cloudgate.cli.failures import ApiError, Unreachable, UsageFailure
from cloudgate.tls import ClientTls, TlsSetupError

DEFAULT_URL = "http://127.0.0.1:8080"
REQUEST_TIMEOUT_SECONDS = 30.0
SCOPE_HEADER = "X-Cloudgate-Scope"  # the scope every request of a session runs in (--scope)


@dataclass(frozen=True, slots=True)
class Target:
    """Which gateway to call and with which token."""

    url: str
    token: str | None


def resolve_target(url: str | None, token: str | None, saved: config.SavedLogin) -> Target:
    """Explicit values win over the saved login; the saved token only goes to the URL it was issued by."""
    resolved = (url or saved.url or DEFAULT_URL).rstrip("/")
    if token is None and saved.token and saved.url and saved.url.rstrip("/") == resolved:
        token = saved.token
    return Target(resolved, token)


def transport_for(via: str | None, tls: ClientTls = ClientTls()) -> httpx.BaseTransport | None:
    """How requests travel: HTTP(S) (None), or over AMQP through the broker at `via` (amqp://, or amqps://
    with the broker's certificate checked as `tls` says)."""
    if via is None:
        return None
    if urlsplit(via).scheme not in ("amqp", "amqps"):
        raise UsageFailure("bad_via", f"--via takes an amqp:// or amqps:// URL, not {via.split(':', 1)[0]!r}")
    # Imported here: only the commands that go through a broker pay for the AMQP client's import.
    from cloudgate.cli.amqp_transport import BlockingAmqpTransport

    # The CLI reports failures itself; the AMQP library's own log lines would only repeat them.
    logging.getLogger("aiormq").addHandler(logging.NullHandler())
    try:
        return BlockingAmqpTransport(via, tls=tls)
    except TlsSetupError as exc:
        raise UsageFailure("bad_tls", str(exc)) from exc


def verification_for(url: str, tls: ClientTls) -> ssl.SSLContext | bool:
    """How an https:// URL's certificate is checked (httpx's `verify`); http:// takes no TLS options."""
    if urlsplit(url).scheme != "https":
        if tls.given:
            raise UsageFailure("bad_tls", f"TLS options were given for {url}, which is not https://: use https://")
        return True  # httpx's default: nothing to check without TLS
    try:
        return tls.context()
    except TlsSetupError as exc:
        raise UsageFailure("bad_tls", str(exc)) from exc


def scope_header(scope: str) -> str:
    """--scope as the header carries it: JSON as given, re-encoded in ASCII (an account's name may not be);
    what is not JSON goes as typed, for the gateway to say what is wrong with it, unless no header can hold it."""
    try:
        return json.dumps(json.loads(scope), separators=(",", ":"))
    except ValueError:
        text = scope.strip()
        if not (text.isascii() and text.isprintable()):
            raise UsageFailure("invalid_scope", 'a scope is a JSON object such as {"image": "CloudTwo"}') from None
        return text


def error_from_response(response: httpx.Response) -> ApiError:
    """The gateway's `{"error": {code, message, details}}` body as a failure (or a stand-in when absent)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and "code" in error:
        return ApiError(response.status_code, str(error["code"]), str(error.get("message", "")), error.get("details"))
    text = response.text.strip()[:200] or response.reason_phrase
    return ApiError(response.status_code, f"http_{response.status_code}", text)


class Session:
    """An HTTP client bound to one gateway; every call returns the decoded JSON body or raises a CliFailure."""

    def __init__(
        self, target: Target, *, login_hint: bool = False, transport: httpx.BaseTransport | None = None,
        via: str | None = None, tls: ClientTls = ClientTls(), scope: str | None = None,
    ):  # fmt: skip
        """`via`: an amqp:// or amqps:// URL to carry the requests over AMQP instead of HTTP. `tls`: how the
        server's (https://) or the broker's (amqps://) certificate is checked: against the system's CAs
        unless it names a CA file or says insecure; a certificate that fails the check fails the request.
        `scope`: the JSON scope every request runs in (`{"image": "CloudTwo"}`)."""
        self.target = target
        self._where = target.url if via is None else _broker(via)  # what failures name
        self._login_hint = login_hint  # say how to log in when the gateway does not accept the token
        headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
        if scope:
            headers[SCOPE_HEADER] = scope_header(scope)
        # A transport of its own (AMQP, or a test's) does its own TLS, if any.
        verify = verification_for(target.url, tls) if transport is None and via is None else True
        try:
            self._http = httpx.Client(
                base_url=target.url,
                headers=headers,
                timeout=REQUEST_TIMEOUT_SECONDS,
                transport=transport or transport_for(via, tls),
                verify=verify,
            )
        except httpx.InvalidURL as exc:
            raise UsageFailure("bad_url", f"{target.url!r} is not a valid URL: {exc}") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
        headers: Mapping[str, str] | None = None, timeout: float | None = None,
    ) -> Any:  # fmt: skip
        try:
            response = self._http.request(
                method, path, params=_drop_none(params), json=body, headers=headers,
                timeout=timeout if timeout is not None else REQUEST_TIMEOUT_SECONDS,
            )  # fmt: skip
        except httpx.ConnectError as exc:
            raise _tls_failure(exc, self._where) or Unreachable(
                "unreachable", f"cannot reach {self._where} ({_reason(exc)})"
            ) from exc
        except httpx.TimeoutException as exc:
            raise Unreachable("timeout", f"{self._where} did not answer in time") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise UsageFailure("bad_url", f"{self._where!r} is not a usable URL: {exc}") from exc
        except httpx.HTTPError as exc:
            raise Unreachable("unreachable", f"lost the connection to {self._where} ({_reason(exc)})") from exc
        if response.is_error:
            failure = error_from_response(response)
            if failure.status == 401 and self._login_hint:
                failure.message = (
                    f"{failure.message} (run `cloudgate login` again)" if self.target.token
                    else f"not logged in to {self.target.url}: run `cloudgate login` or pass --token"
                )  # fmt: skip
            raise failure
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(response.status_code, "bad_response", "the gateway's answer is not JSON") from exc

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None) -> Any:
        return self.request("POST", path, body=body, headers=headers)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body=body)

    def patch(self, path: str, body: Any, **params: Any) -> Any:
        return self.request("PATCH", path, body=body, params=params or None)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def _broker(via: str) -> str:
    """The broker's URL without its credentials."""
    parts = urlsplit(via)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


# What a TLS failure is, by OpenSSL's reason: a code and what to do about it (a failed certificate check,
# ssl.SSLCertVerificationError, is `tls_unverified`).
TLS_REASONS: dict[str, tuple[str, str]] = {
    "WRONG_VERSION_NUMBER": ("tls_failed", "it does not speak TLS there: is the URL's scheme right?"),
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": ("tls_refused", "it demands a client certificate"),
    "TLSV1_ALERT_UNKNOWN_CA": ("tls_refused", "it does not trust the CA that signed our client certificate"),
}


def _tls_failure(exc: BaseException, where: str) -> Unreachable | None:
    """The TLS failure behind a connection's failure, if that is what it was."""
    cause = next((cause for cause in _causes(exc) if isinstance(cause, ssl.SSLError)), None)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return Unreachable(
            "tls_unverified",
            f"the certificate of {where} is not trusted ({cause.verify_message}): pass the CA that signed it "
            "with --ca-file, or --insecure to skip the check",
        )  # fmt: skip
    if isinstance(cause, ssl.SSLError):
        code, meaning = TLS_REASONS.get(cause.reason or "", ("tls_failed", "the TLS handshake failed"))
        return Unreachable(code, f"{where}: {meaning} ({cause.reason or cause})")
    return None


def _drop_none(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in params.items() if v is not None} if params else None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what caused it, down to the innermost cause; each once (aiormq's chains can loop)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def _reason(exc: httpx.HTTPError) -> str:
    """The innermost cause's message, e.g. 'Connection refused' rather than a chain of wrappers."""
    *_, cause = _causes(exc)
    text = str(getattr(cause, "strerror", None) or cause) or type(cause).__name__
    return text.split("] ", 1)[-1]
