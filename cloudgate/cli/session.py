"""Talking to a gateway over HTTP: where it is, who we are, and its error bodies turned into failures."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import httpx

from cloudgate.cli import config
from cloudgate.cli.failures import ApiError, Unreachable, UsageFailure

DEFAULT_URL = "http://127.0.0.1:8080"
REQUEST_TIMEOUT_SECONDS = 30.0


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


def transport_for(via: str | None) -> httpx.BaseTransport | None:
    """How requests travel: plain HTTP (None), or over AMQP through the broker at `via` (amqp:// or amqps://)."""
    if via is None:
        return None
    if urlsplit(via).scheme not in ("amqp", "amqps"):
        raise UsageFailure("bad_via", f"--via takes an amqp:// or amqps:// URL, not {via.split(':', 1)[0]!r}")
    # Imported here: only the commands that go through a broker pay for the AMQP client's import.
    from cloudgate.cli.amqp_transport import BlockingAmqpTransport

    # The CLI reports failures itself; the AMQP library's own log lines would only repeat them.
    logging.getLogger("aiormq").addHandler(logging.NullHandler())
    return BlockingAmqpTransport(via)


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
        via: str | None = None,
    ):  # fmt: skip
        """`via`: an amqp:// URL to carry the requests over AMQP instead of HTTP."""
        self.target = target
        self._where = target.url if via is None else _broker(via)  # what failures name
        self._login_hint = login_hint  # say how to log in when the gateway does not accept the token
        headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
        try:
            self._http = httpx.Client(
                base_url=target.url,
                headers=headers,
                timeout=REQUEST_TIMEOUT_SECONDS,
                transport=transport or transport_for(via),
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
            raise Unreachable("unreachable", f"cannot reach {self._where} ({_reason(exc)})") from exc
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

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def _broker(via: str) -> str:
    """The broker's URL without its credentials."""
    parts = urlsplit(via)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _drop_none(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in params.items() if v is not None} if params else None


def _reason(exc: httpx.HTTPError) -> str:
    """The innermost cause's message, e.g. 'Connection refused' rather than a chain of wrappers."""
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    text = str(getattr(cause, "strerror", None) or cause) or type(cause).__name__
    return text.split("] ", 1)[-1]
